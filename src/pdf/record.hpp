// Release records: one signed PDF per dose. The lot's pages are laid out once with libharu
// (the only code that includes hpdf.h), with DejaVu Sans embedded; each dose's record is that
// layout plus one incremental revision holding the dose's own block and barcodes, the release
// data attachment and the PAdES signature. So a 1,000-dose lot embeds its font once, not a
// thousand times.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "dosegate/release_data.hpp"
#include "dosegate/time.hpp"
#include "pdf/dss.hpp"
#include "pdf/object.hpp"

namespace dosegate::pdf {

inline constexpr const char* kAttachmentName = "release-data.json";

// One dose's record and its digest.
struct SignedRecord {
  std::string bytes;   // the complete, signed PDF
  std::string sha256;  // lowercase hex SHA-256 of `bytes`: what the ledger records
};

// Adds to a record's CMS signature (DER) what comes after signing: the signature timestamp of
// PAdES B-T. `room` bounds the bytes it adds; `stamp` returns the new DER or throws.
// With `validation_data`, the record also gets the /DSS update of pdf/dss.hpp (PAdES B-LT)
// holding what it returns for the final signature.
struct SignatureStamp {
  std::size_t room = 0;
  std::function<std::string(const std::string& cms)> stamp;
  std::function<ValidationData(const std::string& cms)> validation_data;
  // PAdES B-LTA (with validation_data): a document timestamp update after the /DSS update
  // (pdf/dss.hpp), `document_room` bytes reserved for the token `document_timestamp` returns
  // for the bytes its ByteRange covers.
  std::size_t document_room = 0;
  std::function<std::string(const std::string& covered)> document_timestamp;
};

class RecordWriter {
 public:
  // Lays out the lot (everything but the dose block). `lot.dose` is ignored. Throws
  // dosegate::Error when the font cannot be loaded or libharu fails.
  explicit RecordWriter(const ReleaseData& lot);

  // The complete, signed PDF of one dose, signed at `signed_at`, with its SHA-256. The room
  // for the signature is crypto::cades_detached_max_size(id). Throws dosegate::Error.
  // With `stamp`, the signature is passed through it before it goes into the record, and the
  // room grows by stamp->room.
  SignedRecord write(const ReleaseDose& dose, const crypto::SigningKey& id, Instant signed_at,
                     const SignatureStamp* stamp = nullptr) const;

  std::size_t page_count() const { return pages_; }

 private:
  std::string dose_overlay(const ReleaseData& data) const;  // `data`: the lot with its dose

  ReleaseData lot_;
  std::string layout_;          // libharu's PDF of the lot, ending with a line break
  crypto::Sha256 layout_hash_;  // SHA-256 state after layout_: every record begins with it
  std::size_t pages_ = 0;
  int size_ = 0;
  std::size_t prev_xref_ = 0;
  int catalog_num_ = 0;
  int page_num_ = 0;
  Object catalog_;
  Object page_;
  Object info_;
  std::string font_;  // resource name of the regular font on page 1
};

// What the record's Code 128 and DataMatrix hold: isbt128::record_barcode_data of the dose's
// record id ("dosegate-record:A999926000154-S1234V00-B0"). Deliberately not the bag label's
// ISBT 128 data, so that confirm refuses a scan of the paper record in place of the bag.
std::string record_barcode_data(const ReleaseData& lot, const ReleaseDose& dose);

}  // namespace dosegate::pdf
