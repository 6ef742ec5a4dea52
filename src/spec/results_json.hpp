// The criteria table and the pending tests as JSON arrays: one writer for the verify report's
// --json and for release-data.json, so the two never drift apart.
#pragma once

#include <vector>

#include "dosegate/spec/engine.hpp"
#include "util/json.hpp"

namespace dosegate::spec {

// [{"test", "group", "specification", "result", "verdict"}, ...]
void write_criteria(json::Writer& w, const std::vector<CriterionRow>& rows);
// [{"test", "method", "expected"}, ...]
void write_pending(json::Writer& w, const std::vector<PendingTest>& pending);

}  // namespace dosegate::spec
