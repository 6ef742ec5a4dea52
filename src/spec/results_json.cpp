#include "spec/results_json.hpp"

#include "dosegate/spec/specification.hpp"

namespace dosegate::spec {
namespace {

void write_printed_fields(json::Writer& w, const PrintedCriterion& r) {
  w.field("test", r.test).field("group", r.group).field("specification", r.specification);
  w.field("result", r.result).field("verdict", to_string(r.verdict));
}

void write_bound(json::Writer& w, const std::optional<Bound>& bound) {
  if (!bound) {
    w.null();
    return;
  }
  w.begin_object();
  w.field("comparator", to_string(bound->kind)).field("value", bound->value.canonical());
  w.end_object();
}

void write_bounds(json::Writer& w, const Range& range) {
  write_bound(w.key("lower"), range.lower);
  write_bound(w.key("upper"), range.upper);
}

struct ResultWriter {
  json::Writer& w;
  void operator()(const UnknownResult& r) const {
    w.field("kind", "unknown").field("status", coa::to_string(r.status));
  }
  void operator()(const coa::MeasuredValue& v) const {
    w.field("kind", "number").field("number", v.value.canonical()).field("unit", v.unit);
    if (v.qualifier == coa::Qualifier::none)
      w.key("qualifier").null();
    else
      w.field("qualifier", coa::to_string(v.qualifier));
  }
  void operator()(const OutcomeResult& r) const {
    w.field("kind", "outcome").field("outcome", r.outcome);
  }
  void operator()(const PendingResult& r) const {
    w.field("kind", "pending");
    if (r.expected)
      w.field("expected", format_date(*r.expected));
    else
      w.key("expected").null();
  }
  void operator()(const MissingResult& r) const {
    w.field("kind", "missing").key("another_in_group").value(r.another_in_group);
  }
  void operator()(const InvalidResult& r) const { w.field("kind", "invalid").field("why", r.why); }
};

}  // namespace

void write_criteria(json::Writer& w, const std::vector<PrintedCriterion>& rows) {
  w.begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    write_printed_fields(w, r);
    w.end_object();
  }
  w.end_array();
}

void write_criteria(json::Writer& w, const std::vector<CriterionRow>& rows) {
  w.begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    write_printed_fields(w, printed(r));
    w.field("name", test_name(r.test));
    write_limit(w.key("limit"), r.specification);
    write_result(w.key("value"), r.result);
    w.end_object();
  }
  w.end_array();
}

void write_limit(json::Writer& w, const RowRule& rule) {
  w.begin_object();
  const auto* c = std::get_if<Criterion>(&rule);
  if (!c) {
    w.field("kind", "not-in-specification");
    w.end_object();
    return;
  }
  if (c->range) {
    w.field("kind", "range");
    write_bounds(w, *c->range);
    w.field("unit", c->unit);
  } else if (c->outcome) {
    w.field("kind", "outcome").field("outcome", *c->outcome);
  } else {
    w.field("kind", "report-only");
  }
  w.key("report_only").value(c->report_only);
  w.key("may_be_pending").value(c->may_be_pending);
  w.end_object();
}

void write_range(json::Writer& w, const std::optional<Range>& range) {
  if (!range) {
    w.null();
    return;
  }
  w.begin_object();
  write_bounds(w, *range);
  w.end_object();
}

void write_result(json::Writer& w, const RowResult& result) {
  w.begin_object();
  std::visit(ResultWriter{w}, result);
  w.end_object();
}

void write_pending(json::Writer& w, const std::vector<PendingTest>& pending) {
  w.begin_array();
  for (const auto& p : pending) {
    w.begin_object();
    w.field("test", p.test).field("method", p.method).field("expected", p.expected);
    w.field("when_overdue", p.when_overdue);
    w.end_object();
  }
  w.end_array();
}

}  // namespace dosegate::spec
