#include <catch2/catch.hpp>

#include "dosegate/coa/reader.hpp"
#include "dosegate/isbt128.hpp"
#include "test_support.hpp"

using namespace dosegate;
using dosegate::test::read_source;

namespace {

coa::Certificate read_ok(const std::string& relative) {
  const auto bytes = read_source(relative);
  auto r = coa::read(bytes, relative);
  INFO(join_diagnostics(r.errors));
  REQUIRE(r.errors.empty());
  REQUIRE(r.certificate);
  return *r.certificate;
}

std::vector<Diagnostic> read_errors(const std::string& name, const std::string& xml) {
  auto r = coa::read(xml, name);
  CHECK_FALSE(r.certificate);
  return r.errors;
}

// A valid CoA with `from` replaced by `to`, for one-defect tests.
std::string pass_with(const std::string& from, const std::string& to) {
  auto text = read_source("samples/coa-pass.xml");
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

bool any_message_contains(const std::vector<Diagnostic>& errors, const std::string& part) {
  for (const auto& e : errors)
    if (e.message.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("the passing sample reads completely", "[coa]") {
  const auto c = read_ok("samples/coa-pass.xml");
  CHECK(c.id == "COA-QCL01-2026-0147");
  CHECK(format_instant(c.issued) == "2026-11-18T14:05:00Z");
  CHECK(c.laboratory.id == "QCL-01");
  REQUIRE(c.laboratory.accreditations.size() == 1);
  CHECK(c.laboratory.accreditations[0].scheme == "ISO/IEC 17025");
  CHECK(c.product.code == "S1234V00");
  CHECK(c.product.source == "wharton-jelly");
  CHECK(c.lot.din == "A999926000147");
  CHECK(isbt128::din_check_character(c.lot.din) == '9');
  REQUIRE(c.lot.doses.size() == 2);
  CHECK(c.lot.doses[0].division == "A0");
  CHECK(c.lot.doses[0].viable_cells.text() == "5.1e7");
  CHECK(c.lot.doses[0].volume_unit == "mL");
  const auto* endotoxin = c.find_result("endotoxin");
  REQUIRE(endotoxin);
  REQUIRE(endotoxin->value);
  CHECK(endotoxin->value->qualifier == coa::Qualifier::less_than);
  CHECK(endotoxin->value->unit == "EU/mL");
  CHECK(c.conclusion == coa::Conclusion::conforms);
  CHECK(c.approval.name == "Dr. Jane Roe");
  CHECK(c.has_enveloped_signature);  // the shipped samples are signed
}

TEST_CASE("every sample CoA reads without error", "[coa]") {
  for (const auto& f : test::xml_files("samples")) {
    INFO(f);
    read_ok(f);
  }
}

TEST_CASE("every valid test CoA reads without error", "[coa]") {
  for (const auto& f : test::xml_files("tests/data/coa/valid")) {
    INFO(f);
    read_ok(f);
  }
}

TEST_CASE("every invalid test CoA is rejected at the element its header names", "[coa]") {
  for (const auto* dir : {"tests/data/coa/invalid", "tests/data/coa/invalid-reader-only"}) {
    for (const auto& f : test::xml_files(dir)) {
      INFO(f);
      auto r = coa::read(read_source(f), f);
      CHECK_FALSE(r.certificate);
      REQUIRE_FALSE(r.errors.empty());
      const auto& first = r.errors.front();
      CHECK(first.file == f);
      CHECK(first.line > 0);
      CHECK(first.column > 0);
      CHECK(first.path == test::declared_location(f));
      CHECK(first.to_string().rfind(f + ":" + std::to_string(first.line) + ":", 0) == 0);
    }
  }
}

TEST_CASE("a comment inside a value does not cut the value", "[coa]") {
  const auto xml = pass_with("<DIN>A999926000147</DIN>", "<DIN>A9999<!--x-->26000147</DIN>");
  auto r = coa::read(xml, "comment.xml");
  REQUIRE(r.certificate);
  CHECK(r.certificate->lot.din == "A999926000147");
}

TEST_CASE("CDATA and surrounding whitespace in values", "[coa]") {
  const auto xml = pass_with("<Value unit=\"%\">98.7</Value>",
                             "<Value unit=\"%\">\n  <![CDATA[98.]]>7  </Value>");
  auto r = coa::read(xml, "cdata.xml");
  INFO(join_diagnostics(r.errors));
  REQUIRE(r.certificate);
  CHECK(r.certificate->find_result("cd73")->value->value.text() == "98.7");
}

TEST_CASE("reader errors name the file, line, column, path and fix", "[coa]") {
  SECTION("not a decimal") {
    const auto errors = read_errors("x.xml", pass_with(">98.7<", ">98.7 %<"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == "/CertificateOfAnalysis/Results/Result[1]/Value");
    CHECK(errors[0].message ==
          "<Value>: '98.7 %' is not a decimal number; write digits with an optional fraction "
          "and exponent, such as 98.7, 0.5 or 5.1e7 (no units, spaces or thousands separators)");
  }
  SECTION("time not in UTC") {
    const auto errors =
        read_errors("x.xml", pass_with("2026-11-18T14:05:00Z", "2026-11-18T15:05:00+01:00"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].path == "/CertificateOfAnalysis/Issued");
    CHECK(errors[0].message.find("is not a UTC date and time") != std::string::npos);
  }
  SECTION("duplicate attribute, which pugixml alone would accept") {
    const auto errors = read_errors(
        "x.xml", pass_with("<Value unit=\"%\">98.7", "<Value unit=\"%\" unit=\"%\">98.7"));
    CHECK(any_message_contains(errors, "duplicate attribute 'unit'"));
  }
  SECTION("undeclared namespace prefix") {
    const auto errors = read_errors("x.xml", pass_with("<Donor>", "<x:Donor>"));
    CHECK_FALSE(errors.empty());
  }
  SECTION("two root elements") {
    auto xml = read_source("samples/coa-pass.xml") + "<CertificateOfAnalysis/>";
    const auto errors = read_errors("x.xml", xml);
    CHECK(any_message_contains(errors, "second root element"));
  }
  SECTION("not well-formed") {
    const auto errors = read_errors("x.xml", pass_with("</Lot>", "</Lots>"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line > 1);
    CHECK(errors[0].message.rfind("not well-formed XML: ", 0) == 0);
  }
  SECTION("truncated file") {
    const auto full = read_source("samples/coa-pass.xml");
    const auto errors = read_errors("x.xml", full.substr(0, full.size() / 2));
    REQUIRE_FALSE(errors.empty());
  }
  SECTION("empty file") {
    const auto errors = read_errors("empty.xml", "");
    REQUIRE_FALSE(errors.empty());
  }
  SECTION("invalid UTF-8") {
    const auto errors = read_errors("x.xml", pass_with("Example QC", "Example \xff QC"));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("not valid UTF-8") != std::string::npos);
  }
  SECTION("year 0000") {
    const auto errors =
        read_errors("x.xml", pass_with("<Manufactured>2026-11-02", "<Manufactured>0000-11-02"));
    CHECK(any_message_contains(errors, "is not a calendar date"));
  }
  SECTION("a repeated element, reported once per repeat") {
    const std::string issued = "<Issued>2026-11-18T14:05:00Z</Issued>";
    const auto errors = read_errors("x.xml", pass_with(issued, issued + issued + issued));
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].path == "/CertificateOfAnalysis/Issued[2]");
    CHECK(errors[1].path == "/CertificateOfAnalysis/Issued[3]");
    CHECK(errors[1].message ==
          "<Issued> appears more than once inside <CertificateOfAnalysis>; it may appear once");
  }
  SECTION("element inside a text value") {
    const auto errors =
        read_errors("x.xml", pass_with("<DIN>A999926000147</DIN>", "<DIN>A999926000147<b/></DIN>"));
    CHECK(any_message_contains(errors, "element <b> is not allowed inside <DIN>"));
  }
}

TEST_CASE("an enveloped signature as last child is recognised", "[coa]") {
  const auto c = read_ok("tests/data/coa/valid/enveloped-signature.xml");
  CHECK(c.has_enveloped_signature);
}

TEST_CASE("Product Divisions lots read with 6-digit divisions", "[coa]") {
  const auto c = read_ok("tests/data/coa/valid/product-divisions-6digit.xml");
  REQUIRE(c.lot.doses.size() == 3);
  CHECK(c.lot.doses[0].division == "000001");
}
