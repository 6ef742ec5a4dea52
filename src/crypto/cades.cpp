#include "crypto/cades.hpp"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <vector>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error("crypto.failure", "PAdES signing failed: " + what + " " + crypto::take_errors());
}

std::string der_length(std::size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  std::string bytes;
  while (n > 0) {
    bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
    n >>= 8;
  }
  return std::string(1, static_cast<char>(0x80 | bytes.size())) + bytes;
}

// The signed attributes as the DER SET OF that is signed (RFC 5652 5.4: tagged SET, members
// ordered by their encoding).
std::string signed_attributes_der(CMS_SignerInfo* si) {
  std::vector<std::string> encoded;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    unsigned char* buf = nullptr;
    const int len = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &buf);
    if (len <= 0) fail("cannot encode a signed attribute");
    encoded.emplace_back(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
    OPENSSL_free(buf);
  }
  std::sort(encoded.begin(), encoded.end());  // DER orders SET OF by encoding
  std::string content;
  for (const auto& e : encoded) content += e;
  return std::string(1, '\x31') + der_length(content.size()) + content;
}

std::string sign(const std::string& bytes, EVP_PKEY* key) {
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, data, bytes.size()) != 1)
    fail("cannot sign the signed attributes");
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, data,
                     bytes.size()) != 1)
    fail("cannot sign the signed attributes");
  sig.resize(sig_len);
  return sig;
}

std::size_t der_size(X509_NAME* name) {
  const int n = i2d_X509_NAME(name, nullptr);
  if (n <= 0) fail("cannot encode the issuer's name");
  return static_cast<std::size_t>(n);
}

}  // namespace

std::string cades_detached(std::string_view data, const SigningKey& key) {
  Sha256 digest;
  digest.update(data);
  return cades_detached(digest.digest(), key);
}

// OpenSSL's own signing (CMS_final, CMS_SignerInfo_sign) always adds signingTime, which PAdES
// baseline forbids. So the signer is added without signing (CMS_PARTIAL), the two attributes
// that CMS_final would add (contentType and the given messageDigest) are added here, and the
// DER of the signed attributes is signed once, as CMS_SignerInfo_sign would sign it.
std::string cades_detached(const Sha256Digest& digest, const SigningKey& key) {
  using detail::Access;
  EVP_PKEY* pkey = Access::key(key);
  constexpr unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
  crypto::CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
  if (!cms) fail("cannot create the CMS structure");
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), Access::x509(key.certificate()), pkey,
                                       EVP_sha256(), flags | CMS_CADES);
  if (!si) fail("cannot add the signer");
  for (const auto& c : key.chain())
    if (CMS_add1_cert(cms.get(), Access::x509(c)) != 1) fail("cannot embed a chain certificate");
  if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                  OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
      CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.data(),
                                  static_cast<int>(digest.size())) != 1)
    fail("cannot add the signed attributes");
  const std::string sig = sign(signed_attributes_der(si), pkey);
  if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig.data(),
                      static_cast<int>(sig.size())) != 1)
    fail("cannot store the signature value");
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0) fail("cannot encode the CMS structure");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::size_t cades_detached_max_size(const SigningKey& key) {
  using detail::Access;
  X509* signer = Access::x509(key.certificate());
  std::size_t certificates = crypto::der(signer).size();
  for (const auto& c : key.chain()) certificates += crypto::der(Access::x509(c)).size();
  // The signer is named by issuer and serial number twice: in the SignerInfo and in
  // signingCertificateV2's IssuerSerial.
  const int serial = i2d_ASN1_INTEGER(X509_get0_serialNumber(signer), nullptr);
  if (serial <= 0) fail("cannot encode the signer's serial number");
  const std::size_t signer_id =
      der_size(X509_get_issuer_name(signer)) + static_cast<std::size_t>(serial);
  const int signature = EVP_PKEY_get_size(Access::key(key));  // the largest the key makes
  if (signature <= 0) fail("cannot tell the size of the key's signatures");
  // Everything else is fixed: ContentInfo and SignedData headers, version, digest and
  // signature algorithm identifiers, eContentType, the contentType attribute, two SHA-256
  // values (messageDigest and the certificate hash) and the attribute and length headers
  // around them: about 250 bytes, bounded here by 512.
  constexpr std::size_t kFixed = 512;
  return certificates + 2 * signer_id + static_cast<std::size_t>(signature) + kFixed;
}

}  // namespace dosegate::crypto
