// Private to src/crypto: RAII handles for OpenSSL objects, the error-queue helper, and the
// access to what the opaque types of the crypto interface hold. Only src/crypto/*.cpp include
// this; the headers code outside src/crypto includes carry no OpenSSL or xmlsec type (a ctest,
// crypto-room, enforces it).
#pragma once

#include <memory>
#include <string>
#include <vector>

// pem.h first: cms.h declares the CMS PEM functions through pem.h's macros.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/certificate.hpp"
#include "crypto/keys.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

// Drains OpenSSL's error queue into one line ("" when empty).
std::string take_errors();

// CRLs given as DER (a record's validation data, a ledger entry's kept CRLs), decoded: `crls`
// points into `owned`. What is not a CRL can prove nothing and is skipped.
struct DecodedCrls {
  std::vector<X509CrlPtr> owned;
  std::vector<X509_CRL*> crls;
};
DecodedCrls decode_crls(const std::vector<std::string>& der);

// DER bytes, SHA-256 fingerprint (lowercase hex, colon-free), one-line names.
std::string der(X509* cert);
std::string fingerprint_sha256(X509* cert);
std::string subject_of(X509* cert);
std::string issuer_of(X509* cert);
std::string key_description(X509* cert);  // "EC P-256", "RSA 3072"

// Reads every certificate in a PEM file (throws IoError naming the file when there is none).
std::vector<X509Ptr> read_pem_certificates(const std::string& path);

// What a report says about `cert`.
Signer describe(X509* cert);

struct Certificate::Impl {
  X509Ptr x509;
};

namespace detail {

// The OpenSSL objects behind the interface types, for src/crypto's own code.
struct Access {
  static X509* x509(const Certificate& c) { return c.impl_->x509.get(); }
  static Certificate adopt(X509Ptr cert);  // takes ownership
  static Certificate share(X509* cert);    // adds a reference
  static std::vector<X509*> x509s(const std::vector<Certificate>& certs);

  static EVP_PKEY* key(const SigningKey& k);
  static SigningKey signing_key(EvpPkeyPtr key, Certificate cert, std::vector<Certificate> chain);
  // `owner` keeps alive what the key needs (a token's module and session); it is released
  // after the key.
  static SigningKey signing_key(EvpPkeyPtr key, Certificate cert, std::vector<Certificate> chain,
                                KeyProtection protection, std::string source,
                                std::shared_ptr<void> owner);
  static void set_chain(SigningKey& k, std::vector<Certificate> chain);

  // An X509_STORE that applies the trust policy's chain rules at `at` (anchors, CRLs, flags,
  // purpose, security level), for APIs that verify chains themselves (CMS_verify).
  // `with_intermediates` also adds intermediates/ for chain building (never self-signed).
  static X509StorePtr make_store(const TrustStore& t, Instant at, bool with_intermediates);
  // TrustStore::check on OpenSSL certificates.
  static TrustStore::Check check(const TrustStore& t, X509* leaf, const std::vector<X509*>& extra,
                                 Role role, Instant at, const std::string& location);
  // The signer checked as of `signed_at`, the trusted time of a timestamped signature, at the
  // present time `now`: the chain (validity periods, purpose, key strength) at `signed_at`;
  // revocation from the freshest CRL of each CA that is issued no later than `now` and valid
  // at or after `signed_at` (trust directory's and `more_crls`); a revocation dated before
  // `signed_at` refuses the signer, a later one is a note (signature.revoked-later).
  static TrustStore::Check check_as_of(const TrustStore& t, X509* leaf,
                                       const std::vector<X509*>& extra, Role role,
                                       Instant signed_at, Instant now,
                                       const std::vector<X509_CRL*>& more_crls,
                                       const std::string& location,
                                       const std::string& more_source = "record");
  // check_as_of's revocation rule for each certificate of a verified `path` (leaf first, the
  // anchor last): findings (signature.revoked, signature.crl-missing) and notes into `out`, and
  // the CRL chosen for each CA into out.crls (source "trust-directory", or `more_source` for
  // one of `more_crls`). A revocation counts from its CRL entry's invalidity date when that is
  // earlier than the revocation date (RFC 5280 5.3.2: since when the key is known or suspected
  // to be compromised). For a `time_source` (a TSA's chain) a revocation whose reason does not
  // say the key stayed safe (anything but affiliationChanged, superseded,
  // cessationOfOperation, privilegeWithdrawn) refuses it whenever it is dated
  // (signature.tsa-compromised): a TSA whose key may be in other hands proves no time, whatever
  // time its tokens state.
  static void revocation_as_of(const TrustStore& t, STACK_OF(X509) * path, Instant signed_at,
                               Instant now, const std::vector<X509_CRL*>& more_crls,
                               const std::string& location, TrustStore::Check& out,
                               const std::string& more_source = "record", bool time_source = false);
  // The CRL OpenSSL's own check at `at` (make_store) chooses for each CA of `leaf`'s chain: the
  // freshest of the trust directory's CRLs of that CA valid at `at` (none listed for a CA
  // without one: the check itself refuses that chain).
  static std::vector<CrlUsed> crls_at(const TrustStore& t, X509* leaf,
                                      const std::vector<X509*>& extra, Instant at);
  // A TSA's certificate checked as of `signed_at` (its token's time) the way check_as_of checks
  // a signer: the chain under make_tsa_store's rules at `signed_at`, revocation from the
  // freshest CRLs (the trust directory's and `more_crls`). Not the tsa/ allow-list.
  static TrustStore::Check tsa_as_of(const TrustStore& t, X509* tsa,
                                     const std::vector<X509*>& extra, Instant signed_at,
                                     Instant now, const std::vector<X509_CRL*>& more_crls,
                                     const std::string& location,
                                     const std::string& more_source = "record");
  // A store for timestamp tokens at `at`: anchors, intermediates, CRLs, CRL checks for every
  // CA, purpose timeStampSigning, security level 2.
  static X509StorePtr make_tsa_store(const TrustStore& t, Instant at);
  // The trust directory's CA certificates (anchors and intermediates) and CRLs.
  static std::vector<X509*> ca_certificates(const TrustStore& t);
  static std::vector<X509_CRL*> crls(const TrustStore& t);
  // Whether `cert` is in DIR/tsa/.
  static bool allowed_tsa(const TrustStore& t, X509* cert);
  // The checks of `check` that do not build the chain: key usage and the role allow-list.
  // For callers whose chain an API has just verified with make_store's rules (CMS_verify).
  static TrustStore::Check check_signer(const TrustStore& t, X509* leaf, Role role,
                                        const std::string& location);
};

}  // namespace detail

}  // namespace dosegate::crypto
