#include "dosegate/spec/engine.hpp"

#include <algorithm>

#include "util/text.hpp"

namespace dosegate {
namespace {

using coa::Qualifier;
using coa::Result;
using coa::ResultStatus;
using spec::Bound;
using spec::Criterion;

std::string describe_result(const Result& r) {
  return describe(row_result(r));
}

// Why a measured value cannot be a real reading, or "" when it can. Every numeric result of
// the CoA vocabulary is a non-negative quantity (a percentage, a count, a concentration, a
// size, an activity), and a percentage is at most 100. The number as written must lie in that
// range, and a qualifier must leave room for a plausible value ("< 0" allows only negative
// values, "> 100 %" only impossible ones).
std::string implausibility(const coa::MeasuredValue& v) {
  static const Decimal hundred = *Decimal::parse("100");
  const bool percent = v.unit == "%";
  if (v.value.is_negative()) return percent ? "a percentage below 0" : "a negative quantity";
  if (percent && v.value > hundred) return "a percentage above 100";
  if (v.qualifier == Qualifier::less_than && v.value.is_zero())
    return "a quantity below 0, which only negative values satisfy";
  if (percent && v.qualifier == Qualifier::greater_than && v.value == hundred)
    return "a percentage above 100, which no real value satisfies";
  return "";
}

// True when every value the (possibly qualified) result allows lies inside the range.
bool qualified_within(const coa::MeasuredValue& v, const spec::Range& range) {
  switch (v.qualifier) {
    case Qualifier::none: return range.contains(v.value);
    case Qualifier::less_than:
      // Values below v, without limit: no lower bound can hold; an upper bound holds for all
      // of them when v does not exceed it.
      return !range.lower && (!range.upper || v.value <= range.upper->value);
    case Qualifier::greater_than:
      return !range.upper && (!range.lower || v.value >= range.lower->value);
  }
  return false;
}

class Evaluator {
 public:
  Evaluator(const coa::Certificate& c, const spec::Specification& s, Instant as_of)
      : coa_(c), spec_(s), as_of_(as_of) {}

  Evaluation run() {
    // A specification for another product first: the criteria that then fail or go missing
    // are its consequences, and the reader should see the cause before them.
    check_applicability();
    for (const auto& rule : spec_.rules) {
      if (const auto* c = std::get_if<Criterion>(&rule))
        evaluate(*c, coa_.find_result(c->test), "");
      else
        evaluate_one_of(std::get<spec::OneOf>(rule));
    }
    for (const auto& r : coa_.results) {
      if (spec_.find_criterion(r.test)) continue;
      out_.rows.push_back({r.test, "", NotInSpecification{}, row_result(r), Verdict::info});
      add(Severity::info, "result.not-in-specification",
          "test '" + r.test + "' (" + describe_result(r) + ") is not named by specification " +
              spec_.id + "; reported for information",
          r.path);
    }
    check_doses();
    check_results_dates();
    check_conclusion();  // compares the lab's verdict with the one on results alone
    // Values and dates that cannot be real are not the laboratory's verdict on its results:
    // they come after the conclusion check and make the CoA itself unusable.
    check_plausibility();
    check_dates_plausible();
    check_expiry();
    check_accreditation();
    return std::move(out_);
  }

 private:
  void add(Severity severity, std::string code, std::string message, std::string location) {
    out_.findings.push_back(
        Finding{std::move(code), severity, std::move(message), std::move(location)});
  }

  void check_applicability() {
    if (spec_.applies_to.empty()) return;
    if (std::find(spec_.applies_to.begin(), spec_.applies_to.end(), coa_.product.source) !=
        spec_.applies_to.end())
      return;
    add(Severity::error, "spec.not-applicable",
        "specification " + spec_.id + " version " + spec_.version + " applies to " +
            text::join(spec_.applies_to, ", ") + " products, but this CoA's product source is " +
            coa_.product.source + "; choose the specification for this product with --spec",
        "/CertificateOfAnalysis/Product/Source");
  }

  // Evaluates one criterion against its result (or its absence) and records row and findings.
  void evaluate(const Criterion& c, const Result* r, const std::string& group) {
    CriterionRow row{c.test, group, c, r ? row_result(*r) : RowResult{MissingResult{}},
                     Verdict::unknown};
    const std::string location =
        r ? r->path : "/CertificateOfAnalysis/Results/Result[@test='" + c.test + "']";
    const std::string spec_text = c.describe();
    if (c.report_only) {
      row.verdict = Verdict::info;
      out_.rows.push_back(row);
      return;
    }
    if (!r) {
      row.verdict = Verdict::missing;
      add(Severity::error, "criterion.missing",
          "required test '" + c.test + "' is not in the CoA (specification: " + spec_text + ")",
          location);
    } else if (r->status == ResultStatus::invalid) {
      row.verdict = Verdict::invalid;
      add(Severity::error, "criterion.invalid",
          "the result of '" + c.test + "' is marked invalid; a retest is needed before release",
          location);
    } else if (r->status == ResultStatus::pending) {
      row.verdict = Verdict::pending;
      const std::string due = r->expected ? format_date(*r->expected) : "unknown";
      if (c.may_be_pending) {
        out_.pending.push_back({c.test, r->method, due, c.when_overdue});
        add(Severity::warning, "criterion.pending",
            "'" + c.test + "' is pending (expected " + due +
                "); the specification allows release before it completes",
            location);
      } else {
        add(Severity::error, "criterion.pending-not-allowed",
            "'" + c.test + "' is pending (expected " + due +
                "); the specification requires it complete before release",
            location);
      }
    } else if (c.range) {
      if (!r->value) {
        row.verdict = Verdict::fail;
        add(Severity::error, "criterion.wrong-kind",
            "'" + c.test + "' must be a number in " + c.unit + " (" + spec_text +
                "); the CoA reports the outcome '" + r->outcome.value_or("") + "'",
            location);
      } else if (r->value->unit != c.unit) {
        row.verdict = Verdict::fail;
        add(Severity::error, "criterion.unit-mismatch",
            "'" + c.test + "' is reported in '" + r->value->unit +
                "' but the specification requires '" + c.unit +
                "'; dosegate never converts units (ask the laboratory for a CoA in " + c.unit + ")",
            location + "/Value");
      } else if (!implausibility(*r->value).empty()) {
        row.verdict = Verdict::fail;  // result.implausible (check_plausibility) says why
      } else if (qualified_within(*r->value, *c.range)) {
        row.verdict = Verdict::pass;
      } else {
        row.verdict = Verdict::fail;
        std::string why;
        if (r->value->qualifier != Qualifier::none)
          why =
              "; a result beyond the limit of quantitation passes only when every value it "
              "allows passes";
        add(Severity::error, "criterion.failed",
            "'" + c.test + "' is " + describe_result(*r) + "; the specification requires " +
                spec_text + why,
            location + "/Value");
      }
    } else if (c.outcome) {
      if (!r->outcome) {
        row.verdict = Verdict::fail;
        add(Severity::error, "criterion.wrong-kind",
            "'" + c.test + "' must be reported as an outcome (" + *c.outcome +
                "); the CoA reports a number",
            location);
      } else if (*r->outcome == *c.outcome) {
        row.verdict = Verdict::pass;
      } else {
        row.verdict = Verdict::fail;
        add(Severity::error, "criterion.failed",
            "'" + c.test + "' is '" + *r->outcome + "'; the specification requires '" + *c.outcome +
                "'",
            location + "/Outcome");
      }
    }
    out_.rows.push_back(row);
  }

  void evaluate_one_of(const spec::OneOf& group) {
    std::vector<std::string> tests;
    for (const auto& m : group.members) tests.push_back(m.test);
    const std::string label = "one of " + text::join(tests, ", ");
    bool any = false;
    for (const auto& m : group.members) any = any || coa_.find_result(m.test) != nullptr;
    if (!any) {
      for (const auto& m : group.members)
        out_.rows.push_back({m.test, label, m, MissingResult{}, Verdict::missing});
      add(Severity::error, "criterion.missing",
          "none of " + text::join(tests, ", ") +
              " is in the CoA; the specification requires at least one of them",
          "/CertificateOfAnalysis/Results");
      return;
    }
    for (const auto& m : group.members) {
      if (const auto* r = coa_.find_result(m.test))
        evaluate(m, r, label);
      else
        out_.rows.push_back({m.test, label, m, MissingResult{true}, Verdict::info});
    }
  }

  void check_doses() {
    for (const auto& d : coa_.lot.doses) {
      DoseRow row{d.division, d.viable_cells, spec_.dose_viable_cells, Verdict::info};
      if (spec_.dose_viable_cells) {
        if (spec_.dose_viable_cells->contains(d.viable_cells)) {
          row.verdict = Verdict::pass;
        } else {
          row.verdict = Verdict::fail;
          add(Severity::error, "dose.viable-cells",
              "dose " + d.division + " holds " + d.viable_cells.text() +
                  " viable cells; the specification requires " +
                  spec_.dose_viable_cells->describe(),
              d.path + "/ViableCells");
        }
      }
      out_.doses.push_back(row);
    }
  }

  void check_plausibility() {
    for (const auto& r : coa_.results) {
      if (!r.value) continue;
      const auto why = implausibility(*r.value);
      if (why.empty()) continue;
      for (auto& row : out_.rows)
        if (row.test == r.test) row.verdict = Verdict::fail;
      add(Severity::error, "result.implausible",
          "'" + r.test + "' is " + describe_result(r) + ", " + why +
              ": no measurement reads so; the CoA cannot be evaluated (ask the laboratory for a "
              "corrected CoA)",
          r.path + "/Value");
    }
    for (std::size_t i = 0; i < coa_.lot.doses.size(); ++i) {
      const auto& d = coa_.lot.doses[i];
      // Zero viable cells is a cell-free product (MSC exosomes); fewer is impossible.
      if (d.viable_cells.is_negative()) {
        if (i < out_.doses.size()) out_.doses[i].verdict = Verdict::fail;
        add(Severity::error, "result.implausible",
            "dose " + d.division + " holds " + d.viable_cells.text() +
                " viable cells; a count of cells is never negative",
            d.path + "/ViableCells");
      }
      if (d.volume.is_negative() || d.volume.is_zero()) {
        if (i < out_.doses.size()) out_.doses[i].verdict = Verdict::fail;
        add(Severity::error, "result.implausible",
            "dose " + d.division + " has a volume of " + d.volume.text() + " " + d.volume_unit +
                "; a dose has a positive volume",
            d.path + "/Volume");
      }
    }
  }

  // A CoA issued or approved after the verification time (beyond kClockSkew), or a lot made
  // after it expires or after its CoA was issued, describes no real lot.
  void check_dates_plausible() {
    const Instant latest = as_of_ + kClockSkew;
    auto future = [&](Instant t, const std::string& what, const std::string& location) {
      if (t <= latest) return;
      add(Severity::error, "lot.implausible-dates",
          what + " " + format_instant(t) + " is later than the verification time " +
              format_instant(as_of_) + " (more than " + std::to_string(kClockSkew.count() / 60) +
              " minutes of clock difference allowed); a CoA cannot come from the future",
          location);
    };
    future(coa_.issued, "the CoA is issued at", "/CertificateOfAnalysis/Issued");
    future(coa_.approval.at, "the CoA is approved at", "/CertificateOfAnalysis/Approval");
    const Date expiry_day = std::chrono::floor<std::chrono::days>(coa_.lot.expires);
    if (coa_.lot.manufactured > expiry_day)
      add(Severity::error, "lot.implausible-dates",
          "the lot is manufactured on " + format_date(coa_.lot.manufactured) +
              ", after it expires (" + format_instant(coa_.lot.expires) + ")",
          "/CertificateOfAnalysis/Lot/Manufactured");
    const Date issued_day = std::chrono::floor<std::chrono::days>(coa_.issued);
    if (coa_.lot.manufactured > issued_day)
      add(Severity::error, "lot.implausible-dates",
          "the lot is manufactured on " + format_date(coa_.lot.manufactured) +
              ", after its CoA was issued (" + format_instant(coa_.issued) + ")",
          "/CertificateOfAnalysis/Lot/Manufactured");
  }

  void check_results_dates() {
    const Date issued_day = std::chrono::floor<std::chrono::days>(coa_.issued);
    for (const auto& r : coa_.results) {
      if (r.completed && *r.completed > issued_day)
        add(Severity::warning, "result.completed-after-issue",
            "'" + r.test + "' completed on " + format_date(*r.completed) +
                ", after the CoA was issued (" + format_instant(coa_.issued) + ")",
            r.path + "/Completed");
      if (r.status == ResultStatus::pending && r.expected &&
          Instant{*r.expected} + std::chrono::days{1} <= as_of_)
        add(Severity::warning, "criterion.pending-overdue",
            "'" + r.test + "' was expected by " + format_date(*r.expected) +
                " and is still pending in this CoA; ask the laboratory for the result",
            r.path + "/Expected");
    }
  }

  void check_conclusion() {
    // The laboratory's conclusion is about its results; compare it with dosegate's verdict on
    // the results and doses alone, before lot-level checks such as expiry.
    const Decision ours = decide(out_.findings, out_.pending);
    coa::Conclusion expected = ours == Decision::releasable ? coa::Conclusion::conforms
                               : ours == Decision::rejected ? coa::Conclusion::does_not_conform
                                                            : coa::Conclusion::conforms_pending;
    if (coa_.conclusion == expected) return;
    add(Severity::error, "conclusion.disagrees",
        std::string("the laboratory concludes '") + coa::to_string(coa_.conclusion) +
            "' but dosegate's evaluation of the results against " + spec_.id + " version " +
            spec_.version + " is '" + to_string(ours) +
            "'; a disagreement is never released (clarify with the laboratory)",
        "/CertificateOfAnalysis/Conclusion");
  }

  void check_expiry() {
    if (coa_.lot.expires > as_of_) return;
    add(Severity::error, "lot.expired",
        "the lot expired at " + format_instant(coa_.lot.expires) + " (checked as of " +
            format_instant(as_of_) + ")",
        "/CertificateOfAnalysis/Lot/Expires");
  }

  void check_accreditation() {
    for (const auto& scheme : spec_.required_accreditations) {
      bool found = false;
      for (const auto& a : coa_.laboratory.accreditations) found = found || a.scheme == scheme;
      if (!found)
        add(Severity::error, "laboratory.accreditation-missing",
            "the specification requires a laboratory accredited to " + scheme + "; laboratory " +
                coa_.laboratory.id + " declares no such accreditation",
            "/CertificateOfAnalysis/Laboratory");
    }
  }

  const coa::Certificate& coa_;
  const spec::Specification& spec_;
  Instant as_of_;
  Evaluation out_;
};

}  // namespace

std::string describe(const RowRule& rule) {
  if (const auto* c = std::get_if<Criterion>(&rule)) return c->describe();
  return "not in specification";
}

std::string describe(const coa::MeasuredValue& v) {
  const char* q = v.qualifier == Qualifier::less_than      ? "< "
                  : v.qualifier == Qualifier::greater_than ? "> "
                                                           : "";
  return q + v.value.text() + " " + v.unit;
}

namespace {

struct ResultText {
  std::string operator()(const UnknownResult& r) const {
    return r.status == ResultStatus::complete ? "no reading" : "unknown";
  }
  std::string operator()(const coa::MeasuredValue& v) const { return describe(v); }
  std::string operator()(const OutcomeResult& r) const { return r.outcome; }
  std::string operator()(const PendingResult& r) const {
    return "pending" + (r.expected ? " (expected " + format_date(*r.expected) + ")" : "");
  }
  std::string operator()(const MissingResult& r) const {
    return r.another_in_group ? "not reported (another of the group is)" : "not reported";
  }
  std::string operator()(const InvalidResult& r) const { return "invalid (" + r.why + ")"; }
};

}  // namespace

std::string describe(const RowResult& result) {
  return std::visit(ResultText{}, result);
}

RowResult row_result(const coa::Result& r) {
  switch (r.status) {
    case ResultStatus::pending: return PendingResult{r.expected};
    case ResultStatus::invalid: return InvalidResult{"retest needed"};
    case ResultStatus::complete:
      if (r.value) return *r.value;
      if (r.outcome) return OutcomeResult{*r.outcome};
      return UnknownResult{r.status};
    case ResultStatus::unknown: break;
  }
  return UnknownResult{r.status};
}

PrintedCriterion printed(const CriterionRow& row) {
  return {row.test, row.group, describe(row.specification), describe(row.result), row.verdict};
}

std::vector<PrintedCriterion> printed(const std::vector<CriterionRow>& rows) {
  std::vector<PrintedCriterion> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(printed(r));
  return out;
}

std::string describe_specification(const DoseRow& row) {
  return row.specification ? row.specification->describe() : "";
}

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::pending: return "pending";
    case Verdict::missing: return "missing";
    case Verdict::invalid: return "invalid";
    case Verdict::info: return "info";
    case Verdict::unknown: break;
  }
  return "unknown";
}

const char* to_string(Decision decision) {
  switch (decision) {
    case Decision::releasable: return "releasable";
    case Decision::releasable_pending: return "releasable-pending";
    case Decision::rejected: return "rejected";
    case Decision::unknown: break;
  }
  return "unknown";
}

Evaluation evaluate(const coa::Certificate& certificate, const spec::Specification& specification,
                    Instant as_of) {
  return Evaluator(certificate, specification, as_of).run();
}

Decision decide(const std::vector<Finding>& findings, const std::vector<PendingTest>& pending) {
  for (const auto& f : findings)
    if (f.severity == Severity::error) return Decision::rejected;
  return pending.empty() ? Decision::releasable : Decision::releasable_pending;
}

}  // namespace dosegate
