#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>

#include "dosegate/coa/reader.hpp"
#include "dosegate/spec/engine.hpp"
#include "test_support.hpp"

using namespace dosegate;
using dosegate::test::read_source;

namespace {

const Instant kAsOf = *parse_utc_instant("2026-11-21T12:00:00Z");

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

coa::Certificate certificate(const std::string& xml) {
  auto r = coa::read(xml, "t.xml");
  INFO(join_diagnostics(r.errors));
  REQUIRE(r.certificate);
  return *r.certificate;
}

struct Outcome {
  Evaluation evaluation;
  Decision decision;
  bool has(const std::string& code) const {
    return std::any_of(evaluation.findings.begin(), evaluation.findings.end(),
                       [&](const Finding& f) { return f.code == code; });
  }
  Verdict verdict(const std::string& test) const {
    for (const auto& r : evaluation.rows)
      if (r.test == test) return r.verdict;
    return Verdict::unknown;
  }
  const CriterionRow& row(const std::string& test) const {
    for (const auto& r : evaluation.rows)
      if (r.test == test) return r;
    FAIL("no row for " + test);
    throw std::logic_error("unreachable");
  }
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& f : evaluation.findings)
      if (f.severity == Severity::error) out.push_back(f.code);
    return out;
  }
};

Outcome run(const std::string& coa_xml,
            const spec::Specification& s = spec::default_specification(), Instant as_of = kAsOf) {
  Outcome o{evaluate(certificate(coa_xml), s, as_of), Decision::unknown};
  o.decision = decide(o.evaluation.findings, o.evaluation.pending);
  return o;
}

std::string pass() {
  return read_source("samples/coa-pass.xml");
}

// The pass sample with one result value replaced.
std::string with_value(const std::string& test, const std::string& value_element) {
  auto xml = pass();
  const auto start = xml.find("test=\"" + test + "\"");
  REQUIRE(start != std::string::npos);
  const auto v = xml.find("<Value", start);
  const auto end = xml.find("</Value>", v) + 8;
  xml.replace(v, end - v, value_element);
  return xml;
}

spec::Specification one(const std::string& criterion) {
  return spec::read(
      "<ReleaseSpecification xmlns=\"urn:dosegate:spec:1\" id=\"t\" version=\"1\" "
      "title=\"T\">" +
          criterion + "</ReleaseSpecification>",
      "t.xml");
}

}  // namespace

TEST_CASE("the passing sample is releasable under the built-in specification", "[engine]") {
  const auto o = run(pass());
  INFO(test::quote_arg(""));
  CHECK(o.errors().empty());
  CHECK(o.decision == Decision::releasable);
  CHECK(o.verdict("cd73") == Verdict::pass);
  CHECK(o.verdict("potency-ido") == Verdict::info);
  REQUIRE(o.evaluation.doses.size() == 2);
  CHECK(o.evaluation.doses[0].verdict == Verdict::pass);
}

TEST_CASE("boundaries: 95.0 passes at-least 95, 94.99 fails, 90.0 fails greater-than 90",
          "[engine]") {
  CHECK(run(with_value("cd73", "<Value unit=\"%\">95.0</Value>")).verdict("cd73") == Verdict::pass);
  CHECK(run(with_value("cd73", "<Value unit=\"%\">95</Value>")).verdict("cd73") == Verdict::pass);
  const auto low = run(with_value("cd73", "<Value unit=\"%\">94.99</Value>"));
  CHECK(low.verdict("cd73") == Verdict::fail);
  CHECK(low.has("criterion.failed"));
  CHECK(low.decision == Decision::rejected);
  CHECK(run(with_value("cd73", "<Value unit=\"%\">94.9999999999999999</Value>")).verdict("cd73") ==
        Verdict::fail);
  CHECK(run(with_value("viability-post-thaw", "<Value unit=\"%\">90.0</Value>"))
            .verdict("viability-post-thaw") == Verdict::fail);
  CHECK(run(with_value("viability-post-thaw", "<Value unit=\"%\">90.0001</Value>"))
            .verdict("viability-post-thaw") == Verdict::pass);
}

TEST_CASE("the four comparators", "[engine]") {
  auto verdict = [](const std::string& crit, const std::string& value) {
    return run(with_value("cd73", "<Value unit=\"%\">" + value + "</Value>"),
               one("<Criterion test=\"cd73\" " + crit + " unit=\"%\"/>"))
        .verdict("cd73");
  };
  CHECK(verdict("at-least=\"95\"", "95") == Verdict::pass);
  CHECK(verdict("at-least=\"95\"", "94.9") == Verdict::fail);
  CHECK(verdict("greater-than=\"95\"", "95") == Verdict::fail);
  CHECK(verdict("greater-than=\"95\"", "95.01") == Verdict::pass);
  CHECK(verdict("at-most=\"2\"", "2.0") == Verdict::pass);
  CHECK(verdict("at-most=\"2\"", "2.01") == Verdict::fail);
  CHECK(verdict("less-than=\"2\"", "2") == Verdict::fail);
  CHECK(verdict("less-than=\"2\"", "1.99") == Verdict::pass);
  CHECK(verdict("at-least=\"30\" at-most=\"50\"", "50") == Verdict::pass);
  CHECK(verdict("at-least=\"30\" at-most=\"50\"", "50.1") == Verdict::fail);
  CHECK(verdict("at-least=\"30\" at-most=\"50\"", "29.9") == Verdict::fail);
}

TEST_CASE("qualified results pass only when every value they allow passes", "[engine]") {
  auto verdict = [](const std::string& crit, const std::string& qualifier, const std::string& v) {
    return run(with_value("endotoxin", "<Value unit=\"EU/mL\" qualifier=\"" + qualifier + "\">" +
                                           v + "</Value>"),
               one("<Criterion test=\"endotoxin\" " + crit + " unit=\"EU/mL\"/>"))
        .verdict("endotoxin");
  };
  CHECK(verdict("at-most=\"0.5\"", "less-than", "0.5") == Verdict::pass);
  CHECK(verdict("at-most=\"0.4\"", "less-than", "0.5") == Verdict::fail);
  CHECK(verdict("less-than=\"0.5\"", "less-than", "0.5") == Verdict::pass);
  CHECK(verdict("at-most=\"0.5\"", "greater-than", "0.1") == Verdict::fail);
  CHECK(verdict("at-least=\"0.1\"", "greater-than", "0.1") == Verdict::pass);
  CHECK(verdict("greater-than=\"0.1\"", "greater-than", "0.1") == Verdict::pass);
  CHECK(verdict("at-least=\"0.2\"", "greater-than", "0.1") == Verdict::fail);
  CHECK(verdict("at-least=\"0\" at-most=\"0.5\"", "less-than", "0.5") == Verdict::fail);
}

TEST_CASE("units must match exactly", "[engine]") {
  const auto o = run(with_value("endotoxin", "<Value unit=\"EU/ml\">0.1</Value>"));
  CHECK(o.verdict("endotoxin") == Verdict::fail);
  CHECK(o.has("criterion.unit-mismatch"));
}

TEST_CASE("a number where an outcome belongs, and the reverse, fail", "[engine]") {
  const auto o = run(pass(), one("<Criterion test=\"cd73\" outcome=\"detected\"/>"));
  CHECK(o.has("criterion.wrong-kind"));
  const auto p = run(pass(), one("<Criterion test=\"sterility\" at-most=\"1\" unit=\"%\"/>"));
  CHECK(p.has("criterion.wrong-kind"));
}

TEST_CASE("outcomes", "[engine]") {
  auto xml = replace(pass(), "<Outcome>no-growth</Outcome>", "<Outcome>growth</Outcome>");
  const auto o = run(xml);
  CHECK(o.verdict("sterility") == Verdict::fail);
  CHECK(o.has("criterion.failed"));
}

TEST_CASE("OneOf: at least one reported, every reported one passes", "[engine]") {
  // The sample reports cd14 and not cd11b.
  CHECK(run(pass()).verdict("cd14") == Verdict::pass);
  CHECK(run(pass()).verdict("cd11b") == Verdict::info);
  SECTION("a failing member fails the group") {
    const auto o = run(with_value("cd14", "<Value unit=\"%\">2.5</Value>"));
    CHECK(o.verdict("cd14") == Verdict::fail);
    CHECK(o.decision == Decision::rejected);
  }
  SECTION("no member reported") {
    auto xml = pass();
    const auto start = xml.find("<Result test=\"cd14\"");
    const auto end = xml.find("</Result>", start) + 9;
    xml.erase(start, end - start);
    const auto o = run(xml);
    CHECK(o.verdict("cd14") == Verdict::missing);
    CHECK(o.has("criterion.missing"));
    CHECK(o.decision == Decision::rejected);
  }
  SECTION("both reported, one failing") {
    auto xml = replace(pass(), "<Result test=\"cd14\"",
                       "<Result test=\"cd11b\" status=\"complete\"><Method>Flow</Method>"
                       "<Value unit=\"%\">3</Value><Completed>2026-11-10</Completed></Result>"
                       "<Result test=\"cd14\"");
    const auto o = run(xml);
    CHECK(o.verdict("cd14") == Verdict::pass);
    CHECK(o.verdict("cd11b") == Verdict::fail);
    CHECK(o.decision == Decision::rejected);
  }
}

TEST_CASE("pending: allowed gives releasable-pending, not allowed rejects", "[engine]") {
  const auto xml = read_source("samples/coa-pending-mycoplasma.xml");
  const auto o = run(xml);
  CHECK(o.decision == Decision::releasable_pending);
  REQUIRE(o.evaluation.pending.size() == 1);
  CHECK(o.evaluation.pending[0].test == "mycoplasma");
  CHECK(o.evaluation.pending[0].expected == "2026-11-30");
  CHECK(o.verdict("mycoplasma") == Verdict::pending);

  const auto strict = run(xml, one("<Criterion test=\"mycoplasma\" outcome=\"not-detected\"/>"));
  CHECK(strict.has("criterion.pending-not-allowed"));
  CHECK(strict.decision == Decision::rejected);
}

TEST_CASE("a pending test past its expected date is flagged", "[engine]") {
  const auto o = run(read_source("samples/coa-pending-mycoplasma.xml"),
                     spec::default_specification(), *parse_utc_instant("2026-12-01T00:00:00Z"));
  CHECK(o.has("criterion.pending-overdue"));
  CHECK(o.decision == Decision::releasable_pending);  // a warning, not a rejection
}

TEST_CASE("a pending test carries what the specification says an overdue one means",
          "[engine][overdue]") {
  const auto xml = read_source("samples/coa-pending-mycoplasma.xml");
  const auto standard = run(xml);
  REQUIRE(standard.evaluation.pending.size() == 1);
  CHECK(standard.evaluation.pending[0].when_overdue == "no-go");
  const auto warn = run(xml, one("<Criterion test=\"mycoplasma\" outcome=\"not-detected\" "
                                 "may-be-pending=\"true\" when-overdue=\"warn\"/>"));
  REQUIRE(warn.evaluation.pending.size() == 1);
  CHECK(warn.evaluation.pending[0].when_overdue == "warn");
}

TEST_CASE("invalid and missing results reject", "[engine]") {
  auto xml = pass();
  const auto start = xml.find("<Result test=\"str-identity\"");
  const auto end = xml.find("</Result>", start) + 9;
  xml.replace(start, end - start,
              "<Result test=\"str-identity\" status=\"invalid\"><Method>STR</Method></Result>");
  const auto o = run(xml);
  CHECK(o.verdict("str-identity") == Verdict::invalid);
  CHECK(o.has("criterion.invalid"));
  CHECK(o.decision == Decision::rejected);

  const auto m = run(read_source("samples/coa-missing-result.xml"));
  CHECK(m.verdict("str-identity") == Verdict::missing);
  CHECK(m.has("criterion.missing"));
}

TEST_CASE("report-only never blocks", "[engine]") {
  auto xml = with_value("potency-ido", "<Value unit=\"umol/L\">0</Value>");
  const auto o = run(xml);
  CHECK(o.verdict("potency-ido") == Verdict::info);
  CHECK(o.decision == Decision::releasable);
}

TEST_CASE("a test the specification does not name is informational", "[engine]") {
  const auto o = run(pass(), one("<Criterion test=\"sterility\" outcome=\"no-growth\"/>"));
  CHECK(o.verdict("cd73") == Verdict::info);
  CHECK(o.has("result.not-in-specification"));
  CHECK(o.errors().empty());
}

TEST_CASE("dose viable cells against the specification", "[engine]") {
  auto xml =
      replace(pass(), "<ViableCells>5.1e7</ViableCells>", "<ViableCells>6.01e7</ViableCells>");
  const auto o = run(xml);
  CHECK(o.has("dose.viable-cells"));
  CHECK(o.evaluation.doses[0].verdict == Verdict::fail);
  CHECK(o.decision == Decision::rejected);
  auto edge =
      replace(pass(), "<ViableCells>5.1e7</ViableCells>", "<ViableCells>60000000</ViableCells>");
  CHECK(run(edge).evaluation.doses[0].verdict == Verdict::pass);
}

TEST_CASE("AppliesTo: a specification for another product source rejects", "[engine]") {
  const auto o = run(read_source("samples/coa-exosome-pass.xml"));
  CHECK(o.has("spec.not-applicable"));
  CHECK(o.decision == Decision::rejected);
}

TEST_CASE("the exosome sample passes the exosome specification", "[engine]") {
  const auto s = spec::read(read_source("samples/specs/msc-exosome.xml"), "msc-exosome.xml");
  const auto o = run(read_source("samples/coa-exosome-pass.xml"), s);
  CHECK(o.errors().empty());
  CHECK(o.decision == Decision::releasable);
}

TEST_CASE("required accreditation", "[engine]") {
  auto xml = pass();
  const auto start = xml.find("<Accreditation");
  const auto end = xml.find("/>", start) + 2;
  xml.erase(start, end - start);
  const auto o = run(xml);
  CHECK(o.has("laboratory.accreditation-missing"));
  CHECK(o.decision == Decision::rejected);
}

TEST_CASE("lot expiry is checked at the verification time", "[engine]") {
  CHECK_FALSE(run(pass(), spec::default_specification(), *parse_utc_instant("2027-11-02T23:58:59Z"))
                  .has("lot.expired"));
  const auto o =
      run(pass(), spec::default_specification(), *parse_utc_instant("2027-11-02T23:59:00Z"));
  CHECK(o.has("lot.expired"));
  CHECK(o.decision == Decision::rejected);
  CHECK_FALSE(o.has("conclusion.disagrees"));  // expiry is not the laboratory's verdict
}

TEST_CASE("a laboratory conclusion that disagrees is a finding that rejects", "[engine]") {
  SECTION("lab says conforms, results fail") {
    const auto o = run(read_source("samples/coa-unit-mismatch.xml"));
    CHECK(o.has("conclusion.disagrees"));
  }
  SECTION("lab says does-not-conform, results pass: fail closed") {
    const auto o = run(replace(pass(), "<Conclusion>conforms</Conclusion>",
                               "<Conclusion>does-not-conform</Conclusion>"));
    CHECK(o.has("conclusion.disagrees"));
    CHECK(o.decision == Decision::rejected);
  }
  SECTION("lab says conforms-pending, nothing pending") {
    const auto o = run(replace(pass(), "<Conclusion>conforms</Conclusion>",
                               "<Conclusion>conforms-pending</Conclusion>"));
    CHECK(o.has("conclusion.disagrees"));
  }
  SECTION("agreement raises nothing") {
    CHECK_FALSE(run(read_source("samples/coa-marker-failed.xml")).has("conclusion.disagrees"));
    CHECK_FALSE(run(read_source("samples/coa-pending-mycoplasma.xml")).has("conclusion.disagrees"));
  }
}

TEST_CASE("decide: any error rejects, pending without errors is releasable-pending", "[engine]") {
  const Finding warn{"x.y", Severity::warning, "", ""};
  const Finding err{"x.z", Severity::error, "", ""};
  CHECK(decide({}, {}) == Decision::releasable);
  CHECK(decide({warn}, {}) == Decision::releasable);
  CHECK(decide({warn}, {PendingTest{"mycoplasma", "", ""}}) == Decision::releasable_pending);
  CHECK(decide({err}, {PendingTest{"mycoplasma", "", ""}}) == Decision::rejected);
}

TEST_CASE("implausible results: percentages outside 0 .. 100 and negative quantities reject",
          "[engine][plausibility]") {
  struct Row {
    const char* test;
    const char* value_element;
    bool plausible;
  };
  const std::vector<Row> rows = {
      {"cd34", "<Value unit=\"%\">-50</Value>", false},  // passes "at most 2 %" otherwise
      {"cd34", "<Value unit=\"%\">0</Value>", true},
      {"cd34", "<Value unit=\"%\">-0.0</Value>", true},  // minus zero is zero
      {"cd73", "<Value unit=\"%\">250</Value>", false},  // passes "at least 95 %" otherwise
      {"cd73", "<Value unit=\"%\">100</Value>", true},
      {"cd73", "<Value unit=\"%\">100.00</Value>", true},
      {"cd73", "<Value unit=\"%\">100.01</Value>", false},
      {"cd73", "<Value unit=\"%\">1.0001e2</Value>", false},
      {"cd73", "<Value unit=\"%\" qualifier=\"greater-than\">100</Value>", false},
      {"cd73", "<Value unit=\"%\" qualifier=\"greater-than\">99.9</Value>", true},
      {"endotoxin", "<Value unit=\"EU/mL\">-0.6</Value>", false},
      {"endotoxin", "<Value unit=\"EU/mL\">0</Value>", true},
      {"endotoxin", "<Value unit=\"EU/mL\" qualifier=\"less-than\">0</Value>", false},
      {"endotoxin", "<Value unit=\"EU/mL\" qualifier=\"less-than\">-1</Value>", false},
      {"potency-ido", "<Value unit=\"umol/L\">-3</Value>", false},  // report-only still checked
  };
  for (const auto& r : rows) {
    INFO(r.test << ": " << r.value_element);
    const auto o = run(with_value(r.test, r.value_element));
    CHECK(o.has("result.implausible") == !r.plausible);
    if (!r.plausible) {
      CHECK(o.decision == Decision::rejected);
      CHECK(o.verdict(r.test) == Verdict::fail);
      CHECK_FALSE(o.has("conclusion.disagrees"));  // the laboratory's verdict is not the issue
      CHECK_FALSE(o.has("criterion.failed"));      // one finding, not a comparison with garbage
      const auto f = std::find_if(o.evaluation.findings.begin(), o.evaluation.findings.end(),
                                  [](const Finding& x) { return x.code == "result.implausible"; });
      REQUIRE(f != o.evaluation.findings.end());
      CHECK(f->location ==
            "/CertificateOfAnalysis/Results/Result[@test='" + std::string(r.test) + "']/Value");
      CHECK(f->severity == Severity::error);
    }
  }
  const auto o = run(with_value("cd34", "<Value unit=\"%\">-50</Value>"));
  REQUIRE_FALSE(o.evaluation.findings.empty());
  CHECK(test::contains(o.evaluation.findings.back().message,
                       "'cd34' is -50 %, a percentage below 0: no measurement reads so"));
}

TEST_CASE("implausible doses: no volume or a negative cell count rejects",
          "[engine][plausibility]") {
  auto dose = [](const std::string& cells, const std::string& volume) {
    auto xml = replace(pass(), "<ViableCells>5.1e7</ViableCells>",
                       "<ViableCells>" + cells + "</ViableCells>");
    return run(replace(xml, "<Volume unit=\"mL\">5.0</Volume>",
                       "<Volume unit=\"mL\">" + volume + "</Volume>"),
               one("<Criterion test=\"sterility\" outcome=\"no-growth\"/>"));
  };
  const auto location = [](const Outcome& o) {
    for (const auto& f : o.evaluation.findings)
      if (f.code == "result.implausible") return f.location;
    return std::string();
  };
  CHECK_FALSE(dose("5.1e7", "5.0").has("result.implausible"));
  CHECK_FALSE(dose("5.1e7", "0.001").has("result.implausible"));
  for (const char* v : {"0", "0.0", "-5.0"}) {
    INFO(v);
    const auto o = dose("5.1e7", v);
    CHECK(o.has("result.implausible"));
    CHECK(o.decision == Decision::rejected);
    CHECK(o.evaluation.doses[0].verdict == Verdict::fail);
    CHECK(location(o) == "/CertificateOfAnalysis/Lot/Doses/Dose[@division='A0']/Volume");
  }
  // Zero viable cells is a cell-free product (exosomes), not an implausible dose.
  CHECK_FALSE(dose("0", "5.0").has("result.implausible"));
  for (const char* c : {"-1", "-5.1e7"}) {
    INFO(c);
    const auto o = dose(c, "5.0");  // the specification sets no range for viable cells
    CHECK(o.has("result.implausible"));
    CHECK(o.decision == Decision::rejected);
    CHECK(location(o) == "/CertificateOfAnalysis/Lot/Doses/Dose[@division='A0']/ViableCells");
  }
}

TEST_CASE("implausible dates: issued or approved in the future, made after expiry or issue",
          "[engine][plausibility]") {
  // The sample is issued 2026-11-18T14:05:00Z and approved 2026-11-18T14:00:00Z.
  const auto issued = *parse_utc_instant("2026-11-18T14:05:00Z");
  auto at = [&](Instant as_of) { return run(pass(), spec::default_specification(), as_of); };
  CHECK_FALSE(at(issued).has("lot.implausible-dates"));
  CHECK_FALSE(at(issued - kClockSkew).has("lot.implausible-dates"));  // the skew boundary
  const auto early = at(issued - kClockSkew - std::chrono::seconds{1});
  CHECK(early.has("lot.implausible-dates"));
  CHECK(early.decision == Decision::rejected);
  CHECK(early.errors() == std::vector<std::string>{"lot.implausible-dates"});
  CHECK(early.evaluation.findings.back().location == "/CertificateOfAnalysis/Issued");

  SECTION("issued 70 years after the verification time") {
    const auto o = run(replace(pass(), "<Issued>2026-11-18T14:05:00Z</Issued>",
                               "<Issued>2096-11-18T14:05:00Z</Issued>"));
    CHECK(o.has("lot.implausible-dates"));
    CHECK(o.decision == Decision::rejected);
  }
  SECTION("approved after the verification time") {
    const auto o =
        run(replace(pass(), "at=\"2026-11-18T14:00:00Z\"", "at=\"2026-11-21T12:05:01Z\""));
    CHECK(o.errors() == std::vector<std::string>{"lot.implausible-dates"});
    CHECK(o.evaluation.findings.back().location == "/CertificateOfAnalysis/Approval");
    CHECK(run(replace(pass(), "at=\"2026-11-18T14:00:00Z\"", "at=\"2026-11-21T12:05:00Z\""))
              .errors()
              .empty());
  }
  SECTION("manufactured after the lot expires") {
    auto xml = replace(pass(), "<Expires>2027-11-02T23:59:00Z</Expires>",
                       "<Expires>2026-11-01T23:59:00Z</Expires>");
    const auto o = run(xml);  // also expired by now; the dates are a finding of their own
    CHECK(o.errors() == std::vector<std::string>{"lot.implausible-dates", "lot.expired"});
    CHECK(test::contains(o.evaluation.findings.front().message,
                         "the lot is manufactured on 2026-11-02, after it expires "
                         "(2026-11-01T23:59:00Z)"));
    // Made on the day it expires: odd, not impossible.
    xml = replace(pass(), "<Expires>2027-11-02T23:59:00Z</Expires>",
                  "<Expires>2026-11-02T23:59:00Z</Expires>");
    CHECK(run(xml).errors() == std::vector<std::string>{"lot.expired"});
  }
  SECTION("manufactured after the CoA was issued") {
    const auto o = run(replace(pass(), "<Manufactured>2026-11-02</Manufactured>",
                               "<Manufactured>2026-11-19</Manufactured>"));
    CHECK(o.errors() == std::vector<std::string>{"lot.implausible-dates"});
    CHECK(o.evaluation.findings.back().location == "/CertificateOfAnalysis/Lot/Manufactured");
    CHECK_FALSE(run(replace(pass(), "<Manufactured>2026-11-02</Manufactured>",
                            "<Manufactured>2026-11-18</Manufactured>"))
                    .has("lot.implausible-dates"));
  }
}

// Rows as values: the rule is the specification's own criterion, the result the CoA model's.

namespace {

const spec::Criterion& rule_of(const CriterionRow& row) {
  const auto* c = std::get_if<spec::Criterion>(&row.specification);
  REQUIRE(c);
  return *c;
}

const coa::MeasuredValue& measured(const CriterionRow& row) {
  const auto* v = std::get_if<coa::MeasuredValue>(&row.result);
  REQUIRE(v);
  return *v;
}

Decimal dec(const char* text) {
  return *Decimal::parse(text);
}

}  // namespace

TEST_CASE("rows as values: a number with its unit against an at-least bound", "[engine][rows]") {
  const auto o = run(pass());
  const auto& row = o.row("cd73");
  const auto& rule = rule_of(row);
  REQUIRE(rule.range);
  REQUIRE(rule.range->lower);
  CHECK(rule.range->lower->kind == spec::Bound::Kind::at_least);
  CHECK(rule.range->lower->value == dec("95"));
  CHECK_FALSE(rule.range->upper);
  CHECK(rule.unit == "%");
  CHECK_FALSE(rule.report_only);
  const auto& v = measured(row);
  CHECK(v.value == dec("98.7"));
  CHECK(v.value.text() == "98.7");
  CHECK(v.unit == "%");
  CHECK(v.qualifier == coa::Qualifier::none);
  CHECK(row.group.empty());
  CHECK(row.verdict == Verdict::pass);
}

TEST_CASE("rows as values: a qualified result keeps its qualifier", "[engine][rows]") {
  const auto o = run(pass());
  const auto& row = o.row("endotoxin");
  const auto& rule = rule_of(row);
  REQUIRE(rule.range);
  CHECK_FALSE(rule.range->lower);
  REQUIRE(rule.range->upper);
  CHECK(rule.range->upper->kind == spec::Bound::Kind::at_most);
  CHECK(rule.range->upper->value == dec("0.5"));
  CHECK(rule.unit == "EU/mL");
  const auto& v = measured(row);
  CHECK(v.value == dec("0.5"));
  CHECK(v.unit == "EU/mL");
  CHECK(v.qualifier == coa::Qualifier::less_than);
  CHECK(row.verdict == Verdict::pass);

  const auto above =
      run(with_value("cd73", "<Value unit=\"%\" qualifier=\"greater-than\">96</Value>"));
  CHECK(measured(above.row("cd73")).qualifier == coa::Qualifier::greater_than);
  CHECK(above.row("cd73").verdict == Verdict::pass);
}

TEST_CASE("rows as values: an outcome against an expected outcome", "[engine][rows]") {
  const auto o = run(replace(pass(), "<Outcome>no-growth</Outcome>", "<Outcome>growth</Outcome>"));
  const auto& row = o.row("sterility");
  const auto& rule = rule_of(row);
  CHECK_FALSE(rule.range);
  CHECK(rule.outcome == std::optional<std::string>("no-growth"));
  const auto* r = std::get_if<OutcomeResult>(&row.result);
  REQUIRE(r);
  CHECK(r->outcome == "growth");
  CHECK(row.verdict == Verdict::fail);
}

TEST_CASE("rows as values: a pending result carries its expected date", "[engine][rows]") {
  const auto o = run(read_source("samples/coa-pending-mycoplasma.xml"));
  const auto& row = o.row("mycoplasma");
  CHECK(rule_of(row).may_be_pending);
  CHECK(rule_of(row).outcome == std::optional<std::string>("not-detected"));
  const auto* r = std::get_if<PendingResult>(&row.result);
  REQUIRE(r);
  REQUIRE(r->expected);
  CHECK(format_date(*r->expected) == "2026-11-30");
  CHECK(row.verdict == Verdict::pending);
}

TEST_CASE("rows as values: a missing result and an invalid one", "[engine][rows]") {
  const auto m = run(read_source("samples/coa-missing-result.xml"));
  const auto* missing = std::get_if<MissingResult>(&m.row("str-identity").result);
  REQUIRE(missing);
  CHECK_FALSE(missing->another_in_group);
  CHECK(m.row("str-identity").verdict == Verdict::missing);

  auto xml = pass();
  const auto start = xml.find("<Result test=\"str-identity\"");
  const auto end = xml.find("</Result>", start) + 9;
  xml.replace(start, end - start,
              "<Result test=\"str-identity\" status=\"invalid\"><Method>STR</Method></Result>");
  const auto i = run(xml);
  const auto* invalid = std::get_if<InvalidResult>(&i.row("str-identity").result);
  REQUIRE(invalid);
  CHECK(invalid->why == "retest needed");
  CHECK(i.row("str-identity").verdict == Verdict::invalid);
}

TEST_CASE("rows as values: report-only and not in specification", "[engine][rows]") {
  const auto o = run(pass());
  const auto& ido = o.row("potency-ido");
  const auto& rule = rule_of(ido);
  CHECK(rule.report_only);
  CHECK_FALSE(rule.range);
  CHECK_FALSE(rule.outcome);
  CHECK(measured(ido).value == dec("28.4"));
  CHECK(measured(ido).unit == "umol/L");
  CHECK(ido.verdict == Verdict::info);

  const auto other = run(pass(), one("<Criterion test=\"sterility\" outcome=\"no-growth\"/>"));
  const auto& cd73 = other.row("cd73");
  CHECK(std::holds_alternative<NotInSpecification>(cd73.specification));
  CHECK(measured(cd73).value == dec("98.7"));
  CHECK(cd73.verdict == Verdict::info);
}

TEST_CASE("rows as values: a one-of group names its members on every row", "[engine][rows]") {
  const auto o = run(pass());
  const auto& cd14 = o.row("cd14");
  CHECK(cd14.group == "one of cd14, cd11b");
  CHECK(measured(cd14).value == dec("0.8"));
  CHECK(rule_of(cd14).range->upper->value == dec("2"));
  const auto& cd11b = o.row("cd11b");
  CHECK(cd11b.group == "one of cd14, cd11b");
  const auto* other = std::get_if<MissingResult>(&cd11b.result);
  REQUIRE(other);
  CHECK(other->another_in_group);
  CHECK(cd11b.verdict == Verdict::info);

  auto xml = pass();
  const auto start = xml.find("<Result test=\"cd14\"");
  xml.erase(start, xml.find("</Result>", start) + 9 - start);
  const auto none = run(xml);
  for (const char* test : {"cd14", "cd11b"}) {
    const auto* r = std::get_if<MissingResult>(&none.row(test).result);
    REQUIRE(r);
    CHECK_FALSE(r->another_in_group);
    CHECK(none.row(test).verdict == Verdict::missing);
  }
}

TEST_CASE("rows as values: dose viable cells against the dose range", "[engine][rows]") {
  const auto o = run(pass());
  REQUIRE(o.evaluation.doses.size() == 2);
  const auto& d = o.evaluation.doses[0];
  CHECK(d.division == "A0");
  CHECK(d.viable_cells == dec("51000000"));
  CHECK(d.viable_cells.text() == "5.1e7");
  REQUIRE(d.specification);
  CHECK(d.specification->lower->kind == spec::Bound::Kind::at_least);
  CHECK(d.specification->lower->value == dec("4.0e7"));
  CHECK(d.specification->upper->kind == spec::Bound::Kind::at_most);
  CHECK(d.specification->upper->value == dec("6.0e7"));
  CHECK(describe_specification(d) == "4.0e7 .. 6.0e7");

  const auto without = run(pass(), one("<Criterion test=\"sterility\" outcome=\"no-growth\"/>"));
  CHECK_FALSE(without.evaluation.doses[0].specification);
  CHECK(describe_specification(without.evaluation.doses[0]).empty());
  CHECK(without.evaluation.doses[0].verdict == Verdict::info);
}

TEST_CASE("rows as values: each row prints as it always has", "[engine][rows]") {
  const auto o = run(read_source("samples/coa-pending-mycoplasma.xml"));
  struct Expected {
    const char* test;
    const char* specification;
    const char* result;
  };
  const Expected table[] = {
      {"cd73", ">= 95 %", "98.7 %"},
      {"cd14", "<= 2 %", "0.8 %"},
      {"cd11b", "<= 2 %", "not reported (another of the group is)"},
      {"viability-post-thaw", "> 90 %", "94.6 %"},
      {"sterility", "no-growth", "no-growth"},
      {"mycoplasma", "not-detected", "pending (expected 2026-11-30)"},
      {"endotoxin", "<= 0.5 EU/mL", "< 0.5 EU/mL"},
      {"potency-ido", "report only", "28.4 umol/L"},
  };
  for (const auto& e : table) {
    INFO(e.test);
    const auto p = printed(o.row(e.test));
    CHECK(p.test == e.test);
    CHECK(p.specification == e.specification);
    CHECK(p.result == e.result);
    CHECK(p.verdict == o.row(e.test).verdict);
  }
  CHECK(printed(o.row("cd14")).group == "one of cd14, cd11b");
  CHECK(printed(o.evaluation.rows).size() == o.evaluation.rows.size());
}

namespace {

spec::Criterion criterion(std::optional<spec::Bound> lower, std::optional<spec::Bound> upper,
                          const std::string& unit) {
  spec::Criterion c;
  c.test = "t";
  c.range = spec::Range{lower, upper};
  c.unit = unit;
  return c;
}

spec::Bound bound(spec::Bound::Kind kind, const char* value) {
  return spec::Bound{kind, dec(value)};
}

}  // namespace

TEST_CASE("describe: each rule prints exactly the specification text of the tables",
          "[engine][rows]") {
  using K = spec::Bound::Kind;
  spec::Criterion outcome;
  outcome.outcome = "no-growth";
  spec::Criterion report_only;
  report_only.report_only = true;
  auto ranged_report_only = criterion(bound(K::at_least, "1"), std::nullopt, "%");
  ranged_report_only.report_only = true;
  auto outcome_report_only = outcome;
  outcome_report_only.report_only = true;
  const std::pair<RowRule, std::string> table[] = {
      {NotInSpecification{}, "not in specification"},
      {criterion(bound(K::at_least, "95"), std::nullopt, "%"), ">= 95 %"},
      {criterion(bound(K::greater_than, "90"), std::nullopt, "%"), "> 90 %"},
      {criterion(std::nullopt, bound(K::at_most, "0.5"), "EU/mL"), "<= 0.5 EU/mL"},
      {criterion(std::nullopt, bound(K::less_than, "2.0"), "%"), "< 2.0 %"},
      {criterion(bound(K::at_least, "30"), bound(K::at_most, "150"), "nm"), "30 .. 150 nm"},
      {criterion(bound(K::greater_than, "1"), bound(K::less_than, "5e3"), "/mL"),
       "> 1 and < 5e3 /mL"},
      {outcome, "no-growth"},
      {report_only, "report only"},
      {ranged_report_only, ">= 1 % (report only)"},
      {outcome_report_only, "no-growth (report only)"},
  };
  for (const auto& [rule, text] : table) CHECK(describe(rule) == text);
}

TEST_CASE("describe: each result prints exactly the result text of the tables", "[engine][rows]") {
  using Q = coa::Qualifier;
  const std::pair<RowResult, std::string> table[] = {
      {coa::MeasuredValue{dec("98.7"), "%", Q::none}, "98.7 %"},
      {coa::MeasuredValue{dec("98.70"), "%", Q::none}, "98.70 %"},
      {coa::MeasuredValue{dec("5.1e7"), "cells", Q::none}, "5.1e7 cells"},
      {coa::MeasuredValue{dec("0.5"), "EU/mL", Q::less_than}, "< 0.5 EU/mL"},
      {coa::MeasuredValue{dec("1e9"), "/mL", Q::greater_than}, "> 1e9 /mL"},
      {OutcomeResult{"no-growth"}, "no-growth"},
      {PendingResult{parse_date("2026-11-30")}, "pending (expected 2026-11-30)"},
      {PendingResult{std::nullopt}, "pending"},
      {MissingResult{}, "not reported"},
      {MissingResult{true}, "not reported (another of the group is)"},
      {InvalidResult{"retest needed"}, "invalid (retest needed)"},
      {UnknownResult{}, "unknown"},
      {UnknownResult{coa::ResultStatus::complete}, "no reading"},
  };
  for (const auto& [result, text] : table) CHECK(describe(result) == text);
}

TEST_CASE("row_result: each CoA result becomes its value", "[engine][rows]") {
  coa::Result r;
  r.status = coa::ResultStatus::complete;
  r.value = coa::MeasuredValue{dec("0.5"), "EU/mL", coa::Qualifier::less_than};
  const auto number = row_result(r);
  REQUIRE(std::holds_alternative<coa::MeasuredValue>(number));
  CHECK(std::get<coa::MeasuredValue>(number).qualifier == coa::Qualifier::less_than);
  CHECK(describe(number) == "< 0.5 EU/mL");

  r.value.reset();
  r.outcome = "match";
  CHECK(describe(row_result(r)) == "match");
  r.outcome.reset();
  CHECK(describe(row_result(r)) == "no reading");

  r.status = coa::ResultStatus::pending;
  r.expected = parse_date("2026-12-01");
  REQUIRE(std::holds_alternative<PendingResult>(row_result(r)));
  CHECK(describe(row_result(r)) == "pending (expected 2026-12-01)");
  r.status = coa::ResultStatus::invalid;
  CHECK(describe(row_result(r)) == "invalid (retest needed)");
  r.status = coa::ResultStatus::unknown;
  CHECK(describe(row_result(r)) == "unknown");
}
