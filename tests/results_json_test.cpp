// The criteria table as JSON: verify --json's rows carry the printed strings and the same rule
// and result as values, decimals as strings; release-data.json's rows carry the strings alone.
#include <catch2/catch.hpp>

#include <sstream>

#include "dosegate/spec/specification.hpp"
#include "spec/results_json.hpp"
#include "util/json_read.hpp"
#include "xml/values.hpp"

using namespace dosegate;

namespace {

Decimal dec(const char* text) {
  return *Decimal::parse(text);
}

spec::Criterion ranged(const char* test, std::optional<spec::Bound> lower,
                       std::optional<spec::Bound> upper, const char* unit) {
  spec::Criterion c;
  c.test = test;
  c.range = spec::Range{lower, upper};
  c.unit = unit;
  return c;
}

spec::Criterion outcome(const char* test, const char* expected, bool may_be_pending = false) {
  spec::Criterion c;
  c.test = test;
  c.outcome = expected;
  c.may_be_pending = may_be_pending;
  return c;
}

std::vector<CriterionRow> rows() {
  using K = spec::Bound::Kind;
  using Q = coa::Qualifier;
  spec::Criterion ido;
  ido.test = "potency-ido";
  ido.report_only = true;
  return {
      {"cd73", "", ranged("cd73", spec::Bound{K::at_least, dec("95")}, std::nullopt, "%"),
       coa::MeasuredValue{dec("98.70"), "%", Q::none}, Verdict::pass},
      {"endotoxin", "",
       ranged("endotoxin", std::nullopt, spec::Bound{K::at_most, dec("0.5")}, "EU/mL"),
       coa::MeasuredValue{dec("0.5"), "EU/mL", Q::less_than}, Verdict::pass},
      {"mycoplasma", "", outcome("mycoplasma", "not-detected", true),
       PendingResult{parse_date("2026-11-30")}, Verdict::pending},
      {"cd11b", "one of cd14, cd11b",
       ranged("cd11b", std::nullopt, spec::Bound{K::at_most, dec("2")}, "%"), MissingResult{true},
       Verdict::info},
      {"str-identity", "", outcome("str-identity", "match"), InvalidResult{"retest needed"},
       Verdict::invalid},
      {"potency-ido", "", ido, coa::MeasuredValue{dec("2.84e1"), "umol/L", Q::none}, Verdict::info},
      {"karyotype", "", NotInSpecification{}, OutcomeResult{"normal"}, Verdict::info},
      {"particle-concentration", "",
       ranged("particle-concentration", spec::Bound{K::greater_than, dec("1.0e9")},
              spec::Bound{K::less_than, dec("5e12")}, "/mL"),
       coa::MeasuredValue{dec("3e9"), "/mL", Q::greater_than}, Verdict::pass},
  };
}

std::string criteria_json(const std::vector<CriterionRow>& r) {
  std::ostringstream out;
  json::Writer w(out);
  spec::write_criteria(w, r);
  return out.str();
}

}  // namespace

TEST_CASE("results json: each row keeps its printed strings", "[results-json]") {
  const auto doc = json::parse(criteria_json(rows()));
  const auto& a = *doc.array();
  REQUIRE(a.size() == 8);
  const char* expected[][3] = {
      {"cd73", ">= 95 %", "98.70 %"},
      {"endotoxin", "<= 0.5 EU/mL", "< 0.5 EU/mL"},
      {"mycoplasma", "not-detected", "pending (expected 2026-11-30)"},
      {"cd11b", "<= 2 %", "not reported (another of the group is)"},
      {"str-identity", "match", "invalid (retest needed)"},
      {"potency-ido", "report only", "2.84e1 umol/L"},
      {"karyotype", "not in specification", "normal"},
      {"particle-concentration", "> 1.0e9 and < 5e12 /mL", "> 3e9 /mL"},
  };
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(i);
    CHECK(a[i].text("test") == expected[i][0]);
    CHECK(a[i].text("specification") == expected[i][1]);
    CHECK(a[i].text("result") == expected[i][2]);
  }
  CHECK(a[3].text("group") == "one of cd14, cd11b");
  // Each row names its test beside the code.
  const char* names[] = {"CD73 expression",  "Bacterial endotoxins",   "Mycoplasma",
                         "CD11b expression", "Identity (STR profile)", "Potency (IDO activity)",
                         "Karyotype",        "Particle concentration"};
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].text("name") == names[i]);
  CHECK(a[2].text("verdict") == "pending");
}

TEST_CASE("results json: limit and value are values, decimals as canonical strings",
          "[results-json]") {
  const auto text = criteria_json(rows());
  // The exact text of the first two rows: the printed fields first, then the values.
  CHECK(text.find(R"({
    "test": "cd73",
    "group": "",
    "specification": ">= 95 %",
    "result": "98.70 %",
    "verdict": "pass",
    "name": "CD73 expression",
    "limit": {
      "kind": "range",
      "lower": {
        "comparator": "at-least",
        "value": "95"
      },
      "upper": null,
      "unit": "%",
      "report_only": false,
      "may_be_pending": false
    },
    "value": {
      "kind": "number",
      "number": "98.7",
      "unit": "%",
      "qualifier": null
    }
  },)") != std::string::npos);
  const auto doc = json::parse(text);
  const auto& a = *doc.array();

  const auto& endotoxin = a[1];
  CHECK(endotoxin.get("limit")->get("lower")->type_name() == std::string("null"));
  CHECK(endotoxin.get("limit")->get("upper")->text("comparator") == "at-most");
  CHECK(endotoxin.get("limit")->get("upper")->text("value") == "0.5");
  CHECK(endotoxin.get("value")->text("number") == "0.5");
  CHECK(endotoxin.get("value")->text("qualifier") == "less-than");

  const auto& myco = a[2];
  CHECK(myco.get("limit")->text("kind") == "outcome");
  CHECK(myco.get("limit")->text("outcome") == "not-detected");
  CHECK(myco.get("limit")->get("may_be_pending")->boolean() == true);
  CHECK(myco.get("value")->text("kind") == "pending");
  CHECK(myco.get("value")->text("expected") == "2026-11-30");

  CHECK(a[3].get("value")->text("kind") == "missing");
  CHECK(a[3].get("value")->get("another_in_group")->boolean() == true);

  CHECK(a[4].get("value")->text("kind") == "invalid");
  CHECK(a[4].get("value")->text("why") == "retest needed");

  CHECK(a[5].get("limit")->text("kind") == "report-only");
  CHECK(a[5].get("limit")->get("report_only")->boolean() == true);
  CHECK(a[5].get("value")->text("number") == "28.4");

  CHECK(a[6].get("limit")->text("kind") == "not-in-specification");
  CHECK(a[6].get("value")->text("kind") == "outcome");
  CHECK(a[6].get("value")->text("outcome") == "normal");

  const auto& conc = a[7];
  CHECK(conc.get("limit")->get("lower")->text("comparator") == "greater-than");
  CHECK(conc.get("limit")->get("lower")->text("value") == "1000000000");
  CHECK(conc.get("limit")->get("upper")->text("comparator") == "less-than");
  CHECK(conc.get("limit")->get("upper")->text("value") == "5000000000000");
  CHECK(conc.get("value")->text("number") == "3000000000");
  CHECK(conc.get("value")->text("qualifier") == "greater-than");

  // No decimal is ever written as a JSON number.
  for (const auto& row : a) {
    for (const char* side : {"limit", "value"})
      for (const auto& [key, v] : *row.get(side)->object()) {
        INFO(key);
        CHECK(v.number() == std::nullopt);
      }
  }
}

TEST_CASE("results json: values without a reading, a date or a range", "[results-json]") {
  std::ostringstream out;
  json::Writer w(out);
  w.begin_array();
  spec::write_result(w, MissingResult{});
  spec::write_result(w, UnknownResult{coa::ResultStatus::complete});
  spec::write_result(w, PendingResult{std::nullopt});
  spec::write_range(w, std::nullopt);
  spec::write_range(w, spec::Range{spec::Bound{spec::Bound::Kind::at_least, dec("4.0e7")},
                                   spec::Bound{spec::Bound::Kind::at_most, dec("6.0e7")}});
  w.end_array();
  const auto doc = json::parse(out.str());
  const auto& a = *doc.array();
  REQUIRE(a.size() == 5);
  CHECK(a[0].text("kind") == "missing");
  CHECK(a[0].get("another_in_group")->boolean() == false);
  CHECK(a[1].text("kind") == "unknown");
  CHECK(a[1].text("status") == "complete");
  CHECK(a[2].text("kind") == "pending");
  CHECK(std::string(a[2].get("expected")->type_name()) == "null");
  CHECK(std::string(a[3].type_name()) == "null");
  CHECK(a[4].get("lower")->text("value") == "40000000");
  CHECK(a[4].get("upper")->text("value") == "60000000");
  CHECK(a[4].get("upper")->text("comparator") == "at-most");
}

TEST_CASE("results json: printed rows carry the five strings and nothing else", "[results-json]") {
  std::ostringstream out;
  json::Writer w(out);
  spec::write_criteria(w, printed(rows()));
  const auto doc = json::parse(out.str());
  for (const auto& row : *doc.array()) {
    CHECK(row.object()->size() == 5);
    CHECK_FALSE(row.get("limit"));
    CHECK_FALSE(row.get("value"));
  }
  CHECK(doc.array()->at(1).text("result") == "< 0.5 EU/mL");
}

TEST_CASE("results json: every test code of the CoA format has a name", "[results-json]") {
  std::size_t named = 0;
  for (const char* code : xml::kTestCodes) {
    INFO(code);
    CHECK_FALSE(spec::test_name(code).empty());
    named += spec::test_name(code).empty() ? 0 : 1;
  }
  CHECK(named == xml::kTestCodes.size());
  CHECK(spec::test_name("viability-post-thaw") == "Post-thaw viability");
  CHECK(spec::test_name("cd73 ").empty());  // a code the format does not define has no name
  CHECK(spec::test_name("").empty());
}
