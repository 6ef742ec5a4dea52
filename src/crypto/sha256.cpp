#include "crypto/sha256.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include "dosegate/error.hpp"

namespace dosegate::crypto {
namespace {

[[noreturn]] void fail() {
  ERR_clear_error();
  throw Error("crypto.failure", "SHA-256 computation failed in OpenSSL");
}

// Fetched once: EVP_sha256() would be looked up in the provider on every initialisation.
const EVP_MD* sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) fail();
  return md;
}

}  // namespace

std::string to_hex(const Sha256Digest& digest) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * digest.size());
  for (const unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 0x0f];
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256Digest md{};
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md.data(), &len, sha256(), nullptr) != 1 ||
      len != md.size())
    fail();
  return to_hex(md);
}

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_DigestInit_ex(impl_->ctx, sha256(), nullptr) != 1) fail();
}

Sha256::Sha256(const Sha256& other) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  if (!impl_->ctx || EVP_MD_CTX_copy_ex(impl_->ctx, other.impl_->ctx) != 1) fail();
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other && EVP_MD_CTX_copy_ex(impl_->ctx, other.impl_->ctx) != 1) fail();
  return *this;
}

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
Sha256::~Sha256() = default;

Sha256& Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size()) != 1) fail();
  return *this;
}

Sha256Digest Sha256::digest() const {
  Sha256 copy(*this);
  Sha256Digest md{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(copy.impl_->ctx, md.data(), &len) != 1 || len != md.size()) fail();
  return md;
}

}  // namespace dosegate::crypto
