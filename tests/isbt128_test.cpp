#include <catch2/catch.hpp>
#include <stdexcept>

#include "dosegate/isbt128.hpp"

using namespace dosegate::isbt128;

TEST_CASE("DIN check character: the ISO/IEC 7064 mod 37-2 test vectors", "[isbt128]") {
  CHECK(din_check_character("G123417654321") == 'A');
  CHECK(din_check_character("A999820123456") == 'E');
  CHECK(din_check_character("A999917123456") == '9');
  CHECK(din_check_character("A999917123654") == 'Y');
}

TEST_CASE("DIN check flags carry 60 plus the check value", "[isbt128]") {
  CHECK(din_check_flags("G123417654321") == "70");  // A = 10
  CHECK(din_check_flags("A999917123456") == "69");  // 9
  CHECK(din_check_flags("A999917123654") == "94");  // Y = 34
}

TEST_CASE("DIN check character rejects characters outside the alphabet", "[isbt128]") {
  CHECK_THROWS_AS(din_check_character("a999917123456"), std::invalid_argument);
  CHECK_THROWS_AS(din_check_character("A9999-7123456"), std::invalid_argument);
}

TEST_CASE("DIN eye-readable form", "[isbt128]") {
  CHECK(din_eye_readable("G123417654321") == "G1234 17 654321 A");
  CHECK_THROWS_AS(din_eye_readable("G12341765432"), std::invalid_argument);
}

TEST_CASE("a DIN as typed or scanned: 13 characters, eye-readable, bar-coded", "[isbt128]") {
  CHECK(parse_din("G123417654321") == "G123417654321");
  CHECK(parse_din("G1234 17 654321 A") == "G123417654321");
  CHECK(parse_din("G123417654321A") == "G123417654321");
  CHECK(parse_din("=G12341765432170") == "G123417654321");
  CHECK(parse_din("=G12341765432100") == "G123417654321");  // flags 00: no check value
  CHECK_THROWS_WITH(parse_din("G1234 17 654321 B"),
                    "check character 'B' does not match DIN G123417654321 (expected 'A'): "
                    "mistyped or wrong label");
  CHECK_THROWS_WITH(parse_din("=G12341765432171"),
                    Catch::Matchers::Contains("do not carry the check value of DIN G123417654321"));
  CHECK_THROWS_WITH(parse_din("G12"), Catch::Matchers::Contains("'G12' is not a DIN: give the "
                                                                "13-character DIN"));
  CHECK_THROWS_AS(parse_din("O123417654321"), std::invalid_argument);  // no facility starts O
  CHECK_THROWS_AS(parse_din(std::string(200, 'A')), std::invalid_argument);
}

TEST_CASE("DIN validity", "[isbt128]") {
  CHECK(is_valid_din("A999926000147"));
  CHECK(is_valid_din("1999926000147"));
  CHECK_FALSE(is_valid_din("O999926000147"));  // the letter O is not a facility letter
  CHECK_FALSE(is_valid_din("0999926000147"));
  CHECK_FALSE(is_valid_din("A99992600014"));
  CHECK_FALSE(is_valid_din("A9999260001470"));
  CHECK_FALSE(is_valid_din("A9999260001X7"));
  CHECK_FALSE(is_valid_din("a999926000147"));
}

TEST_CASE("product codes and their division schemes", "[isbt128]") {
  CHECK(is_valid_product_code("S1234V00"));
  CHECK(is_valid_product_code("S1234V99"));
  CHECK(is_valid_product_code("S12340a00") == false);
  CHECK_FALSE(is_valid_product_code("S1234V01"));
  CHECK_FALSE(is_valid_product_code("E1234V00"));
  CHECK_FALSE(is_valid_product_code("S123AV00"));
  CHECK_FALSE(is_valid_product_code("S1234-00"));
  CHECK(division_scheme("S1234V00") == DivisionScheme::two_character);
  CHECK(division_scheme("S1234V99") == DivisionScheme::product_divisions);
  CHECK(division_scheme("S1234V01") == DivisionScheme::unknown);
}

TEST_CASE("division codes", "[isbt128]") {
  const auto two = DivisionScheme::two_character;
  const auto six = DivisionScheme::product_divisions;
  for (const char* ok : {"A0", "B0", "Z0", "Aa", "Zz", "Cq"}) CHECK(is_valid_division(two, ok));
  for (const char* bad : {"A1", "a0", "AA", "0A", "A", "A00", "000001"})
    CHECK_FALSE(is_valid_division(two, bad));
  for (const char* ok : {"000001", "000999", "999999"}) CHECK(is_valid_division(six, ok));
  for (const char* bad : {"000000", "00001", "0000001", "00000A", "A0"})
    CHECK_FALSE(is_valid_division(six, bad));
  CHECK_FALSE(is_valid_division(DivisionScheme::unknown, "A0"));
}
