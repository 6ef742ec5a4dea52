// The schemas and the reader must agree: every sample and valid document passes both, every
// invalid document fails both. Documents under */invalid-reader-only break rules XSD 1.0 cannot
// express (listed in each schema's annotation): xmllint accepts them, the reader must not.
#include <catch2/catch.hpp>

#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "dosegate/spec/specification.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::quote_arg;
using test::source;

namespace {

test::ProcessResult xmllint(const std::string& schema, const std::string& relative) {
  return test::run_process("xmllint --noout --nonet --schema " + quote_arg(source(schema)) + " " +
                           quote_arg(source(relative)));
}

bool reader_accepts_coa(const std::string& relative) {
  return coa::read(test::read_source(relative), relative).certificate.has_value();
}

bool reader_accepts_spec(const std::string& relative) {
  try {
    spec::read(test::read_source(relative), relative);
    return true;
  } catch (const SpecError&) {
    return false;
  }
}

std::vector<std::string> sample_coas() {
  std::vector<std::string> out;
  for (const auto& f : test::xml_files("samples")) out.push_back(f);
  return out;
}

}  // namespace

TEST_CASE("xmllint is available for the schema tests", "[schema]") {
  REQUIRE(test::run_process("xmllint --version").code == 0);
}

TEST_CASE("CoA schema: samples and valid documents pass xmllint and the reader", "[schema]") {
  auto files = sample_coas();
  for (const auto& f : test::xml_files("tests/data/coa/valid")) files.push_back(f);
  REQUIRE(files.size() >= 10);
  for (const auto& f : files) {
    INFO(f);
    const auto r = xmllint("schemas/coa.xsd", f);
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(reader_accepts_coa(f));
  }
}

TEST_CASE("CoA schema: invalid documents fail xmllint and the reader", "[schema]") {
  const auto files = test::xml_files("tests/data/coa/invalid");
  REQUIRE(files.size() >= 30);
  for (const auto& f : files) {
    INFO(f);
    const auto r = xmllint("schemas/coa.xsd", f);
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK(r.output.find("fails to validate") != std::string::npos);
    CHECK_FALSE(reader_accepts_coa(f));
  }
}

TEST_CASE("CoA schema: reader-only rules pass xmllint and fail the reader", "[schema]") {
  const auto files = test::xml_files("tests/data/coa/invalid-reader-only");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    INFO(f);
    CHECK(xmllint("schemas/coa.xsd", f).code == 0);
    CHECK_FALSE(reader_accepts_coa(f));
  }
}

TEST_CASE("specification schema: shipped and valid specifications pass both", "[schema]") {
  auto files = test::xml_files("samples/specs");
  for (const auto& f : test::xml_files("tests/data/spec/valid")) files.push_back(f);
  for (const auto& f : files) {
    INFO(f);
    const auto r = xmllint("schemas/release-spec.xsd", f);
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(reader_accepts_spec(f));
  }
}

TEST_CASE("specification schema: invalid specifications fail both", "[schema]") {
  const auto files = test::xml_files("tests/data/spec/invalid");
  REQUIRE(files.size() >= 12);
  for (const auto& f : files) {
    INFO(f);
    const auto r = xmllint("schemas/release-spec.xsd", f);
    INFO(r.output);
    CHECK(r.code != 0);
    CHECK_FALSE(reader_accepts_spec(f));
  }
}

TEST_CASE("specification schema: reader-only rules pass xmllint and fail the reader", "[schema]") {
  for (const auto& f : test::xml_files("tests/data/spec/invalid-reader-only")) {
    INFO(f);
    CHECK(xmllint("schemas/release-spec.xsd", f).code == 0);
    CHECK_FALSE(reader_accepts_spec(f));
  }
}
