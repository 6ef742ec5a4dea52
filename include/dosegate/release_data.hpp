// The facts of one release record: what its page shows and what its signed attachment
// (release-data.json) holds, so that `confirm` never reads page text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dosegate/error.hpp"
#include "dosegate/spec/engine.hpp"

namespace dosegate {

struct ReleaseDose {
  std::string division;      // "A0" or "000001"
  std::string viable_cells;  // as written in the CoA
  std::string volume;        // "5.0 mL"
  std::size_t index = 0;     // 1-based position in the lot
};

struct ReleaseData {
  // Lot and product
  std::string din;
  std::string check_character;
  std::string product_code;
  std::string product_name;
  std::string product_source;
  std::string expires;                     // UTC
  std::string decision;                    // "releasable" or "releasable-pending"
  std::vector<PrintedCriterion> criteria;  // as printed: printed(Evaluation::rows)
  std::vector<PendingTest> pending;
  std::size_t dose_count = 0;
  // Source CoA
  std::string coa_id;
  std::string coa_sha256;
  std::string laboratory_id;
  std::string laboratory_name;
  std::string coa_signature;  // method and algorithm
  std::string coa_signer_subject;
  std::string coa_signer_sha256;
  // Specification
  std::string spec_id;
  std::string spec_version;
  std::string spec_title;
  std::string spec_sha256;
  std::optional<int> use_within_after_thaw_minutes;
  // Release signature manifestation (21 CFR 11.50)
  std::string released_by;  // printed name: the releaser certificate's common name
  std::string releaser_subject;
  std::string releaser_sha256;
  std::string role;
  std::string meaning;
  std::string reason;       // may be empty
  std::string released_at;  // UTC
  // The ledger entry that records this release
  long long ledger_seq = 0;
  std::string ledger_hash;
  // The dose this record is for
  ReleaseDose dose;
  // Printed on the page only, from the CoA's signed content; not in release-data.json (whose
  // version 2 bytes stay as they are): nothing decides on them.
  std::string manufactured;  // YYYY-MM-DD
  std::string storage;       // the CoA's storage condition; may be empty
};

// "DIN-PRODUCTCODE-DIVISION", also the record's file name without ".pdf".
std::string record_id(const ReleaseData& data);

// Version 2 adds "when_overdue" to each pending test ("no-go" or "warn": what the bedside answers
// once its expected date has passed without a late result). Version 1 records, written before,
// are still read: their pending tests mean "no-go".
inline constexpr int kReleaseDataVersion = 2;
inline constexpr int kOldestReleaseDataVersion = 1;

// The machine-readable form: one JSON object, "format": "dosegate-release-data", "version":
// kReleaseDataVersion. Its bytes are signed into every record:
// tests/data/formats/release-data-full.json pins them.
std::string to_json(const ReleaseData& data);

// release-data.json that cannot be read as a version of the format this dosegate knows.
class ReleaseDataError : public Error {
 public:
  explicit ReleaseDataError(const std::string& message) : Error("release-data.invalid", message) {}
};

// Reads what to_json writes, strictly: valid JSON (see util/json_read.hpp: no key twice);
// "format" must be "dosegate-release-data" and "version" 1 or 2 (kOldestReleaseDataVersion to
// kReleaseDataVersion); every field that version has must be present with its type (strings,
// integers >= 0 for counts and indexes); "use_within_after_thaw_minutes" is the one optional
// field; "decision" must be releasable or releasable-pending, each "verdict" a Verdict's name,
// and (version 2) each pending test's "when_overdue" "no-go" or "warn" (version 1 has no such
// field: its pending tests read as "no-go"); "record_id" must equal record_id() of the data read.
// Unknown keys are refused at every level: a version is exactly what its to_json wrote, and a
// field that means something needs a new version, so a reader never silently ignores it.
// to_json(release_data_from_json(x)) == x for what this to_json wrote; a version 1 document
// reads to the same data with every when_overdue "no-go".
// Throws ReleaseDataError whose message names the field ("lot.din is missing",
// "criteria[1].verdict must be a string, found integer", "version 3 is not supported ...").
ReleaseData release_data_from_json(std::string_view text);

}  // namespace dosegate
