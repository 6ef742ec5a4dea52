#include "crypto/sha256.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dosegate/error.hpp"

namespace dosegate::crypto {

std::string sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    ERR_clear_error();
    throw Error("crypto.failure", "SHA-256 computation failed in OpenSSL");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0x0f];
  }
  return out;
}

}  // namespace dosegate::crypto
