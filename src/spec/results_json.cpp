#include "spec/results_json.hpp"

namespace dosegate::spec {

void write_criteria(json::Writer& w, const std::vector<CriterionRow>& rows) {
  w.begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    w.field("test", r.test).field("group", r.group).field("specification", r.specification);
    w.field("result", r.result).field("verdict", to_string(r.verdict));
    w.end_object();
  }
  w.end_array();
}

void write_pending(json::Writer& w, const std::vector<PendingTest>& pending) {
  w.begin_array();
  for (const auto& p : pending) {
    w.begin_object();
    w.field("test", p.test).field("method", p.method).field("expected", p.expected);
    w.end_object();
  }
  w.end_array();
}

}  // namespace dosegate::spec
