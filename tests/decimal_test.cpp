#include <catch2/catch.hpp>

#include "dosegate/decimal.hpp"

using dosegate::Decimal;

namespace {
Decimal d(const char* s) {
  auto v = Decimal::parse(s);
  REQUIRE(v.has_value());
  return *v;
}
}  // namespace

TEST_CASE("decimal parses the schema's syntax and nothing else", "[decimal]") {
  for (const char* ok : {"0", "98.7", "0.5", "5.1e7", "5.1E7", "-2", "+3.25", "4.0e7", "1e-3",
                         "007", "94.9999999999999999"})
    CHECK(Decimal::parse(ok).has_value());
  for (const char* bad : {"", " 1", "1 ", ".5", "5.", "1e", "1e+", "INF", "NaN", "inf", "0x1F",
                          "98,7", "1..2", "--1", "1e1234567", "5.1e7.2", "1_000", "\xd9\xa1"})
    CHECK_FALSE(Decimal::parse(bad).has_value());
  CHECK_FALSE(Decimal::parse(std::string(65, '1')).has_value());
}

TEST_CASE("decimal keeps the text as written", "[decimal]") {
  CHECK(d("5.1e7").text() == "5.1e7");
  CHECK(d("95.0").text() == "95.0");
  CHECK(Decimal().text() == "0");
  CHECK(Decimal().is_zero());
}

TEST_CASE("decimal boundaries compare exactly, never as binary floating point", "[decimal]") {
  CHECK(d("95.0") == d("95"));
  CHECK(d("95.000") == d("95"));
  CHECK(d("94.99") < d("95"));
  // A double rounds both of these to 95.0; an exact decimal does not.
  CHECK(d("94.9999999999999999") < d("95"));
  CHECK(d("95.0000000000000001") > d("95"));
  CHECK(d("90.0") == d("90"));
  CHECK(d("90.0000000000000000001") > d("90"));
  // 0.1 + 0.2 style traps: the text is compared digit by digit.
  CHECK(d("0.3") == d("0.30"));
  CHECK(d("0.30000000000000004") > d("0.3"));
}

TEST_CASE("decimal compares scientific and plain notation", "[decimal]") {
  CHECK(d("5.1e7") == d("51000000"));
  CHECK(d("4.0e7") < d("4.9e7"));
  CHECK(d("6.0e7") < d("6.00000001e7"));
  CHECK(d("5e-1") == d("0.5"));
  CHECK(d("1e-3") < d("0.01"));
  CHECK(d("1e2") > d("99.999"));
}

TEST_CASE("decimal handles signs and zero", "[decimal]") {
  CHECK(d("-0") == d("0"));
  CHECK(d("+0.000") == d("0e5"));
  CHECK(d("-1") < d("0"));
  CHECK(d("-2") < d("-1"));
  CHECK(d("-1.5") > d("-1.50001"));
  CHECK(d("0.001") > d("-1000"));
  CHECK(d("-0.5").is_negative());
  CHECK_FALSE(d("-0").is_negative());
}

TEST_CASE("decimal canonical form", "[decimal]") {
  CHECK(d("98.70").canonical() == "98.7");
  CHECK(d("5.1e7").canonical() == "51000000");
  CHECK(d("0.50").canonical() == "0.5");
  CHECK(d("1e-3").canonical() == "0.001");
  CHECK(d("1.5e-12").canonical() == "1.5e-12");
  CHECK(d("-007.10").canonical() == "-7.1");
  CHECK(d("0.000").canonical() == "0");
}
