#include "crypto/cades.hpp"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>

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

// OpenSSL always adds signingTime when it signs. PAdES baseline forbids it: remove it and sign
// the remaining signed attributes again, as the DER SET OF they are encoded as.
void drop_signing_time(CMS_SignerInfo* si, EVP_PKEY* key) {
  const int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
  if (idx < 0) return;
  X509_ATTRIBUTE* removed = CMS_signed_delete_attr(si, idx);
  X509_ATTRIBUTE_free(removed);
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
  const std::string set = std::string(1, '\x31') + der_length(content.size()) + content;

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t sig_len = 0;
  std::string sig;
  const auto* data = reinterpret_cast<const unsigned char*>(set.data());
  if (!ctx || EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx, nullptr, &sig_len, data, set.size()) != 1) {
    EVP_MD_CTX_free(ctx);
    fail("cannot sign the signed attributes");
  }
  sig.resize(sig_len);
  if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &sig_len, data,
                     set.size()) != 1) {
    EVP_MD_CTX_free(ctx);
    fail("cannot sign the signed attributes");
  }
  EVP_MD_CTX_free(ctx);
  if (ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), sig.data(), static_cast<int>(sig_len)) !=
      1)
    fail("cannot store the signature value");
}

}  // namespace

std::string cades_detached(std::string_view data, const SigningKey& key) {
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
  crypto::BioPtr in(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (CMS_final(cms.get(), in.get(), nullptr, flags) != 1) fail("cannot sign");
  drop_signing_time(si, pkey);
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms.get(), &der);
  if (len <= 0) fail("cannot encode the CMS structure");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace dosegate::crypto
