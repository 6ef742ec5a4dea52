#include "crypto/cms.hpp"

// pem.h first: cms.h declares the CMS PEM functions through pem.h's macros.
#include <openssl/pem.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <iterator>

#include "crypto/detail/openssl.hpp"

namespace dosegate::crypto {

namespace {

// The certificates a CMS carries: the signer's (`si`'s; null when none is) and the others.
std::pair<X509*, std::vector<X509*>> signer_and_others(CMS_SignerInfo* si, STACK_OF(X509) * certs) {
  X509* leaf = nullptr;
  std::vector<X509*> extra;
  for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
    X509* c = sk_X509_value(certs, i);
    if (!leaf && CMS_SignerInfo_cert_cmp(si, c) == 0)
      leaf = c;
    else
      extra.push_back(c);
  }
  return {leaf, std::move(extra)};
}

// `as_of`: judge the signer as of that trusted time (Access::check_as_of) instead of at `at`.
struct AsOf {
  Instant signed_at;
  std::vector<Finding>* notes;
  std::vector<X509_CRL*> crls;
  std::string crls_source;  // "record" or "ledger"
};

VerifiedDetached verify(std::string_view signature, std::string_view content,
                        const TrustStore& trust, Role role, Instant at, const std::string& location,
                        const std::string& what, const AsOf* as_of) {
  VerifiedDetached v;
  auto fail = [&](const char* code, std::string message) {
    v.findings.push_back(Finding{code, Severity::error, std::move(message), location});
    return v;
  };
  crypto::BioPtr in(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
  crypto::CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
  if (!cms) {
    crypto::BioPtr pem(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
    cms.reset(PEM_read_bio_CMS(pem.get(), nullptr, nullptr, nullptr));
  }
  crypto::take_errors();
  if (!cms)
    return fail("signature.unreadable",
                "the detached signature is not a CMS SignedData structure (DER or PEM)");
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return fail("signature.structure", "the CMS structure is not SignedData");
  if (CMS_is_detached(cms.get()) != 1)
    return fail("signature.structure",
                "the CMS signature embeds its content; dosegate takes detached signatures over "
                "the CoA file (openssl cms -sign -binary without -nodetach)");
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (sk_CMS_SignerInfo_num(infos) != 1)
    return fail("signature.multiple", "the CMS signature holds " +
                                          std::to_string(sk_CMS_SignerInfo_num(infos)) +
                                          " signers; exactly one is allowed");
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  X509_ALGOR *dig = nullptr, *sig = nullptr;
  EVP_PKEY* pk = nullptr;
  X509* signer_cert = nullptr;
  CMS_SignerInfo_get0_algs(si, &pk, &signer_cert, &dig, &sig);
  const int dig_nid = OBJ_obj2nid(dig->algorithm);
  if (dig_nid != NID_sha256 && dig_nid != NID_sha384 && dig_nid != NID_sha512)
    return fail(dig_nid == NID_sha1 || dig_nid == NID_md5 ? "signature.weak-algorithm"
                                                          : "signature.algorithm-not-allowed",
                std::string("the CMS digest algorithm ") + OBJ_nid2sn(dig_nid) +
                    " is not accepted; use SHA-256 or stronger");
  const int sig_nid = OBJ_obj2nid(sig->algorithm);
  v.algorithm = sig_nid == NID_rsaEncryption ? std::string("RSA with ") + OBJ_nid2sn(dig_nid)
                                             : std::string(OBJ_nid2sn(sig_nid));

  crypto::X509StackPtr certs(CMS_get1_certs(cms.get()));
  auto [leaf, extra] = signer_and_others(si, certs.get());
  if (!leaf)
    return fail("signature.key-info",
                "the CMS signature does not include the signer's certificate (sign without "
                "-nocerts)");
  v.signer_found = true;
  // CMS_verify checks the chain with the trust policy's rules (anchors, CRLs for every CA,
  // purpose, key strength; never skipped), the signed attributes and the content digest. The
  // role and key usage are checked after it. Only when it fails is the chain built a second
  // time, with every problem collected, to say precisely what is wrong.
  auto store = detail::Access::make_store(trust, as_of ? as_of->signed_at : at, true);
  if (as_of)  // revocation as of the trusted time: Access::check_as_of, from the freshest CRLs
    X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()),
                                  X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  crypto::BioPtr data(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  const bool verified =
      CMS_verify(cms.get(), certs.get(), store.get(), data.get(), nullptr, CMS_BINARY) == 1;
  if (as_of) {
    const unsigned long e = verified ? 0 : ERR_peek_error();
    const std::string detail = crypto::take_errors();
    auto check = detail::Access::check_as_of(trust, leaf, extra, role, as_of->signed_at, at,
                                             as_of->crls, location, as_of->crls_source);
    v.signer = check.signer;
    v.crls = std::move(check.crls);
    for (auto& c : v.crls) c.chain = "signer";
    // After what the caller noted already (the TSA's later revocations).
    as_of->notes->insert(as_of->notes->end(), std::make_move_iterator(check.notes.begin()),
                         std::make_move_iterator(check.notes.end()));
    if (!check.ok()) {
      v.findings = std::move(check.findings);
      return v;
    }
    if (verified) return v;
    if (ERR_GET_REASON(e) == CMS_R_VERIFICATION_FAILURE ||
        ERR_GET_REASON(e) == CMS_R_CONTENT_VERIFY_ERROR)
      return fail("signature.invalid", "the detached signature does not match " + what +
                                           ": it was made over other content, or " + what +
                                           " was changed after signing (" + detail + ")");
    return fail("signature.invalid", "the detached signature does not verify: " + detail);
  }
  if (verified) {
    auto check = detail::Access::check_signer(trust, leaf, role, location);
    v.signer = check.signer;
    v.findings = std::move(check.findings);
    return v;
  }
  const unsigned long e = ERR_peek_error();
  const std::string detail = crypto::take_errors();
  auto check = detail::Access::check(trust, leaf, extra, role, at, location);
  v.signer = check.signer;
  if (!check.ok()) {
    v.findings = std::move(check.findings);
    return v;
  }
  if (ERR_GET_REASON(e) == CMS_R_VERIFICATION_FAILURE ||
      ERR_GET_REASON(e) == CMS_R_CONTENT_VERIFY_ERROR)
    return fail("signature.invalid", "the detached signature does not match " + what +
                                         ": it was made over other content, or " + what +
                                         " was changed after signing (" + detail + ")");
  return fail("signature.invalid", "the detached signature does not verify: " + detail);
}

}  // namespace

VerifiedDetached verify_detached(std::string_view signature, std::string_view content,
                                 const TrustStore& trust, Role role, Instant at,
                                 const std::string& location, const std::string& what) {
  return verify(signature, content, trust, role, at, location, what, nullptr);
}

VerifiedDetached verify_detached_as_of(std::string_view signature, std::string_view content,
                                       const TrustStore& trust, Role role, Instant signed_at,
                                       Instant now, const std::string& location,
                                       const std::string& what, std::vector<Finding>& notes,
                                       const std::vector<std::string>& extra_crls,
                                       const std::string& extra_source) {
  const auto decoded = decode_crls(extra_crls);
  AsOf as_of{signed_at, &notes, decoded.crls, extra_source};
  return verify(signature, content, trust, role, now, location, what, &as_of);
}

std::vector<CrlUsed> crls_in_force(std::string_view signature, const TrustStore& trust,
                                   Instant at) {
  crypto::BioPtr in(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
  crypto::CmsPtr cms(d2i_CMS_bio(in.get(), nullptr));
  if (!cms) {
    crypto::BioPtr pem(BIO_new_mem_buf(signature.data(), static_cast<int>(signature.size())));
    cms.reset(PEM_read_bio_CMS(pem.get(), nullptr, nullptr, nullptr));
  }
  crypto::take_errors();
  STACK_OF(CMS_SignerInfo)* infos = cms ? CMS_get0_SignerInfos(cms.get()) : nullptr;
  if (!infos || sk_CMS_SignerInfo_num(infos) != 1) return {};
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  crypto::X509StackPtr certs(CMS_get1_certs(cms.get()));
  auto [leaf, extra] = signer_and_others(si, certs.get());
  if (!leaf) return {};
  auto out = detail::Access::crls_at(trust, leaf, extra, at);
  for (auto& c : out) c.chain = "signer";
  return out;
}

}  // namespace dosegate::crypto
