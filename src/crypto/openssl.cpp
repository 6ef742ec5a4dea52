#include "crypto/detail/openssl.hpp"
#include "util/text.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "crypto/sha256.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {

std::string take_errors() {
  std::string out;
  unsigned long e = 0;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

std::string der(X509* cert) {
  unsigned char* buf = nullptr;
  const int len = i2d_X509(cert, &buf);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
  OPENSSL_free(buf);
  return out;
}

std::string fingerprint_sha256(X509* cert) {
  return sha256_hex(der(cert));
}

namespace {
std::string name_line(X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}
}  // namespace

std::string subject_of(X509* cert) {
  return name_line(X509_get_subject_name(cert));
}
std::string issuer_of(X509* cert) {
  return name_line(X509_get_issuer_name(cert));
}

std::string key_description(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (!key) return "unknown key";
  const int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) return "RSA " + std::to_string(bits);
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1) {
      const std::string g(group);
      if (g == "prime256v1") return "EC P-256";
      if (g == "secp384r1") return "EC P-384";
      if (g == "secp521r1") return "EC P-521";
      return "EC " + g;
    }
    return "EC " + std::to_string(bits);
  }
  return std::string(EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "key") + " " +
         std::to_string(bits);
}

DecodedCrls decode_crls(const std::vector<std::string>& der) {
  DecodedCrls out;
  for (const auto& d : der) {
    const auto* p = reinterpret_cast<const unsigned char*>(d.data());
    X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(d.size())));
    take_errors();
    if (!crl) continue;
    out.crls.push_back(crl.get());
    out.owned.push_back(std::move(crl));
  }
  return out;
}

std::vector<X509Ptr> read_pem_certificates(const std::string& path) {
  const std::string pem = text::read_file(path);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> out;
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the file reads as an error
  if (out.empty()) throw IoError(path + ": no PEM certificate in this file");
  return out;
}

}  // namespace dosegate::crypto
