// The rule engine: a CoA against a specification, at a given time.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dosegate/coa/certificate.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/spec/specification.hpp"
#include "dosegate/time.hpp"

namespace dosegate {

// `unknown` first so that a default never reads as a pass.
enum class Verdict { unknown, pass, fail, pending, missing, invalid, info };
enum class Decision { unknown, releasable, releasable_pending, rejected };

const char* to_string(Verdict verdict);
const char* to_string(Decision decision);  // "releasable", "releasable-pending", "rejected"

// The rule a criterion row is held against: the specification's own criterion (a range of
// Decimal bounds with its unit, an expected outcome, report-only), or none for a test the
// specification does not name. The first alternative is "none" so that a default row never
// claims a rule.
struct NotInSpecification {};
using RowRule = std::variant<NotInSpecification, spec::Criterion>;

// ">= 95 %", "30 .. 150 nm", "no-growth", "report only", "not in specification": the
// specification column of every printed table (verify, the record, both JSON forms).
std::string describe(const RowRule& rule);

// What the CoA says for a row's test, as a value. A measured value is the CoA model's own
// coa::MeasuredValue (Decimal, unit, qualifier).
struct OutcomeResult {
  std::string outcome;  // "no-growth", "match", ... (the CoA's outcome vocabulary)
};
struct PendingResult {
  std::optional<Date> expected;  // the date the laboratory expects the result
};
struct MissingResult {
  bool another_in_group = false;  // a member of a one-of group that another member answers
};
struct InvalidResult {
  std::string why;  // "retest needed"
};
// A result with no reading dosegate can use: a status the reader never yields, or a complete
// result without value or outcome (the reader refuses both; a hand-built model may hold them).
struct UnknownResult {
  coa::ResultStatus status = coa::ResultStatus::unknown;
};
using RowResult = std::variant<UnknownResult, coa::MeasuredValue, OutcomeResult, PendingResult,
                               MissingResult, InvalidResult>;

// The result column: "98.7 %", "< 0.5 EU/mL", "no-growth", "pending (expected 2026-11-30)",
// "not reported", "not reported (another of the group is)", "invalid (retest needed)",
// "no reading", "unknown". The Decimal is shown as the CoA wrote it.
std::string describe(const RowResult& result);
std::string describe(const coa::MeasuredValue& value);  // "98.7 %", "< 0.5 EU/mL", "> 1e9 /mL"

// The result of the CoA for one test, as a row value.
RowResult row_result(const coa::Result& result);

struct CriterionRow {
  std::string test;
  std::string group;  // "" or "one of cd14, cd11b"
  RowRule specification;
  RowResult result;
  Verdict verdict = Verdict::unknown;
};

// A criterion row as printed: what verify's table, the record's page and release-data.json
// show. A ReleaseData holds these (it is read back from its JSON, where only the text is).
struct PrintedCriterion {
  std::string test;
  std::string group;          // "" or "one of cd14, cd11b"
  std::string specification;  // describe(row.specification)
  std::string result;         // describe(row.result)
  Verdict verdict = Verdict::unknown;
};

PrintedCriterion printed(const CriterionRow& row);
std::vector<PrintedCriterion> printed(const std::vector<CriterionRow>& rows);

struct DoseRow {
  std::string division;
  Decimal viable_cells;                      // text() is as written in the CoA
  std::optional<spec::Range> specification;  // nullopt when the specification sets none
  Verdict verdict = Verdict::unknown;
};

// The specification column of a dose row: "4.0e7 .. 6.0e7", or "" when there is none.
std::string describe_specification(const DoseRow& row);

struct PendingTest {
  std::string test;
  std::string method;
  std::string expected;  // YYYY-MM-DD
  // What `confirm` answers once the expected date has passed without a late result in the
  // ledger: "no-go" (confirm.pending-overdue) or "warn" (GO with a warning). From the
  // specification's criterion; "no-go" unless it says otherwise.
  std::string when_overdue = "no-go";
};

struct Evaluation {
  std::vector<CriterionRow> rows;
  std::vector<DoseRow> doses;
  std::vector<PendingTest> pending;  // pending tests the specification allows
  std::vector<Finding> findings;
};

// How far a CoA's issue or approval time may lie after the verification time (clocks differ
// a little); beyond it the dates are implausible (lot.implausible-dates).
inline constexpr std::chrono::seconds kClockSkew{5 * 60};

// Evaluates every criterion, the doses, the lot's dates and expiry as of `as_of`. Values no
// measurement can have (a percentage outside 0 .. 100, a negative quantity or count, a dose
// without volume) are result.implausible and never compared with the specification.
Evaluation evaluate(const coa::Certificate& certificate, const spec::Specification& specification,
                    Instant as_of);

// rejected if any finding is an error; releasable-pending if tests are pending; else releasable.
Decision decide(const std::vector<Finding>& findings, const std::vector<PendingTest>& pending);

}  // namespace dosegate
