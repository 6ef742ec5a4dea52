// Hostile input to dosegate's own parsers: each is refused with a short message that names the
// element, never a crash (undefined behaviour included), a hang or an acceptance.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/spec/specification.hpp"
#include "dosegate/time.hpp"
#include "test_support.hpp"

using namespace dosegate;
using dosegate::test::read_source;

namespace {

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

std::string coa_with_value(const std::string& value) {
  return replaced(read_source("tests/data/coa/valid/minimal.xml"), "<Result test=\"sterility\"",
                  "<Result test=\"viability-post-thaw\" status=\"complete\"><Method>m</Method>"
                  "<Value unit=\"%\">" +
                      value +
                      "</Value><Completed>2026-11-17</Completed></Result>\n"
                      "    <Result test=\"sterility\"");
}

std::string spec_with(const std::string& extra) {
  return replaced(read_source("tests/data/spec/valid/minimal.xml"), "</ReleaseSpecification>",
                  extra + "\n</ReleaseSpecification>");
}

std::string nested(const std::string& name, std::size_t depth) {
  std::string open, close;
  for (std::size_t i = 0; i < depth; ++i) {
    open += "<" + name + ">";
    close += "</" + name + ">";
  }
  return open + close;
}

// The one diagnostic a hostile CoA gets.
Diagnostic only_error(const std::string& xml) {
  const auto r = coa::read(xml, "hostile.xml");
  CHECK_FALSE(r.certificate);
  REQUIRE(r.errors.size() == 1);
  return r.errors[0];
}

std::string spec_error(const std::string& xml) {
  try {
    spec::read(xml, "hostile.xml");
  } catch (const SpecError& e) {
    return e.what();
  }
  FAIL("the specification was accepted");
  return "";
}

const char* const kOverflowingExponents[] = {"1e99999999999", "1e-99999999999",
                                             "1e99999999999999999999", "1E+9999999",
                                             "2.5e-000000000000000000000000000000000000000001"};

}  // namespace

TEST_CASE("a CoA result value with an overflowing exponent is refused, naming the exponent",
          "[hostile][coa][decimal]") {
  for (const char* value : kOverflowingExponents) {
    INFO(value);
    const auto e = only_error(coa_with_value(value));
    CHECK(e.path == "/CertificateOfAnalysis/Results/Result[1]/Value");
    CHECK(e.message.find("<Value>: '" + std::string(value) + "' has an exponent of ") == 0);
    CHECK(e.message.find("digits; exponents run from -999999 to 999999") != std::string::npos);
  }
}

TEST_CASE("a CoA result value of 10,000 digits is refused in a short message",
          "[hostile][coa][decimal]") {
  const auto e = only_error(coa_with_value(std::string(10000, '7')));
  CHECK(e.path == "/CertificateOfAnalysis/Results/Result[1]/Value");
  CHECK(
      e.message.find("(10000 characters) has 10000 characters; a decimal number has at most 64") !=
      std::string::npos);
  CHECK(e.message.size() < 400);
}

TEST_CASE("a specification limit with an overflowing exponent is refused, naming the attribute",
          "[hostile][spec][decimal]") {
  for (const char* value : kOverflowingExponents) {
    INFO(value);
    const auto message =
        spec_error(spec_with("<Criterion test=\"viability-post-thaw\" unit=\"%\" at-least=\"" +
                             std::string(value) + "\"/>"));
    CHECK(message.find("/ReleaseSpecification/Criterion[2]: attribute 'at-least': '" +
                       std::string(value) + "' has an exponent of ") != std::string::npos);
  }
}

TEST_CASE("a specification limit of 10,000 digits is refused in a short message",
          "[hostile][spec][decimal]") {
  const auto message =
      spec_error(spec_with("<Criterion test=\"viability-post-thaw\" unit=\"%\" at-most=\"" +
                           std::string(10000, '9') + "\"/>"));
  CHECK(message.find("/ReleaseSpecification/Criterion[2]: attribute 'at-most': '999") !=
        std::string::npos);
  CHECK(message.find("(10000 characters) has 10000 characters") != std::string::npos);
  CHECK(message.size() < 500);
}

TEST_CASE("a use-within-after-thaw beyond any integer is refused as too long", "[hostile][spec]") {
  for (const char* minutes : {"99999999999999999999", "2147483648", "10081"}) {
    INFO(minutes);
    const auto message =
        spec_error(spec_with("<UseWithinAfterThaw minutes=\"" + std::string(minutes) + "\"/>"));
    CHECK(message.find("/ReleaseSpecification/UseWithinAfterThaw: attribute 'minutes': '" +
                       std::string(minutes) + "' is more than 10080 minutes (one week)") !=
          std::string::npos);
  }
  const auto zero = spec_error(spec_with("<UseWithinAfterThaw minutes=\"0000000000000\"/>"));
  CHECK(zero.find("is not a whole number of minutes from 1 to 10080") != std::string::npos);
}

TEST_CASE("a CoA nested 100,000 elements deep is refused at the depth limit",
          "[hostile][coa][xml]") {
  const auto e = only_error(replaced(read_source("tests/data/coa/valid/minimal.xml"),
                                     "<Conclusion>conforms", "<Conclusion>" + nested("a", 100000)));
  CHECK(e.path == "/CertificateOfAnalysis/Conclusion");
  CHECK(e.message ==
        "element <a> is nested more than 256 elements deep; dosegate reads "
        "documents nested at most that deep");
}

TEST_CASE("deep nesting inside an enveloped signature is refused, not passed on",
          "[hostile][coa][xml]") {
  const auto e = only_error(
      replaced(read_source("tests/data/coa/valid/minimal.xml"), "</CertificateOfAnalysis>",
               "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">" +
                   nested("ds:a", 100000) + "</ds:Signature></CertificateOfAnalysis>"));
  CHECK(e.path == "/CertificateOfAnalysis/Signature");
  CHECK(e.message.find("is nested more than 256 elements deep") != std::string::npos);
}

TEST_CASE("deep nesting with a processing instruction at every level ends quickly",
          "[hostile][coa][xml]") {
  std::string open, close;
  for (int i = 0; i < 20000; ++i) {
    open += "<a><?p?>";
    close += "</a>";
  }
  const auto e = only_error(replaced(read_source("tests/data/coa/valid/minimal.xml"),
                                     "<Conclusion>conforms", "<Conclusion>" + open + close));
  CHECK(e.message.find("is nested more than 256 elements deep") != std::string::npos);
}

TEST_CASE("a specification nested 100,000 elements deep is refused at the depth limit",
          "[hostile][spec][xml]") {
  const auto message = spec_error(replaced(read_source("tests/data/spec/valid/minimal.xml"),
                                           "<Criterion test=\"sterility\" outcome=\"no-growth\"/>",
                                           "<Criterion test=\"sterility\" outcome=\"no-growth\">" +
                                               nested("a", 100000) + "</Criterion>"));
  CHECK(message.find("/ReleaseSpecification/Criterion: element <a> is nested more than 256 "
                     "elements deep") != std::string::npos);
}

TEST_CASE("a CoA with 50,000 problems lists the first 100 and stops", "[hostile][coa][xml]") {
  std::string results;
  for (int i = 0; i < 50000; ++i)
    results +=
        "<Result test=\"sterility\" status=\"pending\"><Method>m</Method>"
        "<Expected>2026-12-01</Expected></Result>";
  const auto r = coa::read(
      replaced(read_source("tests/data/coa/valid/minimal.xml"), "<Results>", "<Results>" + results),
      "hostile.xml");
  CHECK_FALSE(r.certificate);
  REQUIRE(r.errors.size() == 101);
  CHECK(r.errors.back().message == "more than 100 problems; the first 100 are listed");
}

TEST_CASE("an element with 50,000 attributes is read in reasonable time", "[hostile][coa][xml]") {
  std::string attributes;
  for (int i = 0; i < 50000; ++i) attributes += " a" + std::to_string(i) + "=\"1\"";
  attributes += " a7=\"2\"";
  const auto r = coa::read(replaced(read_source("tests/data/coa/valid/minimal.xml"), "<Conclusion>",
                                    "<Conclusion" + attributes + ">"),
                           "hostile.xml");
  CHECK_FALSE(r.certificate);
  CHECK(r.errors.size() == 101);
  CHECK(r.errors.front().message == "duplicate attribute 'a7'");
}

TEST_CASE("an overlong scan is refused before it is read, in a short message",
          "[hostile][isbt128]") {
  const std::string scan = "=A99992600014700=<S7777VA0" + std::string(100000, '0');
  try {
    isbt128::parse_scanned_dose(scan);
    FAIL("the scan was accepted");
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    CHECK(message ==
          "the scan '=A99992600014700=<S7777VA000000000000000...' (100026 characters) is too long "
          "for an ISBT 128 bag label (at most 200 characters)");
  }
  // The longest real scans still read.
  CHECK(isbt128::parse_scanned_dose("=A99992600015400=<S1234V99000001").division == "000001");
  CHECK(isbt128::parse_scanned_dose("A9999 26 000147 9 S7777VA0").division == "A0");
}

TEST_CASE("an overlong time is refused in a short message", "[hostile][time]") {
  const std::string long_time = "2026-11-18T14:05:00Z" + std::string(100000, '0');
  CHECK_FALSE(parse_utc_instant(long_time));
  CHECK_FALSE(parse_date(long_time));
  const auto e = only_error(replaced(read_source("tests/data/coa/valid/minimal.xml"),
                                     "2026-11-18T14:05:00Z</Issued>", long_time + "</Issued>"));
  CHECK(e.path == "/CertificateOfAnalysis/Issued");
  CHECK(e.message.find("<Issued>: '2026-11-18T14:05:00Z000") == 0);
  CHECK(e.message.find("...' (100020 characters) is not a UTC date and time") != std::string::npos);
  CHECK(e.message.size() < 400);

  const auto cli = test::run_cli(
      {"verify", "samples/coa-pass.xml", "--trust", "certs/trust", "--as-of", long_time});
  CHECK(cli.code == 2);
  CHECK(cli.err.find("--as-of '2026-11-18T14:05:00Z000") != std::string::npos);
  CHECK(cli.err.find("(100020 characters) is not a time") != std::string::npos);
  CHECK(cli.err.size() < 400);
}
