// The one trust policy for every signature dosegate checks (CoAs, release records, ledger
// entries): chain to an anchor, a CRL valid at the verification time for every CA in the
// chain, key usage, the S/MIME signing purpose, at least 112-bit security (no RSA under 2048
// bits, no SHA-1), and the role allow-lists of the trust directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

enum class Role { lab, releaser, approver };

const char* directory_of(Role role);  // "labs", "releasers", "approvers"

class TrustStore {
 public:
  // Loads DIR/{anchors,intermediates,crls,labs,releasers,approvers,tsa} (approvers/ may be
  // absent: then no specification counts as approved). Throws IoError when DIR cannot be
  // read and TrustError when its content cannot be used (no anchor, an unparsable file, a
  // self-signed certificate among the intermediates).
  explicit TrustStore(const std::string& dir);
  TrustStore(TrustStore&&) noexcept;
  TrustStore& operator=(TrustStore&&) noexcept;
  ~TrustStore();

  struct Check {
    std::vector<Finding> findings;  // empty when the signer may sign in that role
    Signer signer;
    std::vector<Certificate> intermediates;  // the verified path between leaf and anchor
    // What the check shows without refusing the signer: a revocation dated after the trusted
    // time of a timestamped signature (signature.revoked-later), the time judged at.
    std::vector<Finding> notes;
    // The CRL each CA of the chain was judged by (revocation as of a trusted time only; `chain`
    // left empty for the caller to name).
    std::vector<CrlUsed> crls;
    bool ok() const { return findings.empty(); }
  };

  // Checks `leaf` at time `at` for `role`. `extra` are untrusted certificates that came with
  // the signature (chain building only). `location` goes into every finding.
  Check check(const Certificate& leaf, const std::vector<Certificate>& extra, Role role, Instant at,
              const std::string& location) const;

  const std::string& dir() const;

  // Every time written in the directory's certificates (every role's) and CRLs, as
  // crypto::add_der_instants reads them: the trust's share of the instants at which a check's
  // answer can change (crypto/instants.hpp).
  std::vector<long long> instants() const;

 private:
  friend struct detail::Access;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::crypto
