// The rule engine: a CoA against a specification, at a given time.
#pragma once

#include <string>
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

struct CriterionRow {
  std::string test;
  std::string group;          // "" or "one of cd14, cd11b"
  std::string specification;  // ">= 95 %", "no-growth", "report only", "not in specification"
  std::string result;         // "98.7 %", "< 0.5 EU/mL", "growth", "pending (expected 2026-11-30)"
  Verdict verdict = Verdict::unknown;
};

struct DoseRow {
  std::string division;
  std::string viable_cells;   // as written in the CoA
  std::string specification;  // "4.0e7 .. 6.0e7" or "" when the specification sets none
  Verdict verdict = Verdict::unknown;
};

struct PendingTest {
  std::string test;
  std::string method;
  std::string expected;  // YYYY-MM-DD
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
