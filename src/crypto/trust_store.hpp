// The one trust policy for every signature dosegate checks (CoAs now; release records and
// recalls later): chain to an anchor, a CRL valid at the verification time for every CA in the
// chain, key usage, the S/MIME signing purpose, at least 112-bit security (no RSA under 2048
// bits, no SHA-1), and the role allow-lists of the trust directory.
#pragma once

#include <string>
#include <vector>

#include "crypto/detail/openssl.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

enum class Role { lab, releaser };

const char* directory_of(Role role);  // "labs", "releasers"

Signer describe(X509* cert);

class TrustStore {
 public:
  // Loads DIR/{anchors,intermediates,crls,labs,releasers}. Throws IoError when DIR cannot be
  // read and TrustError when its content cannot be used (no anchor, an unparsable file, a
  // self-signed certificate among the intermediates).
  explicit TrustStore(const std::string& dir);

  struct Check {
    std::vector<Finding> findings;  // empty when the signer may sign in that role
    Signer signer;
    std::vector<crypto::X509Ptr> intermediates;  // the verified path between leaf and anchor
    bool ok() const { return findings.empty(); }
  };

  // Checks `leaf` at time `at` for `role`. `extra` are untrusted certificates that came with
  // the signature (chain building only). `location` goes into every finding.
  Check check(X509* leaf, const std::vector<X509*>& extra, Role role, Instant at,
              const std::string& location) const;

  // The checks of `check` that do not build the chain: key usage and the role allow-list.
  // For callers whose chain an API has just verified with make_store's rules (CMS_verify).
  Check check_signer(X509* leaf, Role role, const std::string& location) const;

  const std::string& dir() const { return dir_; }

  // An X509_STORE that applies this policy's chain rules at `at` (anchors, CRLs, flags,
  // purpose, security level), for APIs that verify chains themselves (CMS_verify).
  // `with_intermediates` also adds intermediates/ for chain building (never self-signed).
  crypto::X509StorePtr make_store(Instant at, bool with_intermediates = false) const;

 private:
  std::string dir_;
  std::vector<crypto::X509Ptr> anchors_;
  std::vector<crypto::X509Ptr> intermediates_;
  std::vector<crypto::X509CrlPtr> crls_;
  std::vector<std::pair<std::string, std::string>> labs_;       // DER, file
  std::vector<std::pair<std::string, std::string>> releasers_;  // DER, file
};

}  // namespace dosegate::crypto
