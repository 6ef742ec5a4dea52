// The criteria table and the pending tests as JSON arrays: one writer for the verify report's
// --json and for release-data.json, so the two never drift apart.
#pragma once

#include <optional>
#include <vector>

#include "dosegate/spec/engine.hpp"
#include "util/json.hpp"

namespace dosegate::spec {

// [{"test", "group", "specification", "result", "verdict"}, ...]: the printed rows, as
// release-data.json holds them (its bytes are pinned; nothing may be added here).
void write_criteria(json::Writer& w, const std::vector<PrintedCriterion>& rows);

// verify --json: each row's five printed fields exactly as write_criteria(PrintedCriterion)
// writes them, then the test's "name" (test_name), then the same row as values: "limit"
// (write_limit) and "value" (write_result). Decimals are JSON strings in Decimal::canonical() form,
// never numbers.
void write_criteria(json::Writer& w, const std::vector<CriterionRow>& rows);

// {"kind": "range", "lower": BOUND|null, "upper": BOUND|null, "unit", "report_only",
//  "may_be_pending"}, {"kind": "outcome", "outcome", ...}, {"kind": "report-only", ...} or
// {"kind": "not-in-specification"}; BOUND is {"comparator": "at-least", "value": "95"}.
void write_limit(json::Writer& w, const RowRule& rule);
// {"lower": BOUND|null, "upper": BOUND|null}, or null without a range (dose rows).
void write_range(json::Writer& w, const std::optional<Range>& range);
// {"kind": "number", "number": "98.7", "unit": "%", "qualifier": null|"less-than"|
// "greater-than"}, {"kind": "outcome", "outcome"}, {"kind": "pending", "expected":
// "YYYY-MM-DD"|null}, {"kind": "missing", "another_in_group"}, {"kind": "invalid", "why"} or
// {"kind": "unknown", "status"}.
void write_result(json::Writer& w, const RowResult& result);

// [{"test", "method", "expected", "when_overdue"}, ...]: verify --json and release-data.json
// (version 2; version 1 had no "when_overdue").
void write_pending(json::Writer& w, const std::vector<PendingTest>& pending);

}  // namespace dosegate::spec
