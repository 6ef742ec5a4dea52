#include <catch2/catch.hpp>

#include "dosegate/error.hpp"
#include "dosegate/spec/specification.hpp"
#include "test_support.hpp"
#include "xml/values.hpp"

using namespace dosegate;
using dosegate::test::read_source;

namespace {
spec::Specification read_ok(const std::string& relative) {
  try {
    return spec::read(read_source(relative), relative);
  } catch (const SpecError& e) {
    FAIL(e.what());
  }
  throw std::logic_error("unreachable");
}

std::string spec_error(const std::string& xml) {
  try {
    spec::read(xml, "s.xml");
  } catch (const SpecError& e) {
    CHECK(e.code() == "spec.invalid");
    return e.what();
  }
  FAIL("the specification was accepted");
  return "";
}

std::string minimal(const std::string& criteria) {
  return "<ReleaseSpecification xmlns=\"urn:dosegate:spec:1\" id=\"t\" version=\"1\" title=\"T\">" +
         criteria + "</ReleaseSpecification>";
}
}  // namespace

TEST_CASE("the built-in specification is the shipped wj-msc file, byte for byte", "[spec]") {
  const auto& builtin = spec::default_specification();
  const auto shipped = read_source("samples/specs/wj-msc.xml");
  CHECK(spec::default_specification_text() == shipped);
  CHECK(builtin.sha256 == read_ok("samples/specs/wj-msc.xml").sha256);
  CHECK(builtin.origin == "built-in");
  CHECK(builtin.id == "wj-msc");
  CHECK(builtin.version == "1");
}

TEST_CASE("the built-in specification holds the clinics' criteria", "[spec]") {
  const auto& s = spec::default_specification();
  for (const char* marker : {"cd73", "cd90", "cd105"}) {
    const auto* c = s.find_criterion(marker);
    REQUIRE(c);
    REQUIRE(c->range);
    CHECK(c->range->describe() == ">= 95");
    CHECK(c->unit == "%");
  }
  const auto* viability = s.find_criterion("viability-post-thaw");
  REQUIRE(viability);
  CHECK(viability->describe() == "> 90 %");
  CHECK(s.find_criterion("sterility")->outcome == "no-growth");
  CHECK(s.find_criterion("mycoplasma")->may_be_pending);
  CHECK(s.find_criterion("potency-ido")->report_only);
  REQUIRE(s.dose_viable_cells);
  CHECK(s.dose_viable_cells->describe() == "4.0e7 .. 6.0e7");
  CHECK(s.use_within_after_thaw_minutes == 90);
  CHECK(s.required_accreditations == std::vector<std::string>{"ISO/IEC 17025"});
  CHECK(s.applies_to == std::vector<std::string>{"wharton-jelly"});
}

TEST_CASE("the exosome specification reads", "[spec]") {
  const auto s = read_ok("samples/specs/msc-exosome.xml");
  CHECK(s.id == "msc-exosome");
  CHECK(s.find_criterion("calnexin")->outcome == "not-detected");
  CHECK(s.find_criterion("particle-size-mode")->describe() == "30 .. 150 nm");
  CHECK_FALSE(s.dose_viable_cells);
}

TEST_CASE("every valid test specification reads", "[spec]") {
  const auto files = test::xml_files("tests/data/spec/valid");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f);
    CHECK_NOTHROW(read_ok(f));
  }
}

TEST_CASE("every invalid test specification is refused, naming the element", "[spec]") {
  for (const auto* dir : {"tests/data/spec/invalid", "tests/data/spec/invalid-reader-only"}) {
    for (const auto& f : test::xml_files(dir)) {
      INFO(f);
      try {
        spec::read(read_source(f), f);
        FAIL("accepted: " + f);
      } catch (const SpecError& e) {
        const std::string what = e.what();
        // The first problem line: "  FILE:LINE:COL: PATH: message"
        const auto first = what.find("\n  " + f + ":");
        REQUIRE(first != std::string::npos);
        const auto line = what.substr(first + 3, what.find('\n', first + 3) - first - 3);
        INFO(line);
        CHECK(line.find(": " + test::declared_location(f) + ": ") != std::string::npos);
      }
    }
  }
}

TEST_CASE("specification errors explain the fix", "[spec]") {
  CHECK(spec_error(minimal("<Criterion test=\"cd73\" at-least=\"95\"/>"))
            .find("numeric bounds need attribute 'unit'") != std::string::npos);
  CHECK(spec_error(
            minimal("<Criterion test=\"cd73\" at-least=\"95\" greater-than=\"94\" unit=\"%\"/>"))
            .find("two lower bounds") != std::string::npos);
  CHECK(spec_error(
            minimal("<Criterion test=\"cd73\" greater-than=\"5\" less-than=\"5\" unit=\"%\"/>"))
            .find("admit no value") != std::string::npos);
  CHECK(spec_error(minimal("<Criterion test=\"cd73\" at-least=\"9 5\" unit=\"%\"/>"))
            .find("'9 5' is not a decimal number") != std::string::npos);
  CHECK(spec_error(minimal("<Criterion test=\"sterility\" outcome=\"no-growth\" unit=\"%\"/>"))
            .find("'unit' is for numeric bounds") != std::string::npos);
  CHECK(spec_error(minimal("<Criterion test=\"cd73\"/>")).find("a criterion needs bounds") !=
        std::string::npos);
  CHECK(
      spec_error("<ReleaseSpecification/>").find("expected <ReleaseSpecification> in namespace") !=
      std::string::npos);
}

TEST_CASE("when-overdue: no-go by default, warn or no-go when the specification says so",
          "[spec][overdue]") {
  const auto s = read_ok("tests/data/spec/valid/when-overdue.xml");
  CHECK(s.find_criterion("sterility")->when_overdue == "no-go");
  CHECK(s.find_criterion("mycoplasma")->when_overdue == "warn");
  CHECK(s.find_criterion("endotoxin")->when_overdue == "no-go");  // not given: the default
  CHECK(spec::default_specification().find_criterion("mycoplasma")->when_overdue == "no-go");
}

TEST_CASE("when-overdue: another value, or a test that may not be pending, is refused",
          "[spec][overdue]") {
  const auto bad = spec_error(
      minimal("<Criterion test=\"mycoplasma\" outcome=\"not-detected\" may-be-pending=\"true\" "
              "when-overdue=\"later\"/>"));
  INFO(bad);
  CHECK(test::contains(bad, "s.xml:1:"));
  CHECK(test::contains(bad,
                       "/ReleaseSpecification/Criterion: attribute 'when-overdue': "
                       "'later' is not one of: no-go, warn"));
  const auto without = spec_error(
      minimal("<Criterion test=\"mycoplasma\" outcome=\"not-detected\" when-overdue=\"warn\"/>"));
  INFO(without);
  CHECK(test::contains(without,
                       "this test may not be pending; add may-be-pending=\"true\" or "
                       "remove when-overdue"));
  // may-be-pending="false" says the same as leaving it out.
  CHECK(test::contains(spec_error(minimal("<Criterion test=\"mycoplasma\" outcome=\"not-detected\" "
                                          "may-be-pending=\"false\" when-overdue=\"no-go\"/>")),
                       "remove when-overdue"));
}

TEST_CASE("equal inclusive bounds are a valid single-value criterion", "[spec]") {
  const auto s = spec::read(
      minimal("<Criterion test=\"cd73\" at-least=\"5\" at-most=\"5.0\" unit=\"%\"/>"), "s.xml");
  CHECK(s.find_criterion("cd73")->range->contains(*Decimal::parse("5.00")));
  CHECK_FALSE(s.find_criterion("cd73")->range->contains(*Decimal::parse("5.01")));
}

TEST_CASE("a specification's hash is over its exact bytes", "[spec]") {
  const auto a = spec::read(minimal("<Criterion test=\"cd73\" at-least=\"95\" unit=\"%\"/>"), "a");
  const auto b = spec::read(minimal("<Criterion test=\"cd73\"  at-least=\"95\" unit=\"%\"/>"), "b");
  CHECK(a.sha256.size() == 64);
  CHECK(a.sha256 != b.sha256);
}

namespace {
// The shipped file with `from` replaced by `to`.
std::string edited(const std::string& relative, const std::string& from, const std::string& to) {
  auto text = read_source(relative);
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

// The message of the spec.impersonation error reading `text` raises.
std::string impersonation(const std::string& text, const std::string& file) {
  try {
    spec::read(text, file);
  } catch (const SpecError& e) {
    FAIL("refused as invalid instead: " << e.what());
  } catch (const Error& e) {
    CHECK(e.code() == "spec.impersonation");
    return e.what();
  }
  FAIL("the specification was accepted");
  return "";
}
}  // namespace

TEST_CASE("the shipped specifications are compiled in, byte for byte", "[spec][impersonation]") {
  const auto& shipped = spec::shipped_specifications();
  REQUIRE(shipped.size() == 2);
  CHECK(shipped[0].id == "wj-msc");
  CHECK(shipped[0].origin == "built-in");
  CHECK(shipped[0].sha256 == spec::default_specification().sha256);
  CHECK(shipped[1].id == "msc-exosome");
  CHECK(shipped[1].origin == "samples/specs/msc-exosome.xml");
  CHECK(shipped[1].sha256 == read_ok("samples/specs/msc-exosome.xml").sha256);
}

TEST_CASE("a file with a shipped specification's id and version but other bytes is refused",
          "[spec][impersonation]") {
  // The shipped files themselves, byte for byte, are accepted (read_ok fails otherwise).
  CHECK(read_ok("samples/specs/wj-msc.xml").origin == "samples/specs/wj-msc.xml");
  CHECK(read_ok("samples/specs/msc-exosome.xml").id == "msc-exosome");

  const auto loosened =
      edited("samples/specs/wj-msc.xml", "<Criterion test=\"cd73\" at-least=\"95\"",
             "<Criterion test=\"cd73\" at-least=\"50\"");
  const auto message = impersonation(loosened, "my-spec.xml");
  CHECK(message.rfind("my-spec.xml: claims to be specification wj-msc version 1, which dosegate "
                      "ships (built-in), but its content differs (SHA-256 ",
                      0) == 0);
  CHECK(test::contains(message, "give it a new id, or raise its version"));
  // One byte of white space is other content too: the hash in every record would differ.
  impersonation(
      edited("samples/specs/wj-msc.xml", "</ReleaseSpecification>", "</ReleaseSpecification>\n"),
      "ws.xml");
  CHECK(test::contains(
      impersonation(edited("samples/specs/msc-exosome.xml", "at-most=\"0.5\" unit=\"EU/mL\"",
                           "at-most=\"5\" unit=\"EU/mL\""),
                    "exo.xml"),
      "exo.xml: claims to be specification msc-exosome version 1, which dosegate "
      "ships (samples/specs/msc-exosome.xml)"));

  // A new id, or a new version, is a specification of its own.
  CHECK_NOTHROW(spec::read(edited("samples/specs/wj-msc.xml", "id=\"wj-msc\" version=\"1\"",
                                  "id=\"wj-msc\" version=\"2\""),
                           "v2.xml"));
  CHECK_NOTHROW(spec::read(
      edited("samples/specs/wj-msc.xml", "id=\"wj-msc\"", "id=\"wj-msc-local\""), "local.xml"));
}

TEST_CASE("every test code of the vocabulary has a name people read", "[spec]") {
  for (const char* code : xml::kTestCodes) {
    INFO(code);
    CHECK_FALSE(spec::test_name(code).empty());
  }
  CHECK(spec::test_name("viability-post-thaw") == "Post-thaw viability");
  CHECK(spec::test_name("cd73") == "CD73 expression");
  CHECK(spec::test_name("no-such-test").empty());
  CHECK(spec::test_name("").empty());
}
