#include "crypto/timestamp.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "crypto/detail/openssl.hpp"
#include "crypto/sha256.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {
namespace {

using detail::Access;

using TsReqPtr = std::unique_ptr<TS_REQ, Deleter<TS_REQ_free>>;
using TsRespPtr = std::unique_ptr<TS_RESP, Deleter<TS_RESP_free>>;
using TsVerifyCtxPtr = std::unique_ptr<TS_VERIFY_CTX, Deleter<TS_VERIFY_CTX_free>>;
using TsMsgImprintPtr = std::unique_ptr<TS_MSG_IMPRINT, Deleter<TS_MSG_IMPRINT_free>>;
using TsTstInfoPtr = std::unique_ptr<TS_TST_INFO, Deleter<TS_TST_INFO_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;

[[noreturn]] void crypto_fail(const std::string& what) {
  throw Error("crypto.failure", what + " " + crypto::take_errors());
}

[[noreturn]] void bad_response(const std::string& what) {
  crypto::take_errors();
  throw Error("tsa.bad-response", what);
}

std::string to_der(PKCS7* p7) {
  unsigned char* buf = nullptr;
  const int len = i2d_PKCS7(p7, &buf);
  if (len <= 0) crypto_fail("cannot encode the timestamp token");
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  return out;
}

Instant instant_of(const ASN1_GENERALIZEDTIME* t) {
  struct tm tm {};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return Instant::min();
  return Instant(std::chrono::seconds(timegm(&tm)));
}

std::string decimal(const ASN1_INTEGER* n) {
  BignumPtr bn(ASN1_INTEGER_to_BN(n, nullptr));
  if (!bn) return "?";
  char* s = BN_bn2dec(bn.get());
  std::string out = s ? s : "?";
  OPENSSL_free(s);
  return out;
}

Sha256Digest digest_of(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.digest();
}

CmsPtr parse_cms(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  return cms;
}

CMS_SignerInfo* only_signer(CMS_ContentInfo* cms) {
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
  if (!infos || sk_CMS_SignerInfo_num(infos) != 1) return nullptr;
  return sk_CMS_SignerInfo_value(infos, 0);
}

// The token's TSTInfo, time and TSA certificate; nullopt-like failures throw `fail(message)`.
struct TokenFacts {
  Instant time{};
  X509* tsa = nullptr;  // owned by the token
  std::string imprint_algorithm;
  std::string imprint;
};

template <typename Fail>
TokenFacts facts_of(PKCS7* token, Fail fail) {
  TokenFacts f;
  TsTstInfoPtr info(PKCS7_to_TS_TST_INFO(token));
  if (!info) fail("the token holds no TSTInfo");
  f.time = instant_of(TS_TST_INFO_get_time(info.get()));
  if (f.time == Instant::min()) fail("the token's genTime cannot be read");
  TS_MSG_IMPRINT* mi = TS_TST_INFO_get_msg_imprint(info.get());
  const int nid = OBJ_obj2nid(TS_MSG_IMPRINT_get_algo(mi)->algorithm);
  f.imprint_algorithm = nid == NID_undef ? "unknown" : OBJ_nid2sn(nid);
  ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(mi);
  f.imprint.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(msg)),
                   static_cast<std::size_t>(ASN1_STRING_length(msg)));
  STACK_OF(X509)* signers = PKCS7_get0_signers(token, nullptr, 0);
  if (!signers || sk_X509_num(signers) != 1) {
    sk_X509_free(signers);
    fail("the token does not carry its TSA's certificate (the request asks for it: certReq)");
  }
  f.tsa = sk_X509_value(signers, 0);
  sk_X509_free(signers);
  return f;
}

// The token's signature, imprint (`flags` TS_VFY_IMPRINT with the context's imprint) and the
// TSA's chain at the token's time; then the tsa/ allow-list.
template <typename Fail>
void verify_token(TS_VERIFY_CTX* ctx, PKCS7* token, const TokenFacts& f, const TrustStore& trust,
                  Fail fail) {
  TS_VERIFY_CTX_set_store(ctx, Access::make_tsa_store(trust, f.time).release());
  if (TS_RESP_verify_token(ctx, token) != 1)
    fail(
        "the token's signature or its TSA's certificate chain does not verify under the trust "
        "directory at the token's time " +
        format_instant(f.time) + " (" + crypto::take_errors() + ")");
  if (!Access::allowed_tsa(trust, f.tsa))
    fail("the token's TSA '" + crypto::subject_of(f.tsa) + "' is not in " + trust.dir() +
         "/tsa/ (the timestamping authorities whose tokens are accepted)");
}

// verify_token for a token read back later (a record's or a ledger entry's): the signature,
// imprint and the TSA's chain at the token's time, with revocation judged as a signer's is
// (Access::tsa_as_of: the freshest CRL of each CA among the trust directory's and `more_crls`
// that speaks for the token's time), so that a routine CRL refresh does not untrust it; then
// the tsa/ allow-list. Later revocations of the TSA's chain go into `notes`.
template <typename Fail>
void verify_token_as_of(TS_VERIFY_CTX* ctx, PKCS7* token, const TokenFacts& f,
                        const TrustStore& trust, Instant now,
                        const std::vector<X509_CRL*>& more_crls, const std::string& more_source,
                        std::vector<Finding>& notes, std::vector<CrlUsed>& crls, Fail fail) {
  auto store = Access::make_tsa_store(trust, f.time);
  X509_VERIFY_PARAM_clear_flags(X509_STORE_get0_param(store.get()),
                                X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  TS_VERIFY_CTX_set_store(ctx, store.release());
  if (TS_RESP_verify_token(ctx, token) != 1)
    fail(
        "the token's signature or its TSA's certificate chain does not verify under the trust "
        "directory at the token's time " +
        format_instant(f.time) + " (" + crypto::take_errors() + ")");
  std::vector<X509*> extra;
  if (PKCS7_type_is_signed(token) && token->d.sign->cert)
    for (int i = 0; i < sk_X509_num(token->d.sign->cert); ++i)
      extra.push_back(sk_X509_value(token->d.sign->cert, i));
  auto check =
      Access::tsa_as_of(trust, f.tsa, extra, f.time, now, more_crls, "timestamp", more_source);
  for (auto& c : check.crls) {
    c.chain = "timestamp";
    crls.push_back(std::move(c));
  }
  if (!check.findings.empty()) {
    const std::string m = "its TSA's certificate '" + crypto::subject_of(f.tsa) +
                          "' cannot be judged at the token's time " + format_instant(f.time) +
                          ": " + check.findings.front().message;
    // No CRL speaks for that time: the token cannot be checked, which is not the same as
    // a bad one (audit: could not check).
    const auto all = [&](const char* code) {
      return std::all_of(check.findings.begin(), check.findings.end(),
                         [&](const Finding& x) { return x.code == code; });
    };
    if (all("signature.crl-missing")) throw Error("tsa.no-crl", m);
    // The TSA's key may be in other hands since: the token may be genuine or not, and proves
    // no time either way.
    if (all("signature.tsa-compromised")) throw Error("tsa.compromised", m);
    fail(m);
  }
  for (auto& n : check.notes) {
    n.message = "the TSA: " + n.message;
    notes.push_back(std::move(n));
  }
  if (!Access::allowed_tsa(trust, f.tsa))
    fail("the token's TSA '" + crypto::subject_of(f.tsa) + "' is not in " + trust.dir() +
         "/tsa/ (the timestamping authorities whose tokens are accepted)");
}

// A token read back later, its imprint `d` known: a SHA-256 imprint equal to `d` (else `fail`
// says it is not the SHA-256 of `covered`, which names what `d` is the hash of and where a
// wrong token came from), a time not after `now`, its signature and imprint (OpenSSL's TS
// check) and its TSA's chain as of its time (verify_token_as_of), with the embedded CRLs (DER;
// what is not a CRL can prove nothing and is skipped) as candidates from `source`.
template <typename Fail>
void verify_read_token(PKCS7* token, const TokenFacts& f, const Sha256Digest& d,
                       const char* covered, const TrustStore& trust, Instant now,
                       const std::vector<std::string>& embedded_crls, const std::string& source,
                       std::vector<Finding>& notes, std::vector<CrlUsed>& crls, Fail fail) {
  if (f.imprint_algorithm != "SHA256" ||
      f.imprint != std::string(reinterpret_cast<const char*>(d.data()), d.size()))
    fail(std::string("its message imprint is not the SHA-256 of ") + covered);
  if (f.time > now)
    fail("its time " + format_instant(f.time) + " is after the verification time " +
         format_instant(now));
  TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
  auto* imprint = static_cast<unsigned char*>(OPENSSL_malloc(d.size()));
  if (!ctx || !imprint) crypto_fail("cannot set up the timestamp check:");
  std::memcpy(imprint, d.data(), d.size());
  TS_VERIFY_CTX_set_imprint(ctx.get(), imprint, static_cast<long>(d.size()));
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
  const auto decoded = decode_crls(embedded_crls);
  verify_token_as_of(ctx.get(), token, f, trust, now, decoded.crls, source, notes, crls, fail);
}

// Reading dosegate's own CMS signatures as DER, without OpenSSL's decoder: d2i of a CMS
// structure decodes the public key of every certificate it carries, and with OpenSSL 3.0 each of
// those costs a provider decoder look-up (about 1 ms of CPU, and lock traffic between threads).
// A release handles each record's signature three times (its value for the request, the token
// added, the certificates for the validation data): reading the structure is enough for that.
struct Tlv {
  std::size_t start = 0;  // the tag's offset
  std::size_t body = 0;   // the contents' offset
  std::size_t end = 0;    // one past the contents
  unsigned char tag = 0;
};

// The DER TLV at `pos`, which must end by `limit`: one tag byte, definite length in minimal
// form (at most 4 length bytes).
std::optional<Tlv> tlv_at(std::string_view d, std::size_t pos, std::size_t limit) {
  if (pos + 2 > limit) return std::nullopt;
  Tlv t;
  t.start = pos;
  t.tag = static_cast<unsigned char>(d[pos]);
  if ((t.tag & 0x1f) == 0x1f) return std::nullopt;  // multi-byte tags: none in these structures
  std::size_t len = static_cast<unsigned char>(d[pos + 1]);
  std::size_t p = pos + 2;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || p + n > limit || d[p] == 0) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(d[p + i]);
    if (len < 0x80) return std::nullopt;  // not minimal
    p += n;
  }
  if (len > limit - p) return std::nullopt;
  t.body = p;
  t.end = p + len;
  return t;
}

// A DER SignedData ContentInfo with exactly one SignerInfo, as offsets into its bytes.
struct SignedDataLayout {
  Tlv content_info, explicit0, signed_data, signer_infos, signer_info;
  std::optional<Tlv> certificates;  // [0] IMPLICIT SET OF CertificateChoices
  Tlv signature;                    // the SignerInfo's OCTET STRING
  std::optional<Tlv> unsigned_attrs;
};

std::optional<SignedDataLayout> signed_data_layout(std::string_view d) {
  // 1.2.840.113549.1.7.2 (id-signedData)
  static constexpr std::string_view kSignedData("\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02", 9);
  SignedDataLayout l;
  auto ci = tlv_at(d, 0, d.size());
  if (!ci || ci->tag != 0x30 || ci->end != d.size()) return std::nullopt;
  l.content_info = *ci;
  auto oid = tlv_at(d, ci->body, ci->end);
  if (!oid || oid->tag != 0x06 || d.substr(oid->body, oid->end - oid->body) != kSignedData)
    return std::nullopt;
  auto e0 = tlv_at(d, oid->end, ci->end);
  if (!e0 || e0->tag != 0xa0 || e0->end != ci->end) return std::nullopt;
  l.explicit0 = *e0;
  auto sd = tlv_at(d, e0->body, e0->end);
  if (!sd || sd->tag != 0x30 || sd->end != e0->end) return std::nullopt;
  l.signed_data = *sd;
  // version, digestAlgorithms, encapContentInfo, [0] certificates, [1] crls, signerInfos
  auto t = tlv_at(d, sd->body, sd->end);
  if (!t || t->tag != 0x02) return std::nullopt;
  t = tlv_at(d, t->end, sd->end);
  if (!t || t->tag != 0x31) return std::nullopt;
  t = tlv_at(d, t->end, sd->end);
  if (!t || t->tag != 0x30) return std::nullopt;
  t = tlv_at(d, t->end, sd->end);
  if (t && t->tag == 0xa0) {
    l.certificates = *t;
    t = tlv_at(d, t->end, sd->end);
  }
  if (t && t->tag == 0xa1) t = tlv_at(d, t->end, sd->end);
  if (!t || t->tag != 0x31 || t->end != sd->end) return std::nullopt;
  l.signer_infos = *t;
  auto si = tlv_at(d, t->body, t->end);
  if (!si || si->tag != 0x30 || si->end != t->end) return std::nullopt;  // exactly one
  l.signer_info = *si;
  // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature, [1] unsigned
  t = tlv_at(d, si->body, si->end);
  if (!t || t->tag != 0x02) return std::nullopt;
  t = tlv_at(d, t->end, si->end);
  if (!t || (t->tag != 0x30 && t->tag != 0x80)) return std::nullopt;
  t = tlv_at(d, t->end, si->end);
  if (!t || t->tag != 0x30) return std::nullopt;
  t = tlv_at(d, t->end, si->end);
  if (t && t->tag == 0xa0) t = tlv_at(d, t->end, si->end);
  if (!t || t->tag != 0x30) return std::nullopt;
  t = tlv_at(d, t->end, si->end);
  if (!t || t->tag != 0x04) return std::nullopt;
  l.signature = *t;
  if (t->end != si->end) {
    t = tlv_at(d, t->end, si->end);
    if (!t || t->tag != 0xa1 || t->end != si->end) return std::nullopt;
    l.unsigned_attrs = *t;
  }
  return l;
}

std::string der_length(std::size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  std::string bytes;
  for (; n; n >>= 8) bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
  return static_cast<char>(0x80 | bytes.size()) + bytes;
}

std::string der_tlv(unsigned char tag, std::string_view body) {
  return static_cast<char>(tag) + der_length(body.size()) + std::string(body);
}

// The certificates a SignedData carries, each as its DER.
void carried_certificates(std::string_view d, const SignedDataLayout& l,
                          std::vector<std::string>& out) {
  if (!l.certificates) return;
  for (std::size_t p = l.certificates->body; p < l.certificates->end;) {
    const auto c = tlv_at(d, p, l.certificates->end);
    if (!c) return;
    out.emplace_back(d.substr(c->start, c->end - c->start));
    p = c->end;
  }
}

}  // namespace

struct TsaChainCache::Impl {
  std::mutex mutex;
  std::set<std::pair<std::string, long long>> passed;  // (TSA certificate DER, genTime)
};
TsaChainCache::TsaChainCache() : impl_(std::make_unique<Impl>()) {}
TsaChainCache::~TsaChainCache() = default;

struct TsaChainCacheAccess {
  static TsaChainCache::Impl& impl(TsaChainCache& c) { return *c.impl_; }
};

TimestampRequest timestamp_request(std::string_view data) {
  TimestampRequest out;
  const Sha256Digest d = digest_of(data);
  out.data_sha256 = to_hex(d);
  TsReqPtr req(TS_REQ_new());
  TsMsgImprintPtr mi(TS_MSG_IMPRINT_new());
  X509AlgorPtr algo(X509_ALGOR_new());
  unsigned char nonce_bytes[8];
  if (!req || !mi || !algo || RAND_bytes(nonce_bytes, sizeof nonce_bytes) != 1)
    crypto_fail("cannot make a timestamp request:");
  nonce_bytes[0] &= 0x7f;  // a positive INTEGER
  BignumPtr bn(BN_bin2bn(nonce_bytes, sizeof nonce_bytes, nullptr));
  Asn1IntegerPtr nonce(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!nonce || X509_ALGOR_set0(algo.get(), OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(mi.get(), algo.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(mi.get(), const_cast<unsigned char*>(d.data()),
                             static_cast<int>(d.size())) != 1 ||
      TS_REQ_set_version(req.get(), 1) != 1 || TS_REQ_set_msg_imprint(req.get(), mi.get()) != 1 ||
      TS_REQ_set_nonce(req.get(), nonce.get()) != 1 || TS_REQ_set_cert_req(req.get(), 1) != 1)
    crypto_fail("cannot make a timestamp request:");
  out.nonce = decimal(nonce.get());
  unsigned char* buf = nullptr;
  const int len = i2d_TS_REQ(req.get(), &buf);
  if (len <= 0) crypto_fail("cannot encode the timestamp request:");
  out.der.assign(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  return out;
}

Timestamp accept_timestamp_response(std::string_view response, const TimestampRequest& request,
                                    const TrustStore& trust, TsaChainCache* chains) {
  const auto* p = reinterpret_cast<const unsigned char*>(response.data());
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (!resp || p != reinterpret_cast<const unsigned char*>(response.data()) + response.size())
    bad_response("the answer is not an RFC 3161 TimeStampResp (" + std::to_string(response.size()) +
                 " bytes)");
  const long status =
      ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp.get())));
  if (status != 0 && status != 1)
    bad_response("the TSA refused the request (PKIStatus " + std::to_string(status) + ")");
  PKCS7* token = TS_RESP_get_token(resp.get());
  if (!token) bad_response("the TSA granted the request but sent no token");
  const auto fail = [](const std::string& m) { bad_response(m); };
  const TokenFacts f = facts_of(token, fail);
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());

  const auto* rp = reinterpret_cast<const unsigned char*>(request.der.data());
  TsReqPtr req(d2i_TS_REQ(nullptr, &rp, static_cast<long>(request.der.size())));
  if (!req) crypto_fail("cannot read back the timestamp request:");
  // Imprint and nonce first, each with its own message; then signature and chain.
  if (f.imprint_algorithm != "SHA256" || f.imprint.size() != 32 ||
      std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(
                      TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req.get())))),
                  32) != f.imprint)
    bad_response(
        "the token's message imprint is not the SHA-256 that was asked for (the token "
        "is for other data)");
  const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(info);
  if (!nonce || ASN1_INTEGER_cmp(nonce, TS_REQ_get_nonce(req.get())) != 0)
    bad_response("the token's nonce " + (nonce ? decimal(nonce) : std::string("(none)")) +
                 " is not the request's " + request.nonce + " (a replayed or misrouted answer)");
  TsVerifyCtxPtr ctx(TS_REQ_to_TS_VERIFY_CTX(req.get(), nullptr));
  if (!ctx) crypto_fail("cannot set up the timestamp check:");
  TS_VERIFY_CTX_add_flags(ctx.get(), TS_VFY_SIGNATURE);
  const std::pair<std::string, long long> key{crypto::der(f.tsa),
                                              f.time.time_since_epoch().count()};
  bool known = false;
  if (chains) {
    auto& c = TsaChainCacheAccess::impl(*chains);
    const std::lock_guard lock(c.mutex);
    known = c.passed.count(key) > 0;
  }
  if (known) {
    // The same certificate passed the full check at this very second: the token's signature
    // and ESS certificate id against that certificate alone (a one-certificate store).
    X509StorePtr store(X509_STORE_new());
    if (!store || X509_STORE_add_cert(store.get(), f.tsa) != 1)
      crypto_fail("cannot set up the timestamp check:");
    X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(f.time.time_since_epoch().count()));
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_TIMESTAMP_SIGN);
    TS_VERIFY_CTX_set_store(ctx.get(), store.release());
    if (TS_RESP_verify_token(ctx.get(), token) != 1)
      bad_response("the token's signature does not verify (" + crypto::take_errors() + ")");
  } else {
    verify_token(ctx.get(), token, f, trust, fail);
    if (chains) {
      auto& c = TsaChainCacheAccess::impl(*chains);
      const std::lock_guard lock(c.mutex);
      c.passed.insert(key);
    }
  }
  // The full description (fingerprint, key) once per certificate and second; later tokens of
  // the same TSA name it by subject, which is all a release prints.
  Signer tsa;
  if (known)
    tsa.subject = crypto::subject_of(f.tsa);
  else
    tsa = describe(f.tsa);
  return Timestamp{to_der(token), f.time, std::move(tsa)};
}

std::string cms_signature_value(std::string_view cms_der) {
  CmsPtr cms = parse_cms(cms_der);
  CMS_SignerInfo* si = cms ? only_signer(cms.get()) : nullptr;
  if (!si) crypto_fail("not a CMS signature with one signer:");
  ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(si);
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(sig)),
                     static_cast<std::size_t>(ASN1_STRING_length(sig)));
}

std::string own_signature_value(std::string_view cms) {
  const auto l = signed_data_layout(cms);
  if (!l)
    throw Error("crypto.failure",
                "not a DER CMS SignedData with one signer (reading its signature value)");
  return std::string(cms.substr(l->signature.body, l->signature.end - l->signature.body));
}

std::string add_signature_timestamp(std::string_view cms_der, std::string_view token) {
  // The signature dosegate has just made has no unsigned attribute yet: the attribute goes at
  // the very end of the DER (SignerInfo is the last element of everything that encloses it), and
  // only the lengths of the five enclosing structures change. Byte for byte what OpenSSL's
  // re-encoding gives (a test holds them equal), without decoding the certificates.
  const auto l = signed_data_layout(cms_der);
  const auto t = tlv_at(token, 0, token.size());
  if (l && !l->unsigned_attrs && t && t->tag == 0x30 && t->end == token.size()) {
    static constexpr std::string_view kTimeStampTokenOid(
        "\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e", 13);
    const std::string_view d = cms_der;
    const std::string attr =
        der_tlv(0xa1, der_tlv(0x30, std::string(kTimeStampTokenOid) + der_tlv(0x31, token)));
    const auto part = [&](std::size_t from, std::size_t to) { return d.substr(from, to - from); };
    const std::string si =
        der_tlv(0x30, std::string(part(l->signer_info.body, l->signer_info.end)) + attr);
    const std::string sd = der_tlv(
        0x30, std::string(part(l->signed_data.body, l->signer_infos.start)) + der_tlv(0x31, si));
    return der_tlv(0x30,
                   std::string(part(l->content_info.body, l->explicit0.start)) + der_tlv(0xa0, sd));
  }
  CmsPtr cms = parse_cms(cms_der);
  CMS_SignerInfo* si = cms ? only_signer(cms.get()) : nullptr;
  if (!si) crypto_fail("not a CMS signature with one signer:");
  if (CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                    token.data(), static_cast<int>(token.size())) != 1)
    crypto_fail("cannot add the signature timestamp:");
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0) crypto_fail("cannot encode the CMS structure:");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

VerifiedTimestamped verify_detached_timestamped(std::string_view signature,
                                                std::string_view content, const TrustStore& trust,
                                                Role role, Instant now, const std::string& location,
                                                const std::string& what,
                                                const std::vector<std::string>& embedded_crls,
                                                const std::string& embedded_source) {
  VerifiedTimestamped out;
  out.judged_at = now;
  CmsPtr cms = parse_cms(signature);
  crypto::take_errors();
  CMS_SignerInfo* si = cms ? only_signer(cms.get()) : nullptr;
  const int at = si ? CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1) : -1;
  if (at < 0) {  // no timestamp (or a structure verify_detached refuses with its own finding)
    out.cms = verify_detached(signature, content, trust, role, now, location, what);
    if (out.cms.findings.empty()) out.crls = crls_in_force(signature, trust, now);
    return out;
  }
  out.carries_token = true;
  auto invalid = [&](const std::string& message) {
    out.cms.findings.push_back(Finding{"signature.timestamp-invalid", Severity::error,
                                       "the signature's timestamp cannot be trusted: " + message,
                                       location});
    return out;
  };
  if (CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, at) >= 0)
    return invalid("the signature carries more than one signature-time-stamp attribute");
  X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, at);
  ASN1_TYPE* value = X509_ATTRIBUTE_count(attr) == 1 ? X509_ATTRIBUTE_get0_type(attr, 0) : nullptr;
  if (!value || value->type != V_ASN1_SEQUENCE)
    return invalid("the signature-time-stamp attribute does not hold exactly one token");
  const unsigned char* tp = value->value.sequence->data;
  const long tlen = value->value.sequence->length;
  Pkcs7Ptr token(d2i_PKCS7(nullptr, &tp, tlen));
  crypto::take_errors();
  if (!token || tp != value->value.sequence->data + tlen)
    return invalid("the token is not a DER CMS structure");
  std::string problem;
  try {
    const auto fail = [](const std::string& m) { throw Error("tsa.bad-token", m); };
    const TokenFacts f = facts_of(token.get(), fail);
    const std::string sig_value = cms_signature_value(signature);
    const Sha256Digest d = digest_of(sig_value);
    verify_read_token(token.get(), f, d,
                      "this signature's value (a token taken from another signature)", trust, now,
                      embedded_crls, embedded_source, out.notes, out.crls, fail);
    out.timestamp = Timestamp{to_der(token.get()), f.time, describe(f.tsa)};
  } catch (const Error& e) {
    if (e.code() == "tsa.no-crl") {
      crypto::take_errors();
      out.cms.findings.push_back(Finding{
          "signature.crl-missing", Severity::error,
          "the signature's timestamp cannot be checked: " + std::string(e.what()), location});
      return out;
    }
    if (e.code() == "tsa.compromised") {
      // As a signature without a timestamp: judged at the time of the check.
      crypto::take_errors();
      out.notes.push_back(
          Finding{"signature.timestamp-unproven", Severity::warning,
                  "the signature's timestamp proves no time: " + std::string(e.what()) +
                      "; the signature is judged at the time of the check, as "
                      "one without a timestamp",
                  location});
      out.cms = verify_detached(signature, content, trust, role, now, location, what);
      if (out.cms.findings.empty()) out.crls = crls_in_force(signature, trust, now);
      return out;
    }
    if (e.code() != "tsa.bad-token") throw;
    problem = e.what();
  }
  crypto::take_errors();
  if (!out.timestamp) return invalid(problem);
  out.judged_at = out.timestamp->time;
  out.cms = verify_detached_as_of(signature, content, trust, role, out.timestamp->time, now,
                                  location, what, out.notes, embedded_crls, embedded_source);
  // The signer's chain first, then the TSA's.
  out.crls.insert(out.crls.begin(), out.cms.crls.begin(), out.cms.crls.end());
  return out;
}

Timestamp verify_document_timestamp(std::string_view token_der, std::string_view covered,
                                    const TrustStore& trust, Instant now,
                                    const std::vector<std::string>& embedded_crls,
                                    std::vector<Finding>& notes, std::vector<CrlUsed>& crls) {
  const auto fail = [](const std::string& m) { throw Error("tsa.bad-token", m); };
  const auto* tp = reinterpret_cast<const unsigned char*>(token_der.data());
  Pkcs7Ptr token(d2i_PKCS7(nullptr, &tp, static_cast<long>(token_der.size())));
  crypto::take_errors();
  if (!token || tp != reinterpret_cast<const unsigned char*>(token_der.data()) + token_der.size())
    fail("the document timestamp is not a DER CMS structure");
  const TokenFacts f = facts_of(token.get(), fail);
  const Sha256Digest d = digest_of(covered);
  std::vector<CrlUsed> used;
  verify_read_token(token.get(), f, d,
                    "the bytes its /ByteRange covers (a token taken from another file)", trust, now,
                    embedded_crls, "record", notes, used, fail);
  for (auto& c : used) {
    c.chain = "document-timestamp";
    crls.push_back(std::move(c));
  }
  crypto::take_errors();
  return Timestamp{to_der(token.get()), f.time, describe(f.tsa)};
}

bool may_carry_timestamp(std::string_view cms) {
  // 06 0B 2A 86 48 86 F7 0D 01 09 10 02 0E: OBJECT IDENTIFIER 1.2.840.113549.1.9.16.2.14
  static constexpr char kOid[] = "\x06\x0b\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e";
  return cms.find(std::string_view(kOid, sizeof kOid - 1)) != std::string_view::npos;
}

ValidationMaterial validation_material(std::string_view cms_der, const TrustStore& trust,
                                       Instant at) {
  ValidationMaterial out;
  CmsPtr cms = parse_cms(cms_der);
  CMS_SignerInfo* si = cms ? only_signer(cms.get()) : nullptr;
  if (!si) crypto_fail("not a CMS signature with one signer:");
  std::vector<X509*> certs;
  X509StackPtr carried(CMS_get1_certs(cms.get()));
  for (int i = 0; carried && i < sk_X509_num(carried.get()); ++i)
    certs.push_back(sk_X509_value(carried.get(), i));
  Pkcs7Ptr token;
  const int idx = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  if (idx >= 0) {
    ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, idx), 0);
    if (t && t->type == V_ASN1_SEQUENCE) {
      const unsigned char* p = t->value.sequence->data;
      token.reset(d2i_PKCS7(nullptr, &p, t->value.sequence->length));
      if (token && PKCS7_type_is_signed(token.get()) && token->d.sign->cert)
        for (int i = 0; i < sk_X509_num(token->d.sign->cert); ++i)
          certs.push_back(sk_X509_value(token->d.sign->cert, i));
    }
  }
  crypto::take_errors();
  // Up the chains through the trust directory's CA certificates.
  const auto cas = Access::ca_certificates(trust);
  for (std::size_t i = 0; i < certs.size() && certs.size() < 32; ++i) {
    X509* c = certs[i];
    if (X509_check_issued(c, c) == X509_V_OK) continue;
    for (X509* ca : cas)
      if (X509_check_issued(ca, c) == X509_V_OK &&
          std::find(certs.begin(), certs.end(), ca) == certs.end())
        certs.push_back(ca);
  }
  std::vector<std::string> seen;
  for (X509* c : certs) {
    auto d = crypto::der(c);
    if (std::find(seen.begin(), seen.end(), d) != seen.end()) continue;
    seen.push_back(d);
    out.certs.push_back(std::move(d));
  }
  // For each CA among them, its freshest CRL valid at `at`.
  for (X509* ca : certs) {
    if (X509_check_ca(ca) == 0) continue;
    X509_CRL* best = nullptr;
    Instant best_this = Instant::min();
    for (X509_CRL* crl : Access::crls(trust)) {
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ca)) != 0) continue;
      const Instant this_update = instant_of(X509_CRL_get0_lastUpdate(crl));
      const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
      if (this_update > at || !next || instant_of(next) < at) continue;
      if (!best || this_update > best_this) {
        best = crl;
        best_this = this_update;
      }
    }
    if (!best) continue;
    unsigned char* buf = nullptr;
    const int len = i2d_X509_CRL(best, &buf);
    if (len > 0) {
      std::string d(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
      if (std::find(out.crls.begin(), out.crls.end(), d) == out.crls.end())
        out.crls.push_back(std::move(d));
    }
    OPENSSL_free(buf);
  }
  crypto::take_errors();
  return out;
}

}  // namespace dosegate::crypto

namespace dosegate::crypto {

struct ValidationMaterialCache::Impl {
  Impl(const TrustStore& t, Instant a) : trust(t), at(a) {}
  const TrustStore& trust;
  Instant at;
  mutable std::mutex mutex;
  std::map<std::vector<std::string>, ValidationMaterial> known;
  std::size_t computed = 0;
};

ValidationMaterialCache::ValidationMaterialCache(const TrustStore& trust, Instant at)
    : impl_(std::make_unique<Impl>(trust, at)) {}
ValidationMaterialCache::~ValidationMaterialCache() = default;

ValidationMaterial ValidationMaterialCache::get(std::string_view cms) {
  // The key: the certificates the signature carries, an empty separator, those its first
  // signature-time-stamp token carries; validation_material depends on nothing else.
  std::vector<std::string> key;
  const auto l = signed_data_layout(cms);
  if (!l) return validation_material(cms, impl_->trust, impl_->at);
  carried_certificates(cms, *l, key);
  key.emplace_back();
  static constexpr std::string_view kTimeStampTokenOid(
      "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e", 11);
  const auto& u = l->unsigned_attrs;
  for (std::size_t p = u ? u->body : 0; u && p < u->end;) {
    const auto attr = tlv_at(cms, p, u->end);
    if (!attr || attr->tag != 0x30) return validation_material(cms, impl_->trust, impl_->at);
    p = attr->end;
    const auto oid = tlv_at(cms, attr->body, attr->end);
    if (!oid || oid->tag != 0x06 ||
        cms.substr(oid->body, oid->end - oid->body) != kTimeStampTokenOid)
      continue;
    const auto values = tlv_at(cms, oid->end, attr->end);
    const auto token = values ? tlv_at(cms, values->body, values->end) : std::nullopt;
    const auto token_layout =
        token ? signed_data_layout(cms.substr(token->start, token->end - token->start))
              : std::nullopt;
    if (!token_layout) return validation_material(cms, impl_->trust, impl_->at);
    carried_certificates(cms.substr(token->start, token->end - token->start), *token_layout, key);
    break;
  }
  {
    const std::lock_guard lock(impl_->mutex);
    if (const auto it = impl_->known.find(key); it != impl_->known.end()) return it->second;
  }
  auto material = validation_material(cms, impl_->trust, impl_->at);
  const std::lock_guard lock(impl_->mutex);
  if (impl_->known.emplace(std::move(key), material).second) ++impl_->computed;
  return material;
}

std::size_t ValidationMaterialCache::computed() const {
  const std::lock_guard lock(impl_->mutex);
  return impl_->computed;
}

}  // namespace dosegate::crypto
