#include "crypto/trust_store.hpp"

#include "crypto/instants.hpp"
#include "util/text.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <optional>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {
namespace {

namespace fs = std::filesystem;
using crypto::X509Ptr;

std::vector<std::string> pem_files(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".pem") out.push_back(e.path().string());
  if (ec) throw IoError(dir + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<X509Ptr> certificates(const std::string& file) {
  try {
    return crypto::read_pem_certificates(file);
  } catch (const IoError& e) {
    throw TrustError(std::string(e.what()) +
                     " (every *.pem in a trust directory must hold "
                     "PEM certificates)");
  }
}

bool self_signed(X509* c) {
  return X509_check_issued(c, c) == X509_V_OK;
}

struct ChainError {
  int error;
  int depth;
  std::string subject;
};

}  // namespace

const char* directory_of(Role role) {
  switch (role) {
    case Role::lab: return "labs";
    case Role::releaser: return "releasers";
    case Role::approver: return "approvers";
  }
  return "?";
}

namespace {

// What a role's signature stands for, in findings.
const char* what_role_signs(Role role) {
  switch (role) {
    case Role::lab: return "CoAs";
    case Role::releaser: return "release records";
    case Role::approver: return "release specifications";
  }
  return "?";
}

}  // namespace

struct TrustStore::Impl {
  std::string dir;
  std::vector<X509Ptr> anchors;
  std::vector<X509Ptr> intermediates;
  std::vector<X509CrlPtr> crls;
  std::vector<std::pair<std::string, std::string>> labs;       // DER, file
  std::vector<std::pair<std::string, std::string>> releasers;  // DER, file
  std::vector<std::pair<std::string, std::string>> tsas;       // DER, file
  std::vector<std::pair<std::string, std::string>> approvers;  // DER, file

  const std::vector<std::pair<std::string, std::string>>& list(Role role) const {
    return role == Role::lab ? labs : role == Role::releaser ? releasers : approvers;
  }
};

TrustStore::TrustStore(const std::string& dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = dir;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    throw IoError(dir + ": cannot open trust directory: " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw IoError(dir + ": trust directory is not a directory");

  for (const auto& f : pem_files(dir + "/anchors")) {
    for (auto& c : certificates(f)) {
      if (!self_signed(c.get()) || X509_check_ca(c.get()) == 0)
        throw TrustError(f + ": '" + crypto::subject_of(c.get()) +
                         "' is not a self-signed CA certificate; anchors/ holds root CAs only");
      impl_->anchors.push_back(std::move(c));
    }
  }
  if (impl_->anchors.empty())
    throw TrustError(dir +
                     "/anchors: no trusted root certificate (*.pem); a trust directory "
                     "needs at least one anchor");
  // crls/ and labs/ are part of every trust directory: without crls/ no chain can be checked
  // for revocation, without labs/ no CoA signer is allowed. Their absence is a configuration
  // mistake, not a verdict on a document.
  std::error_code dir_ec;
  if (!fs::is_directory(dir + "/crls", dir_ec))
    throw TrustError("trust.crls-missing",
                     dir +
                         "/crls: no such directory; a trust directory holds the CRL (PEM) of "
                         "every CA in crls/ (create it and put the CAs' current CRLs there)");
  if (!fs::is_directory(dir + "/labs", dir_ec))
    throw TrustError("trust.labs-missing",
                     dir +
                         "/labs: no such directory; a trust directory lists the laboratory "
                         "certificates allowed to sign CoAs in labs/ (create it, empty when no "
                         "laboratory's CoA is checked here)");
  for (const auto& f : pem_files(dir + "/intermediates")) {
    for (auto& c : certificates(f)) {
      if (self_signed(c.get()))
        throw TrustError(f + ": '" + crypto::subject_of(c.get()) +
                         "' is self-signed; a root belongs in anchors/, not intermediates/");
      impl_->intermediates.push_back(std::move(c));
    }
  }
  for (const auto& f : pem_files(dir + "/crls")) {
    const std::string pem = text::read_file(f);
    crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    std::size_t n = 0;
    while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)) {
      impl_->crls.emplace_back(crl);
      ++n;
    }
    ERR_clear_error();
    if (n == 0) throw TrustError(f + ": no PEM CRL in this file (crls/ holds PEM CRLs only)");
  }
  // The allow-lists are compared byte for byte, so their certificates are kept as DER without
  // decoding them (decoding a public key costs OpenSSL 3 about a million instructions).
  for (auto [sub, list] :
       {std::pair{"/labs", &impl_->labs}, std::pair{"/releasers", &impl_->releasers},
        std::pair{"/approvers", &impl_->approvers}, std::pair{"/tsa", &impl_->tsas}}) {
    for (const auto& f : pem_files(dir + sub)) {
      const std::string pem = text::read_file(f);
      crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      std::size_t n = 0;
      char* name = nullptr;
      char* header = nullptr;
      unsigned char* data = nullptr;
      long len = 0;
      while (PEM_read_bio(bio.get(), &name, &header, &data, &len) == 1) {
        const bool certificate =
            std::strcmp(name, PEM_STRING_X509) == 0 && len > 0 && data[0] == 0x30;
        if (certificate)
          list->emplace_back(
              std::string(reinterpret_cast<char*>(data), static_cast<std::size_t>(len)), f);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!certificate) throw TrustError(f + ": holds a PEM block that is not a certificate");
        ++n;
      }
      ERR_clear_error();
      if (n == 0)
        throw TrustError(f +
                         ": no PEM certificate in this file (every *.pem in a trust directory "
                         "must hold PEM certificates)");
    }
  }
}

TrustStore::TrustStore(TrustStore&&) noexcept = default;
TrustStore& TrustStore::operator=(TrustStore&&) noexcept = default;
TrustStore::~TrustStore() = default;

const std::string& TrustStore::dir() const {
  return impl_->dir;
}

namespace detail {

X509StorePtr Access::make_store(const TrustStore& t, Instant at, bool with_intermediates) {
  crypto::X509StorePtr store(X509_STORE_new());
  for (const auto& a : t.impl_->anchors) X509_STORE_add_cert(store.get(), a.get());
  if (with_intermediates)
    for (const auto& c : t.impl_->intermediates) X509_STORE_add_cert(store.get(), c.get());
  for (const auto& c : t.impl_->crls) X509_STORE_add_crl(store.get(), c.get());
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_X509_STRICT);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at.time_since_epoch().count()));
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SMIME_SIGN);
  // 112-bit security: refuses RSA and DSA keys under 2048 bits and SHA-1 signatures.
  X509_VERIFY_PARAM_set_auth_level(param, 2);
  return store;
}

namespace {

struct Collector {
  std::vector<ChainError> errors;
};

int g_collector_index = -1;

int record_error(int ok, X509_STORE_CTX* ctx) {
  if (ok) return 1;
  auto* c = static_cast<Collector*>(X509_STORE_CTX_get_ex_data(ctx, g_collector_index));
  X509* cert = X509_STORE_CTX_get_current_cert(ctx);
  c->errors.push_back(ChainError{X509_STORE_CTX_get_error(ctx), X509_STORE_CTX_get_error_depth(ctx),
                                 cert ? crypto::subject_of(cert) : std::string("?")});
  // Keep going so that every problem is reported; the caller rejects on any recorded error.
  return 1;
}

// Builds leaf's path in `store`, with `intermediates` and `extra` as untrusted certificates, and
// verifies it: every error on the way (X509_verify_cert's own when the callback saw none, named
// after `subject`) and the path built.
struct PathCheck {
  std::vector<ChainError> errors;
  crypto::X509StackPtr path;
};

PathCheck verify_path(X509_STORE* store, X509* leaf, const std::vector<X509Ptr>& intermediates,
                      const std::vector<X509*>& extra, const std::string& subject) {
  crypto::X509StackPtr untrusted(sk_X509_new_null());
  for (const auto& c : intermediates) {
    X509_up_ref(c.get());
    sk_X509_push(untrusted.get(), c.get());
  }
  for (X509* c : extra) {
    X509_up_ref(c);
    sk_X509_push(untrusted.get(), c);
  }
  if (g_collector_index < 0)
    g_collector_index = X509_STORE_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  Collector collector;
  crypto::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted.get()) != 1)
    throw Error("crypto.failure",
                "cannot set up certificate verification: " + crypto::take_errors());
  X509_STORE_CTX_set_ex_data(ctx.get(), g_collector_index, &collector);
  X509_STORE_CTX_set_verify_cb(ctx.get(), record_error);
  const int rc = X509_verify_cert(ctx.get());
  crypto::take_errors();
  PathCheck out{std::move(collector.errors),
                crypto::X509StackPtr{X509_STORE_CTX_get1_chain(ctx.get())}};
  if (rc != 1 && out.errors.empty())
    out.errors.push_back(ChainError{X509_STORE_CTX_get_error(ctx.get()), 0, subject});
  return out;
}

Finding chain_finding(const ChainError& e, const std::string& location) {
  const std::string who = e.depth == 0 ? "the signer's certificate '" + e.subject + "'"
                                       : "CA certificate '" + e.subject + "'";
  const std::string why = X509_verify_cert_error_string(e.error);
  switch (e.error) {
    case X509_V_ERR_CERT_REVOKED:
      return {"signature.revoked", Severity::error, who + " is revoked", location};
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return {"signature.crl-missing", Severity::error,
              "no CRL for the issuer of " + who +
                  " in the trust directory's crls/; dosegate fails closed without one",
              location};
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return {"signature.crl-expired", Severity::error,
              "the CRL covering " + who +
                  " has expired (its nextUpdate is before the "
                  "verification time); install a current CRL",
              location};
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return {"signature.crl-not-yet-valid", Severity::error,
              "the CRL covering " + who + " is not yet valid at the verification time", location};
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
      return {"signature.crl-invalid", Severity::error,
              "the CRL for " + who + " cannot be used: " + why, location};
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return {"signature.certificate-expired", Severity::error,
              who + " had expired at the verification time", location};
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return {"signature.certificate-not-yet-valid", Severity::error,
              who + " was not yet valid at the verification time", location};
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return {"signature.untrusted", Severity::error,
              who + " does not chain to an anchor of the trust directory (" + why + ")", location};
    case X509_V_ERR_INVALID_PURPOSE:
      return {"signature.certificate-purpose", Severity::error,
              who +
                  " is not valid for signing documents: it needs extendedKeyUsage "
                  "emailProtection and keyUsage digitalSignature or nonRepudiation",
              location};
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
      return {"signature.weak-key", Severity::error,
              who + " has a key below 112-bit security (RSA keys need at least 2048 bits)",
              location};
    case X509_V_ERR_CA_MD_TOO_WEAK:
      return {"signature.weak-algorithm", Severity::error,
              who + " is signed with a weak digest (SHA-1 or older)", location};
    default: return {"signature.chain-invalid", Severity::error, who + ": " + why, location};
  }
}

}  // namespace

TrustStore::Check Access::check(const TrustStore& t, X509* leaf, const std::vector<X509*>& extra,
                                Role role, Instant at, const std::string& location) {
  // Key usage and role (which also describe the signer); their findings come after the chain's.
  TrustStore::Check policy = check_signer(t, leaf, role, location);
  TrustStore::Check out;
  out.signer = std::move(policy.signer);
  auto store = make_store(t, at, false);
  PathCheck collector =
      verify_path(store.get(), leaf, t.impl_->intermediates, extra, out.signer.subject);
  if (const auto& path = collector.path) {
    for (int i = 1; i < sk_X509_num(path.get()); ++i) {
      X509* c = sk_X509_value(path.get(), i);
      if (X509_check_issued(c, c) == X509_V_OK) continue;  // the anchor itself
      out.intermediates.push_back(share(c));
    }
  }

  const bool untrusted_chain = std::any_of(
      collector.errors.begin(), collector.errors.end(),
      [](const ChainError& e) { return chain_finding(e, "").code == "signature.untrusted"; });
  for (const auto& e : collector.errors) {
    auto f = chain_finding(e, location);
    // Without a chain to an anchor, CRL findings only repeat that the issuer is unknown.
    if (untrusted_chain && f.code.rfind("signature.crl-", 0) == 0) continue;
    const bool seen = std::any_of(out.findings.begin(), out.findings.end(), [&](const Finding& g) {
      return g.code == f.code && g.message == f.message;
    });
    if (!seen) out.findings.push_back(std::move(f));
  }
  for (auto& f : policy.findings) out.findings.push_back(std::move(f));
  return out;
}

X509StorePtr Access::make_tsa_store(const TrustStore& t, Instant at) {
  auto store = make_store(t, at, true);
  X509_VERIFY_PARAM_set_purpose(X509_STORE_get0_param(store.get()), X509_PURPOSE_TIMESTAMP_SIGN);
  return store;
}

std::vector<X509*> Access::ca_certificates(const TrustStore& t) {
  std::vector<X509*> out;
  for (const auto& c : t.impl_->anchors) out.push_back(c.get());
  for (const auto& c : t.impl_->intermediates) out.push_back(c.get());
  return out;
}

std::vector<X509_CRL*> Access::crls(const TrustStore& t) {
  std::vector<X509_CRL*> out;
  for (const auto& c : t.impl_->crls) out.push_back(c.get());
  return out;
}

bool Access::allowed_tsa(const TrustStore& t, X509* cert) {
  const std::string d = crypto::der(cert);
  return std::any_of(t.impl_->tsas.begin(), t.impl_->tsas.end(),
                     [&](const auto& p) { return p.first == d; });
}

namespace {

Instant instant_of(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return Instant::min();
  return Instant(std::chrono::seconds(timegm(&tm)));
}

std::string reason_of(X509_REVOKED* rev) {
  int crit = 0;
  ASN1_ENUMERATED* e =
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, nullptr));
  if (!e) return "unspecified";
  const long code = ASN1_ENUMERATED_get(e);
  ASN1_ENUMERATED_free(e);
  static const char* names[] = {"unspecified",        "keyCompromise", "cACompromise",
                                "affiliationChanged", "superseded",    "cessationOfOperation",
                                "certificateHold",    "unused",        "removeFromCRL",
                                "privilegeWithdrawn", "aACompromise"};
  return code >= 0 && code <= 10 ? names[code] : "reason " + std::to_string(code);
}

}  // namespace

// The CRL entry's invalidity date (RFC 5280 5.3.2), if it carries one.
std::optional<Instant> invalidity_of(X509_REVOKED* rev) {
  int crit = 0;
  auto* t = static_cast<ASN1_GENERALIZEDTIME*>(
      X509_REVOKED_get_ext_d2i(rev, NID_invalidity_date, &crit, nullptr));
  if (!t) return std::nullopt;
  const Instant at = instant_of(t);
  ASN1_GENERALIZEDTIME_free(t);
  if (at == Instant::min()) return std::nullopt;
  return at;
}

// Reasons that say the certificate's key stayed in its holder's hands.
bool key_stayed_safe(const std::string& reason) {
  return reason == "affiliationChanged" || reason == "superseded" ||
         reason == "cessationOfOperation" || reason == "privilegeWithdrawn";
}

void Access::revocation_as_of(const TrustStore& t, STACK_OF(X509) * path, Instant signed_at,
                              Instant now, const std::vector<X509_CRL*>& more_crls,
                              const std::string& location, TrustStore::Check& out,
                              const std::string& more_source, bool time_source) {
  std::vector<X509_CRL*> crls;
  for (const auto& c : t.impl_->crls) crls.push_back(c.get());
  const std::size_t from_trust_dir = crls.size();
  crls.insert(crls.end(), more_crls.begin(), more_crls.end());
  const int n = sk_X509_num(path);
  for (int i = 0; i < n; ++i) {
    X509* cert = sk_X509_value(path, i);
    X509* issuer = i + 1 < n ? sk_X509_value(path, i + 1) : cert;
    const std::string who = i == 0 ? "the signer's certificate '" + crypto::subject_of(cert) + "'"
                                   : "CA certificate '" + crypto::subject_of(cert) + "'";
    // The freshest CRL of the issuer that speaks for the signing time: issued by now, valid
    // at or after the signing time.
    X509_CRL* best = nullptr;
    Instant best_this = Instant::min();
    std::size_t best_index = 0;
    for (std::size_t k = 0; k < crls.size(); ++k) {
      X509_CRL* crl = crls[k];
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) continue;
      EVP_PKEY* key = X509_get0_pubkey(issuer);
      if (!key || X509_CRL_verify(crl, key) != 1) {
        crypto::take_errors();
        continue;
      }
      const Instant this_update = instant_of(X509_CRL_get0_lastUpdate(crl));
      const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
      if (!next || this_update == Instant::min() || this_update > now) continue;
      if (instant_of(next) < signed_at) continue;
      if (!best || this_update > best_this) {
        best = crl;
        best_this = this_update;
        best_index = k;
      }
    }
    if (!best) {
      out.findings.push_back({"signature.crl-missing", Severity::error,
                              "no CRL for the issuer of " + who +
                                  " that is valid at or after the signing time " +
                                  format_instant(signed_at) +
                                  " (trust directory's crls/ and the signature's validation "
                                  "data); dosegate fails closed without one",
                              location});
      continue;
    }
    CrlUsed used{"", crypto::subject_of(issuer), format_instant(best_this),
                 format_instant(instant_of(X509_CRL_get0_nextUpdate(best))),
                 best_index < from_trust_dir ? "trust-directory" : more_source};
    // A root that issued both the CRL over an intermediate and its own: one CRL, listed once.
    if (out.crls.empty() || out.crls.back().issuer != used.issuer)
      out.crls.push_back(std::move(used));
    X509_REVOKED* rev = nullptr;
    if (X509_CRL_get0_by_cert(best, &rev, cert) == 1 && rev) {
      const Instant revoked = instant_of(X509_REVOKED_get0_revocationDate(rev));
      const auto invalid = invalidity_of(rev);
      const Instant when = invalid && *invalid < revoked ? *invalid : revoked;
      const std::string reason = reason_of(rev);
      const std::string dated =
          when < revoked ? "was revoked on " + format_instant(revoked) + " (" + reason +
                               ") as invalid since " + format_instant(when)
                         : "was revoked on " + format_instant(revoked) + " (" + reason + ")";
      if (when <= signed_at)
        out.findings.push_back(
            {"signature.revoked", Severity::error,
             who + " " + dated + ", before the signing time " + format_instant(signed_at),
             location});
      else if (time_source && !key_stayed_safe(reason))
        out.findings.push_back(
            {"signature.tsa-compromised", Severity::error,
             who + " " + dated + ", after the stated time " + format_instant(signed_at) +
                 ", for a reason that does not say its key stayed safe: a timestamping "
                 "authority whose key may be in other hands proves no time",
             location});
      else
        out.notes.push_back({"signature.revoked-later", Severity::warning,
                             who + " " + dated + ", after the timestamped signing time " +
                                 format_instant(signed_at) +
                                 ": the signature made before stays valid",
                             location});
    }
    crypto::take_errors();
  }
}

TrustStore::Check Access::tsa_as_of(const TrustStore& t, X509* tsa, const std::vector<X509*>& extra,
                                    Instant signed_at, Instant now,
                                    const std::vector<X509_CRL*>& more_crls,
                                    const std::string& location, const std::string& more_source) {
  TrustStore::Check out;
  out.signer = describe(tsa);
  auto store = make_tsa_store(t, signed_at);
  X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()),
                                X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  PathCheck collector =
      verify_path(store.get(), tsa, t.impl_->intermediates, extra, out.signer.subject);
  for (const auto& e : collector.errors) out.findings.push_back(chain_finding(e, location));
  if (out.findings.empty() && collector.path)
    revocation_as_of(t, collector.path.get(), signed_at, now, more_crls, location, out, more_source,
                     true);
  return out;
}

TrustStore::Check Access::check_as_of(const TrustStore& t, X509* leaf,
                                      const std::vector<X509*>& extra, Role role, Instant signed_at,
                                      Instant now, const std::vector<X509_CRL*>& more_crls,
                                      const std::string& location, const std::string& more_source) {
  TrustStore::Check policy = check_signer(t, leaf, role, location);
  TrustStore::Check out;
  out.signer = std::move(policy.signer);
  auto store = make_store(t, signed_at, false);
  // The chain as of the signing time; revocation is checked below, from the freshest CRLs.
  X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()),
                                X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  PathCheck collector =
      verify_path(store.get(), leaf, t.impl_->intermediates, extra, out.signer.subject);
  const crypto::X509StackPtr& path = collector.path;
  for (const auto& e : collector.errors) {
    auto f = chain_finding(e, location);
    const bool seen = std::any_of(out.findings.begin(), out.findings.end(), [&](const Finding& g) {
      return g.code == f.code && g.message == f.message;
    });
    if (!seen) out.findings.push_back(std::move(f));
  }
  if (out.findings.empty() && path) {
    const int n = sk_X509_num(path.get());
    for (int i = 1; i < n; ++i) out.intermediates.push_back(share(sk_X509_value(path.get(), i)));
    revocation_as_of(t, path.get(), signed_at, now, more_crls, location, out, more_source);
  }
  for (auto& f : policy.findings) out.findings.push_back(std::move(f));
  return out;
}

std::vector<CrlUsed> Access::crls_at(const TrustStore& t, X509* leaf,
                                     const std::vector<X509*>& extra, Instant at) {
  std::vector<CrlUsed> out;
  auto store = make_store(t, at, false);
  X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()),
                                X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  const PathCheck collector =
      verify_path(store.get(), leaf, t.impl_->intermediates, extra, crypto::subject_of(leaf));
  if (!collector.path) return out;
  STACK_OF(X509)* path = collector.path.get();
  const int n = sk_X509_num(path);
  // OpenSSL's choice among CRLs of the same issuer: one valid at `at` (thisUpdate no later,
  // nextUpdate not before), the latest thisUpdate among those.
  for (int i = 0; i < n; ++i) {
    X509* issuer = i + 1 < n ? sk_X509_value(path, i + 1) : sk_X509_value(path, i);
    X509_CRL* best = nullptr;
    Instant best_this = Instant::min();
    for (const auto& c : t.impl_->crls) {
      X509_CRL* crl = c.get();
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0) continue;
      EVP_PKEY* key = X509_get0_pubkey(issuer);
      if (!key || X509_CRL_verify(crl, key) != 1) {
        crypto::take_errors();
        continue;
      }
      const Instant this_update = instant_of(X509_CRL_get0_lastUpdate(crl));
      const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
      if (!next || this_update == Instant::min() || this_update > at || instant_of(next) < at)
        continue;
      if (!best || this_update > best_this) {
        best = crl;
        best_this = this_update;
      }
    }
    if (best && (out.empty() || out.back().issuer != crypto::subject_of(issuer)))
      out.push_back(CrlUsed{"", crypto::subject_of(issuer), format_instant(best_this),
                            format_instant(instant_of(X509_CRL_get0_nextUpdate(best))),
                            "trust-directory"});
  }
  crypto::take_errors();
  return out;
}

TrustStore::Check Access::check_signer(const TrustStore& t, X509* leaf, Role role,
                                       const std::string& location) {
  TrustStore::Check out;
  out.signer = describe(leaf);
  // Key usage: the leaf must carry the extension with digitalSignature or nonRepudiation.
  const bool has_ku = (X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) != 0;
  if (!has_ku || (X509_get_key_usage(leaf) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0)
    out.findings.push_back({"signature.key-usage", Severity::error,
                            "the signer's certificate lacks keyUsage digitalSignature or "
                            "nonRepudiation",
                            location});

  // Role: the leaf must be in the allow-list for the role, and only there.
  const std::string leaf_der = crypto::der(leaf);
  const auto& allowed = t.impl_->list(role);
  auto find = [&](const auto& list) {
    return std::find_if(list.begin(), list.end(),
                        [&](const auto& p) { return p.first == leaf_der; });
  };
  if (find(allowed) == allowed.end()) {
    std::optional<std::pair<Role, std::string>> in_other;
    for (const Role r : {Role::lab, Role::releaser, Role::approver}) {
      if (r == role || in_other) continue;
      const auto& other = t.impl_->list(r);
      if (const auto it = find(other); it != other.end()) in_other = std::pair{r, it->second};
    }
    if (in_other) {
      out.findings.push_back({"signature.wrong-role", Severity::error,
                              std::string("the signer '") + out.signer.subject +
                                  "' is allowed to sign " + what_role_signs(in_other->first) +
                                  " (" + in_other->second + "), not " + what_role_signs(role),
                              location});
    } else {
      out.findings.push_back({"signature.signer-not-authorized", Severity::error,
                              "the signer '" + out.signer.subject + "' (SHA-256 " +
                                  out.signer.sha256 + ") is not in " + t.impl_->dir + "/" +
                                  directory_of(role) + "/",
                              location});
    }
  }
  return out;
}

}  // namespace detail

TrustStore::Check TrustStore::check(const Certificate& leaf, const std::vector<Certificate>& extra,
                                    Role role, Instant at, const std::string& location) const {
  return detail::Access::check(*this, detail::Access::x509(leaf), detail::Access::x509s(extra),
                               role, at, location);
}

std::vector<long long> TrustStore::instants() const {
  std::vector<long long> out;
  for (const auto* certs : {&impl_->anchors, &impl_->intermediates})
    for (const auto& c : *certs) add_der_instants(crypto::der(c.get()), out);
  for (const auto& crl : impl_->crls) {
    unsigned char* buf = nullptr;
    const int n = i2d_X509_CRL(crl.get(), &buf);
    if (n > 0)
      add_der_instants(std::string_view(reinterpret_cast<char*>(buf), static_cast<std::size_t>(n)),
                       out);
    OPENSSL_free(buf);
  }
  for (const auto* list : {&impl_->labs, &impl_->releasers, &impl_->tsas, &impl_->approvers})
    for (const auto& [d, file] : *list) add_der_instants(d, out);
  return out;
}

}  // namespace dosegate::crypto
