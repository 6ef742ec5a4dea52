// Verifying detached CMS signatures: over CoAs (openssl cms -sign -binary -cades, DER or PEM),
// release records and ledger entries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"

namespace dosegate::crypto {

struct VerifiedDetached {
  std::vector<Finding> findings;  // empty when the signature verified and the signer is trusted
  Signer signer;                  // set when the signer's certificate was found
  bool signer_found = false;
  std::string algorithm;  // e.g. "ECDSA with SHA-256"
  // verify_detached_as_of: the CRL each CA of the signer's chain was judged by (chain "signer")
  std::vector<CrlUsed> crls;
};

// Verifies `signature` (DER or PEM CMS SignedData, detached) over exactly `content`, with the
// signer checked by `trust` in `role` at `at`. `what` names the content in messages ("this
// CoA", "this ledger entry").
VerifiedDetached verify_detached(std::string_view signature, std::string_view content,
                                 const TrustStore& trust, Role role, Instant at,
                                 const std::string& location, const std::string& what);

// verify_detached with the signer judged as of `signed_at`, a trusted time (a signature
// timestamp's), at the present time `now`: chain and validity periods at `signed_at`, revocation
// from the freshest CRLs (a revocation after `signed_at` goes into `notes` as
// signature.revoked-later). `extra_crls` (DER) are candidates besides the trust directory's
// (a record's embedded validation data); each counts only if its issuer's key verifies it.
// `extra_source` names where they came from in the result's crls ("record" or "ledger").
// See TrustStore and crypto/timestamp.hpp.
VerifiedDetached verify_detached_as_of(std::string_view signature, std::string_view content,
                                       const TrustStore& trust, Role role, Instant signed_at,
                                       Instant now, const std::string& location,
                                       const std::string& what, std::vector<Finding>& notes,
                                       const std::vector<std::string>& extra_crls = {},
                                       const std::string& extra_source = "record");

// The CRLs verify_detached at `at` judges the signer of `signature` (DER or PEM CMS) by: for
// each CA of its chain, the freshest of the trust directory's CRLs valid at `at` (chain
// "signer", source "trust-directory"). Empty when the signature or its chain cannot be read.
std::vector<CrlUsed> crls_in_force(std::string_view signature, const TrustStore& trust, Instant at);

}  // namespace dosegate::crypto
