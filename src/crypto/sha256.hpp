// SHA-256 through OpenSSL's EVP interface.
#pragma once

#include <string>
#include <string_view>

namespace dosegate::crypto {

// Lowercase hex digest of `bytes`. Throws dosegate::Error("crypto.failure") if OpenSSL fails.
std::string sha256_hex(std::string_view bytes);

}  // namespace dosegate::crypto
