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
};

// "DIN-PRODUCTCODE-DIVISION", also the record's file name without ".pdf".
std::string record_id(const ReleaseData& data);

inline constexpr int kReleaseDataVersion = 1;

// The machine-readable form: one JSON object, "format": "dosegate-release-data", "version": 1.
// Its bytes are signed into every record: tests/data/formats/release-data-full.json pins them.
std::string to_json(const ReleaseData& data);

// release-data.json that cannot be read as this dosegate's version of the format.
class ReleaseDataError : public Error {
 public:
  explicit ReleaseDataError(const std::string& message) : Error("release-data.invalid", message) {}
};

// Reads what to_json writes, strictly: valid JSON (see util/json_read.hpp: no key twice);
// "format" must be "dosegate-release-data" and "version" kReleaseDataVersion; every field
// to_json writes must be present with its type (strings, integers >= 0 for counts and
// indexes); "use_within_after_thaw_minutes" is the one optional field; "decision" must be
// releasable or releasable-pending and each "verdict" a Verdict's name; "record_id" must equal
// record_id() of the data read. Unknown keys are refused at every level: version 1 is exactly
// what to_json writes, and a field that means something needs a new version, so a reader
// never silently ignores it. to_json(release_data_from_json(x)) == x for what to_json wrote.
// Throws ReleaseDataError whose message names the field ("lot.din is missing",
// "criteria[1].verdict must be a string, found integer", "version 2 is not supported ...").
ReleaseData release_data_from_json(std::string_view text);

}  // namespace dosegate
