// SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace dosegate::crypto {

// Lowercase hex digest of `bytes`. Throws dosegate::Error("crypto.failure") if OpenSSL fails.
std::string sha256_hex(std::string_view bytes);

using Sha256Digest = std::array<unsigned char, 32>;

// Lowercase hex of a digest.
std::string to_hex(const Sha256Digest& digest);

// An incremental SHA-256. A copy carries on from the same state: bytes that several digests
// begin with (a lot's common part of every record) are hashed once. Every function throws
// dosegate::Error("crypto.failure") if OpenSSL fails.
class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256& other);
  Sha256& operator=(const Sha256& other);
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  ~Sha256();

  Sha256& update(std::string_view bytes);
  // The digest of everything added so far; the object can go on being updated.
  Sha256Digest digest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::crypto
