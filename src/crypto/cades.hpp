// PAdES baseline B signatures (ETSI.CAdES.detached) over dosegate's release records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/detail/openssl.hpp"

namespace dosegate::crypto {

struct SigningIdentity {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::vector<X509*> chain;  // intermediates, embedded in the CMS
};

// A detached CAdES signature (SHA-256, signingCertificateV2, certificates embedded) over
// `data`, without the signingTime attribute that PAdES baseline forbids (the time goes into
// the signature dictionary's /M). Returns DER. Throws dosegate::Error on failure.
std::string cades_detached(std::string_view data, const SigningIdentity& id);

}  // namespace dosegate::crypto
