// RFC 3161 timestamps on CMS signatures (PAdES B-T): the request for a token over a signature
// value, the check of a TSA's response, the signature-time-stamp unsigned attribute, and the
// check of a timestamped signature as of its trusted time.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/cms.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

// A TimeStampReq (DER) for the SHA-256 of `data`, with a random 64-bit nonce and certReq set.
struct TimestampRequest {
  std::string der;
  std::string data_sha256;  // the message imprint, lowercase hex
  std::string nonce;        // decimal, for messages
};
TimestampRequest timestamp_request(std::string_view data);

// A token accepted from a TSA.
struct Timestamp {
  std::string token;  // DER ContentInfo (SignedData over a TSTInfo)
  Instant time{};     // genTime, to the second
  Signer tsa;         // the TSA's certificate (only its subject when TsaChainCache knew it)
};

// Checks a TimeStampResp (DER) answering `request`: status granted; the token's signature; the
// message imprint and nonce equal the request's; the TSA's certificate chains to an anchor of
// `trust` at the token's time (CRLs for every CA, critical extendedKeyUsage timeStamping) and is
// in DIR/tsa/. Throws dosegate::Error("tsa.bad-response") whose message says what is wrong.
//
// `chains` (optional, thread-safe) keeps the TSA certificates whose chain passed the full check
// at a given second: a later token from the same certificate with the same genTime second has
// its signature and ESS certificate id checked against that certificate alone (the chain's
// answer at the same time under the same trust directory is the same). One per release.
class TsaChainCache {
 public:
  TsaChainCache();
  ~TsaChainCache();
  TsaChainCache(const TsaChainCache&) = delete;
  TsaChainCache& operator=(const TsaChainCache&) = delete;

 private:
  friend struct TsaChainCacheAccess;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
Timestamp accept_timestamp_response(std::string_view response, const TimestampRequest& request,
                                    const TrustStore& trust, TsaChainCache* chains = nullptr);

// The signature value of the one SignerInfo of a DER CMS SignedData: what a signature
// timestamp's imprint covers. Throws dosegate::Error("crypto.failure").
std::string cms_signature_value(std::string_view cms);

// The same for a signature dosegate has just made (cades_detached): found by reading the DER
// structure, without decoding the certificates it carries (a release asks for a token per
// record). Throws dosegate::Error("crypto.failure") when `cms` is not a DER SignedData
// ContentInfo with one SignerInfo.
std::string own_signature_value(std::string_view cms);

// `cms` with `token` added as the unsigned attribute id-aa-signatureTimeStampToken
// (1.2.840.113549.1.9.16.2.14) of its one SignerInfo. Throws dosegate::Error("crypto.failure").
std::string add_signature_timestamp(std::string_view cms, std::string_view token);

// verify_detached for signatures that may carry a signature timestamp. Without one, exactly
// verify_detached at `now`. With one: the token must be a valid RFC 3161 token over the
// signature value from a TSA that `trust` accepts at the token's time (else
// signature.timestamp-invalid, and nothing more is judged); the signature and its signer are
// then judged as of the token's time (TrustStore::check rules, revocation by
// Access::check_as_of: a revocation after that time is a note, signature.revoked-later). The
// TSA's chain is judged the same way at the token's time; when no CRL speaks for that time the
// finding is signature.crl-missing (the token cannot be checked), not timestamp-invalid.
struct VerifiedTimestamped {
  VerifiedDetached cms;                // findings, signer, algorithm
  std::optional<Timestamp> timestamp;  // when the signature carries a valid token
  // signature.revoked-later; signature.timestamp-unproven (the token's TSA was revoked since
  // for a reason that does not say its key stayed safe: the signature is judged at `now`, as
  // one without a timestamp, and `timestamp` is empty)
  std::vector<Finding> notes;
  Instant judged_at{};         // the time the signer was judged at
  bool carries_token = false;  // the signature has a signature-time-stamp attribute
  // The CRL each CA was judged by: the signer's chain ("signer") and, for a timestamped
  // signature, its TSA's ("timestamp"); each with its source (CrlUsed).
  std::vector<CrlUsed> crls;
};
// `embedded_crls` (DER): candidates besides the trust directory's, from `embedded_source`: a
// record's validation data ("record") or those a ledger entry keeps ("ledger").
VerifiedTimestamped verify_detached_timestamped(std::string_view signature,
                                                std::string_view content, const TrustStore& trust,
                                                Role role, Instant now, const std::string& location,
                                                const std::string& what,
                                                const std::vector<std::string>& embedded_crls = {},
                                                const std::string& embedded_source = "record");

// A document timestamp's token (PAdES B-LTA, DER) over `covered` (its ByteRange bytes): the
// imprint is the SHA-256 of `covered`, the token's signature holds, its TSA chains to the trust
// directory at the token's time (critical extendedKeyUsage timeStamping, revocation judged as
// of that time with `embedded_crls` besides the trust directory's) and is in DIR/tsa/, and its
// time is not after `now`. Throws dosegate::Error("tsa.bad-token") naming what is wrong,
// Error("tsa.no-crl") when no CRL speaks for the token's time, or Error("tsa.compromised") when
// its TSA was revoked since for a reason that does not say its key stayed safe. The CRL each CA
// of the TSA's chain was judged by is added to `crls` ("chain": "document-timestamp").
Timestamp verify_document_timestamp(std::string_view token, std::string_view covered,
                                    const TrustStore& trust, Instant now,
                                    const std::vector<std::string>& embedded_crls,
                                    std::vector<Finding>& notes, std::vector<CrlUsed>& crls);

// Whether the DER `cms` may carry a signature timestamp (it contains the attribute's OID): a
// cheap test before verify_detached_timestamped, for callers that judge signatures without one
// at another time than now (the ledger's entries).
bool may_carry_timestamp(std::string_view cms);

// What a verifier needs later without the network or today's trust directory (PAdES B-LT): the
// certificates the signature and its timestamp carry, the trust directory's CA certificates
// that issued them (up to the anchor), and the freshest of the trust directory's CRLs of each of
// those CAs that is valid at `at`. DER.
struct ValidationMaterial {
  std::vector<std::string> certs;
  std::vector<std::string> crls;
};
ValidationMaterial validation_material(std::string_view cms, const TrustStore& trust, Instant at);

// validation_material(cms, trust, at) for the many signatures of one release: computed once per
// distinct list of certificates carried by the signature and by its token (all it depends on
// besides `trust` and `at`), found by reading the DER without decoding them. A signature whose
// structure cannot be read that way is computed in full, uncached. Thread-safe; `trust` must
// outlive the cache.
class ValidationMaterialCache {
 public:
  ValidationMaterialCache(const TrustStore& trust, Instant at);
  ~ValidationMaterialCache();
  ValidationMaterialCache(const ValidationMaterialCache&) = delete;
  ValidationMaterialCache& operator=(const ValidationMaterialCache&) = delete;

  ValidationMaterial get(std::string_view cms);
  std::size_t computed() const;  // distinct certificate lists computed so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::crypto
