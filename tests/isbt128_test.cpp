#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dosegate/isbt128.hpp"

using namespace dosegate::isbt128;

namespace {

// The message of the std::invalid_argument that reading `scans` throws.
std::string refusal(const std::vector<std::string>& scans) {
  try {
    parse_scans(scans);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("the scans were accepted");
  return {};
}

std::string refusal_of_input(const std::string& input) {
  std::istringstream in(input);
  try {
    read_scan_lines(in);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  FAIL("the input was accepted");
  return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Lot A999926000154 (check character B, check flags 71), dose B0.
void check_b0(const ScannedDose& dose) {
  CHECK(dose.din == "A999926000154");
  CHECK(dose.product_code == "S1234VB0");
  CHECK(dose.division == "B0");
}

}  // namespace

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

TEST_CASE("scans: the DIN and the product code scanned apart read in either order",
          "[isbt128][scan]") {
  check_b0(parse_scans({"=A99992600015400", "=<S1234VB0"}));
  check_b0(parse_scans({"=<S1234VB0", "=A99992600015400"}));
  // Product Divisions: the product code ending 99 and data structure 032, in any order.
  for (const auto& scans :
       std::vector<std::vector<std::string>>{{"=A99992600015471", "=<S1234V99", "=,000120"},
                                             {"=,000120", "=<S1234V99", "=A99992600015471"},
                                             {"=<S1234V99000120", "=A99992600015471"}}) {
    const auto dose = parse_scans(scans);
    CHECK(dose.din == "A999926000154");
    CHECK(dose.product_code == "S1234V99");
    CHECK(dose.division == "000120");
  }
}

TEST_CASE("scans: the concatenated scan and the eye-readable entry still read", "[isbt128][scan]") {
  check_b0(parse_scans({"=A99992600015400=<S1234VB0"}));
  check_b0(parse_scanned_dose("=A99992600015471=<S1234VB0"));
  check_b0(parse_scans({"A9999 26 000154 B S1234VB0"}));
  check_b0(parse_scans({"A999926000154B=<S1234VB0"}));
}

TEST_CASE("scans: a trailing CR, LF or CR LF is the scanner's, not the label's",
          "[isbt128][scan]") {
  for (const char* end : {"\r", "\n", "\r\n", "\n\r\n"}) {
    INFO(end);
    check_b0(parse_scans({std::string("=A99992600015400") + end, std::string("=<S1234VB0") + end}));
    check_b0(parse_scans({std::string("A9999 26 000154 B S1234VB0") + end}));
  }
  // A line break inside one scan is two scans run together: refused, not split.
  const auto message = refusal({"=A99992600015400\r\n=<S1234VB0"});
  CHECK(contains(message, "holds a line break"));
  CHECK(contains(message, "\\x0d\\x0a"));  // shown, never printed raw
}

TEST_CASE("scans: the AIM symbology identifiers for Code 128 and Data Matrix ECC 200 are read past",
          "[isbt128][scan]") {
  check_b0(parse_scans({"]C0=A99992600015400", "]C0=<S1234VB0\r\n"}));
  check_b0(parse_scans({"]C4=A99992600015400=<S1234VB0"}));  // the scanner concatenated
  check_b0(parse_scans({"]d1=+02000=A99992600015400=<S1234VB0\r"}));
  check_b0(parse_scans({"]d2=+02000=A99992600015400=<S1234VB0\r\n"}));
}

TEST_CASE("scans: any other symbology identifier is refused, naming the symbology",
          "[isbt128][scan]") {
  CHECK(contains(refusal({"]Q1=A99992600015400=<S1234VB0"}),
                 "the symbology identifier ']Q1' (QR Code) is not how an ISBT 128 bag label "
                 "reads: expected ]C0 or ]C4 (Code 128), ]d1 or ]d2 (Data Matrix ECC 200) or "
                 "none"));
  CHECK(
      contains(refusal({"]C1=A99992600015400=<S1234VB0"}), "(Code 128 with FNC1 first, GS1-128)"));
  // ]d2 is read past, but GS1 data after it (application identifiers) is not ISBT 128.
  CHECK(contains(refusal({"]d201095011010209171719050810ABCD1234"}),
                 "after the symbology identifier ]d2, expected ISBT 128 data structures"));
  CHECK(contains(refusal({"]E0", "=A99992600015400=<S1234VB0"}), "scan 1 ']E0'"));
  CHECK(contains(refusal({"]E0=A99992600015400=<S1234VB0"}), "(EAN/UPC)"));
  CHECK(contains(refusal({"]X9=A99992600015400=<S1234VB0"}), "(an unknown symbology)"));
  CHECK(contains(refusal({"]C"}), "holds no symbology identifier"));
  CHECK(contains(refusal({"]C0"}), "holds only the symbology identifier ]C0"));
  CHECK(contains(refusal({"]C0A9999 26 000154 B S1234VB0"}),
                 "after the symbology identifier ]C0, expected ISBT 128 data structures"));
}

TEST_CASE("scans: a compound message (data structure 023) as a DataMatrix reads",
          "[isbt128][scan]") {
  check_b0(parse_scans({"=+02000=A99992600015471=<S1234VB0"}));
  check_b0(parse_scans({"=+02000=<S1234VB0=A99992600015400"}));
  // Data structures dosegate does not need are stepped over by their length: blood groups
  // (002), expiration date and time (005), processing facility information code (033), chain
  // of identity identifier (040).
  check_b0(parse_scans(
      {"]d1=+06000=A99992600015471=%5100=<S1234VB0&>0263562359&+A9999000001&/CHA999926000001"}));
  // Product Divisions (032) inside the compound message.
  const auto dose = parse_scans({"=+03000=A99992600015471=<S1234V99=,000001"});
  CHECK(dose.product_code == "S1234V99");
  CHECK(dose.division == "000001");
}

TEST_CASE("scans: a compound message with an unknown data structure is refused by its identifier",
          "[isbt128][scan]") {
  CHECK(contains(refusal({"=+03000=A99992600015471=?5100=<S1234VB0"}),
                 "the data identifier '=?' at character 24 is not an ISBT 128 data structure "
                 "dosegate knows: expected the DIN (data structure 001"));
  CHECK(contains(refusal({"=+03000=A99992600015471&a12345=<S1234VB0"}),
                 "the nationally defined data structure '&a' at character 24 is not read"));
  CHECK(contains(refusal({"=+03000=A99992600015471&#AB04XXXX=<S1234VB0"}),
                 "data structure 025 (patient identification number) ('&#') at character 24 is "
                 "of variable length"));
  CHECK(contains(refusal({"=+03000=A99992600015471={123456789012345678=<S1234VB0"}),
                 "data structure 011 (special testing: red blood cell antigens) ('={') at "
                 "character 24 is retired"));
  // A known data structure cut short, or with the next identifier inside its length.
  CHECK(contains(refusal({"=+03000=A99992600015471=%51=<S1234VB0"}),
                 "expected data structure 002 (blood groups: =% and 4 letters or digits) at "
                 "character 24, found '=%51=<'"));
}

TEST_CASE("scans: a compound message whose count does not match what follows is refused",
          "[isbt128][scan]") {
  CHECK(contains(refusal({"=+03000=A99992600015471=<S1234VB0"}),
                 "the compound message (data structure 023) announces 3 data structures, but 2 "
                 "follow: the read is incomplete or damaged"));
  CHECK(contains(refusal({"=+01000=A99992600015471=<S1234VB0"}),
                 "announces 1 data structure, but 2 follow"));
  CHECK(contains(refusal({"=+00000=A99992600015471=<S1234VB0"}), "announces no data structures"));
  CHECK(contains(refusal({"=+02001=A99992600015471=<S1234VB0"}),
                 "follows the sequence 001 of ICCBBA's table RT017, which dosegate does not "
                 "check: expected 000"));
  CHECK(contains(refusal({"=+0200"}),
                 "expected a compound message (data structure 023: =+, 2 digits for the number "
                 "of data structures that follow and 000, e.g. =+02000), found '=+0200'"));
  CHECK(contains(refusal({"=A99992600015471=+01000=<S1234VB0"}),
                 "a compound message (data structure 023) at character 17: it may only begin a "
                 "scan"));
  // The 6-digit division straight after the product code is the linear form, not a data
  // structure: inside a compound message it is refused.
  CHECK(contains(refusal({"=+02000=A99992600015471=<S1234V99000001"}),
                 "expected the next data structure's identifier (= or &) at character 34, found "
                 "'0'"));
}

TEST_CASE("scans: the DIN and the product code each appear exactly once", "[isbt128][scan]") {
  CHECK(contains(refusal({"=A99992600015400"}),
                 "no product code in the scan (only DIN A999926000154): expected the product "
                 "code (data structure 003: =< and 8 characters"));
  CHECK(contains(refusal({"=<S1234VB0", "=%5100"}),
                 "no DIN in the 2 scans (only the product code S1234VB0): expected the DIN (data "
                 "structure 001: = and 13 characters and 2 flag characters"));
  CHECK(contains(refusal({"=%5100"}), "neither a DIN nor a product code in the scan: expected"));
  CHECK(contains(refusal({"=A99992600015400", "=A99992600014700=<S1234VB0"}),
                 "two different DINs, A999926000154 (scan 1) and A999926000147 (scan 2): the "
                 "scans are not of one bag label"));
  CHECK(contains(refusal({"=A99992600015400=<S1234VA0", "=<S1234VB0"}),
                 "two different product codes, S1234VA0 (scan 1) and S1234VB0 (scan 2)"));
  CHECK(contains(refusal({"=A99992600015400=<S1234VB0", "=A99992600015400"}),
                 "the DIN A999926000154 is scanned twice (scan 1 and scan 2): scan each bar code "
                 "once"));
  CHECK(contains(refusal({"=+03000=A99992600015400=<S1234VB0=<S1234VB0"}),
                 "the product code S1234VB0 appears twice in the scan: scan each bar code "
                 "once"));
  // Product Divisions: needed with 99, refused otherwise, once.
  CHECK(contains(refusal({"=A99992600015471=<S1234V99"}),
                 "the product code S1234V99 has Product Divisions (99), and no division is given: "
                 "expected the 6-digit division after it, or Product Divisions (data structure "
                 "032: =, and 6 digits, e.g. =,000001)"));
  CHECK(contains(refusal({"=A99992600015471=<S1234VB0", "=,000001"}),
                 "carries its own division (B0)"));
  CHECK(contains(refusal({"=A99992600015471=<S1234V99000001", "=,000002"}),
                 "two different Product Divisions values, 000001 (scan 1) and 000002 (scan 2)"));
  CHECK(contains(refusal({"=A99992600015471=<S1234V99", "=,000000"}),
                 "'000000' is not a Product Divisions value (000001 to 999999)"));
}

TEST_CASE("scans: a wrong check character or wrong check flags never show the right one",
          "[isbt128][scan]") {
  for (const char* din : {"A999926000154", "A999926000147", "G123417654321"}) {
    const char right = din_check_character(din);
    const std::string flags = din_check_flags(din);
    for (char wrong : std::string("0129ABZ*")) {
      if (wrong == right) continue;
      const auto message = refusal({std::string(din).substr(0, 5) + " " +
                                    std::string(din).substr(5) + " " + wrong + " S1234VB0"});
      INFO(message);
      CHECK(contains(message, "wrong check character '" + std::string(1, wrong) + "'"));
      CHECK_FALSE(contains(message, "'" + std::string(1, right) + "'"));
      CHECK_FALSE(contains(message, din_eye_readable(din)));
      CHECK_FALSE(contains(message, "expected '"));
    }
    for (const char* wrong : {"60", "61", "95", "96"}) {
      if (flags == wrong) continue;
      const auto message = refusal({"=" + std::string(din) + wrong + "=<S1234VB0"});
      INFO(message);
      CHECK(contains(message, "wrong check character"));
      CHECK_FALSE(contains(message, flags));
      CHECK_FALSE(contains(message, "(" + flags + ")"));
    }
  }
  // Flags below 60 carry no check value, and are not checked.
  check_b0(parse_scans({"=A99992600015459=<S1234VB0"}));
}

TEST_CASE("scans: a malformed scan names the data structure expected", "[isbt128][scan]") {
  const std::string din =
      "expected the DIN (data structure 001: = and 13 characters and 2 flag characters";
  CHECK(contains(refusal({"=A9999260001"}), din + ", e.g. =A99992600015400) at character 1, "
                                                  "found '=A9999260001' (12 characters)"));
  CHECK(contains(refusal({"=A9999260001X700", "=<S1234VB0"}),
                 "'A9999260001X7' at character 1 is not a DIN (a facility letter A-N, P-Z or "
                 "digit 1-9, then 12 digits): " +
                     din));
  CHECK(contains(refusal({"=A999926000154AB=<S1234VB0"}),
                 "the flag characters 'AB' of DIN A999926000154 are not two digits: " + din));
  CHECK(contains(refusal({"=A99992600015400=<S1234V"}),
                 "expected the product code (data structure 003: =< and 8 characters, e.g. "
                 "=<S1234VB0; for Product Divisions =<S1234V99 and the 6-digit division) at "
                 "character 17, found '=<S1234V' (8 characters)"));
  CHECK(contains(refusal({"=A99992600015400=<E1234VB0"}),
                 "'E1234VB0' is not a cellular therapy product code"));
  CHECK(contains(refusal({"=A99992600015400=<S1234VB1"}),
                 "'B1' in the product code S1234VB1 is neither a division code"));
  CHECK(contains(refusal({"=A99992600015400S1234VB0"}),
                 "expected the next data structure's identifier (= or &) at character 17, found "
                 "'S'"));
  CHECK(contains(refusal({"=A99992600015471=<S1234V990001"}),
                 "after the product code S1234V99, expected its 6-digit division or Product "
                 "Divisions (data structure 032"));
  CHECK(contains(refusal({"A9999 26 0001"}), "too short: expected the eye-readable DIN"));
  CHECK(contains(refusal({""}), "nothing was read: " + din));
  CHECK(contains(refusal({}), "no scan given: " + din));
  // Control characters in a scan are shown as escapes.
  CHECK(contains(refusal({"=A9999\x1b[2K"}), "'=A9999\\x1b[2K'"));
}

TEST_CASE("scans: the release record's bar code is refused as such, never read as the bag",
          "[isbt128][scan]") {
  const auto record = record_barcode_data("A999926000154-S1234V00-B0");
  CHECK(record == "dosegate-record:A999926000154-S1234V00-B0");
  CHECK(refusal({record}) == "this is the release record's bar code; scan the bag label");
  CHECK(refusal({"]d1" + record + "\r\n"}) ==
        "this is the release record's bar code; scan the bag label");
  CHECK(refusal({"]C0DOSEGATE-RECORD:A999926000154-S1234V00-B0"}) ==
        "this is the release record's bar code; scan the bag label");
  CHECK(refusal({"=A99992600015400=<S1234VB0", record}) ==
        "this is the release record's bar code; scan the bag label (scan 2)");
}

TEST_CASE("scans: too many scans, or a scan too long, are refused unread", "[isbt128][scan]") {
  CHECK(refusal({"=A99992600015400", "=<S1234VB0", "=%5100", "&>0263562359", "=%5100"}) ==
        "5 scans given: at most 4 make one dose (the DIN, the product code and Product "
        "Divisions, apart or together)");
  const std::string longest(kMaxScanLength + 1, '=');
  CHECK(contains(refusal({"=<S1234VB0", longest}),
                 "scan 2 '========================================...' (201 characters) is too "
                 "long for an ISBT 128 bag label (at most 200 characters)"));
}

TEST_CASE("scan lines: one scan a line from standard input, line ends and blank lines ignored",
          "[isbt128][scan]") {
  const auto read = [](const std::string& input) {
    std::istringstream in(input);
    return read_scan_lines(in);
  };
  const std::vector<std::string> two{"=A99992600015400", "=<S1234VB0"};
  CHECK(read("=A99992600015400\n=<S1234VB0\n") == two);
  CHECK(read("=A99992600015400\r\n=<S1234VB0\r\n") == two);
  CHECK(read("=A99992600015400\r=<S1234VB0\r") == two);  // a scanner sending CR alone
  CHECK(read("\n\n=A99992600015400\n \t\n\r\n=<S1234VB0") == two);
  check_b0(parse_scans(read("]C0=<S1234VB0\r\n]C0=A99992600015400\r\n")));
}

TEST_CASE("scan lines: too many scans or lines, a line too long or no scan are refused",
          "[isbt128][scan]") {
  CHECK(refusal_of_input("a\nb\nc\nd\ne\n") ==
        "standard input holds more than 4 scans: at most 4 make one dose, one per line");
  CHECK(refusal_of_input(std::string(17, '\n')) ==
        "standard input holds more than 16 lines: expected the bag label's scans, one per line");
  CHECK(refusal_of_input("=<S1234VB0\n" + std::string(kMaxScanLength + 1, 'x') + "\n") ==
        "line 2 of standard input is longer than 200 characters: not a scan of a bag label");
  // Refused at the bound, without reading the rest.
  std::istringstream endless(std::string(kMaxScanLength + 1, 'x') + std::string(100000, 'y'));
  CHECK_THROWS_AS(read_scan_lines(endless), std::invalid_argument);
  CHECK(endless.tellg() == static_cast<std::streamoff>(kMaxScanLength + 1));
  CHECK(contains(refusal_of_input(""), "standard input holds no scan"));
  CHECK(contains(refusal_of_input("\r\n \n"), "standard input holds no scan"));
}
