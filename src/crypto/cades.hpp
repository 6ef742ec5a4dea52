// Detached CAdES signatures (ETSI.CAdES.detached): the PAdES signatures of release records and
// the signatures of ledger entries.
#pragma once

#include <string>
#include <string_view>

#include "crypto/keys.hpp"

namespace dosegate::crypto {

// A detached CAdES signature by `key` (SHA-256, signingCertificateV2, the signer's certificate
// and key.chain() embedded) over `data`, without the signingTime attribute that PAdES baseline
// forbids (the time goes into the signature dictionary's /M). Returns DER. Throws
// dosegate::Error("crypto.failure") on failure.
std::string cades_detached(std::string_view data, const SigningKey& key);

}  // namespace dosegate::crypto
