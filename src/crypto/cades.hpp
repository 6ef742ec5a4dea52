// Detached CAdES signatures (ETSI.CAdES.detached): the PAdES signatures of release records and
// the signatures of ledger entries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"

namespace dosegate::crypto {

// A detached CAdES signature by `key` (SHA-256, signingCertificateV2, the signer's certificate
// and key.chain() embedded) over `data`, without the signingTime attribute that PAdES baseline
// forbids (the time goes into the signature dictionary's /M). Returns DER. Throws
// dosegate::Error("crypto.failure") on failure.
std::string cades_detached(std::string_view data, const SigningKey& key);

// The same signature over data whose SHA-256 is `digest` (a PDF's byte ranges, hashed by the
// caller without copying them into one buffer).
std::string cades_detached(const Sha256Digest& digest, const SigningKey& key);

// An upper bound on the size in bytes of the DER that cades_detached returns for `key`, from
// the sizes of what it embeds: the certificates, the signer's issuer name and serial number
// (twice), the largest signature the key can make, and the fixed structure. A release record
// reserves this much room for its signature.
std::size_t cades_detached_max_size(const SigningKey& key);

}  // namespace dosegate::crypto
