// Who signed: what a report says about a signer's certificate.
#pragma once

#include <string>

namespace dosegate {

struct Signer {
  std::string subject;  // RFC 2253 one line
  std::string issuer;
  std::string sha256;      // fingerprint of the DER certificate, lowercase hex
  std::string key;         // "EC P-256", "RSA 3072"
  std::string not_before;  // UTC, YYYY-MM-DDThh:mm:ssZ
  std::string not_after;
  std::string common_name;  // CN of the subject, for printed names
};

}  // namespace dosegate
