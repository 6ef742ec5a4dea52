// An X.509 certificate as code outside src/crypto sees it: an immutable value without OpenSSL
// types. Copies share one decoded certificate.
#pragma once

#include <memory>
#include <string>

#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

namespace detail {
struct Access;
}

class Certificate {
 public:
  std::string der() const;      // the DER encoding
  std::string sha256() const;   // SHA-256 fingerprint of the DER, lowercase hex
  std::string subject() const;  // RFC 2253, one line
  Signer describe() const;      // what a report says about this certificate

 private:
  friend struct detail::Access;
  struct Impl;
  explicit Certificate(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace dosegate::crypto
