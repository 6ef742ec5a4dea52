// dosegate's own verifier for release records. Unlike a viewer it requires that the last
// signature covers the whole file: an incremental update appended after signing (which
// poppler's pdfsig still calls a valid signature) is a rejection here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::pdf {

struct RecordCheck {
  std::vector<Finding> findings;            // empty when the record holds
  std::optional<std::string> release_data;  // the attachment, read from the signed revision
  std::optional<Signer> signer;
  std::string signed_at;  // the signature dictionary's /M, as written
  // PAdES B-T: the signature's timestamp (its TSA-attested time) when it carries a valid one;
  // the signer is then judged as of that time, otherwise as of `at`.
  std::optional<std::string> timestamp;  // UTC, YYYY-MM-DDThh:mm:ssZ
  std::optional<std::string> tsa;        // the TSA's certificate subject
  std::string judged_at;                 // UTC: the time the signer was judged at
  std::vector<Finding> notes;            // warnings: signature.revoked-later
  std::vector<CrlUsed> crls;             // the CRL each CA was judged by, and its source
  bool validation_data = false;          // PAdES B-LT: a /DSS update follows the signature
  // PAdES B-LTA: the document timestamp's time (UTC) when one follows the /DSS update.
  std::optional<std::string> document_timestamp;
  // Every time written in the signature's DER (its certificates, signed attributes, timestamp
  // token) and in the validation data after it (crypto::add_der_instants): with the trust
  // directory's (TrustStore::instants), the instants at which this answer can change with `at`.
  std::vector<long long> instants;
};

// Reads the record with the strict reader of pdf/record_reader.hpp (no repair of damaged
// files, any qpdf warning refuses it), then checks the ByteRange (four non-negative integers
// whose sums do not overflow, from 0, the gap exactly the /Contents hex string, all inside the
// file), that the last signature covers the whole file, the CMS (SubFilter ETSI.CAdES.detached)
// and its signer under `trust` in the releasers/ role at `at`, or, when the signature carries a
// signature timestamp (PAdES B-T), the token (crypto::verify_detached_timestamped: a bad one is
// signature.timestamp-invalid) and the signer as of the token's time. After the signature, only
// the /DSS update of pdf/dss.hpp may follow (its CRLs then count besides the trust directory's);
// then, optionally, exactly the document-timestamp update of pdf/dss.hpp (PAdES B-LTA: its
// token over its ByteRange from a TSA in tsa/, else record.document-timestamp-invalid);
// anything else is record.modified-after-signing. Every problem, a malformed
// file included, is a finding ("record.malformed" names `source`); throws only what
// crypto::verify_detached throws.
RecordCheck verify_record(std::string_view bytes, const crypto::TrustStore& trust, Instant at,
                          const std::string& source = "release record");

}  // namespace dosegate::pdf
