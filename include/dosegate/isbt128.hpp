// ISBT 128 identifiers used on cellular therapy labels: the Donation Identification Number
// (DIN, data structure 001), the product code (data structure 003) and division codes.
#pragma once

#include <string>
#include <string_view>

namespace dosegate::isbt128 {

// True for a 13-character DIN: facility letter A-N, P-Z or digit 1-9, then 12 digits
// (4 more facility digits, 2-digit year, 6-digit sequence). Flags and check character excluded.
bool is_valid_din(std::string_view din);

// The ISO/IEC 7064 mod 37-2 check character over the 13 DIN characters (0-9, A-Z or '*').
// Precondition: is_valid_din(din) or, more generally, only 0-9 and A-Z; throws
// std::invalid_argument otherwise.
char din_check_character(std::string_view din);

// The two flag digits that carry the check value in the bar-coded DIN ("60" + value).
std::string din_check_flags(std::string_view din);

// The eye-readable form printed on labels: "A9999 26 000147 X".
std::string din_eye_readable(std::string_view din);

// A DIN as a person types or a scanner reads it, without a product code: the 13 characters
// ("A999926000147"), the eye-readable form with its check character ("A9999 26 000147 9",
// spaces optional), or the bar-coded DIN data structure ("=A99992600014700"; flags 60 to 96
// must carry the check value). Returns the 13 characters. Throws std::invalid_argument with a
// message that names what is wrong and the forms accepted (a wrong check character or flag
// included). Input longer than kMaxScanLength characters is refused without being read.
std::string parse_din(std::string_view text);

// Product code as written in a CoA: "S" + 4 digits (product description), one type-of-donation
// character, then "00" (divided with 2-character division codes) or "99" (Product Divisions).
bool is_valid_product_code(std::string_view code);

enum class DivisionScheme { unknown, two_character, product_divisions };

// Which division scheme a valid product code uses; unknown for an invalid code.
DivisionScheme division_scheme(std::string_view product_code);

// A0..Z0 and Aa..Zz for two_character; 000001..999999 for product_divisions.
bool is_valid_division(DivisionScheme scheme, std::string_view division);

// What a bag label's scan (or its eye-readable text) identifies.
struct ScannedDose {
  std::string din;           // 13 characters
  std::string product_code;  // as on the label: S + 4 digits + type + division (or 99)
  std::string division;      // "A0".."Zz", or 6 digits for Product Divisions
};

// Parses what a scanner reads from the bag label: the DIN data structure ("=" + 13-character
// DIN + 2 flag characters) followed by the product code data structure ("=<" + product code,
// for Product Divisions followed by the 6-digit division), e.g. "=A99992600014700=<S7777VA0";
// or the eye-readable DIN with its check character followed by the product code, e.g.
// "A9999 26 000147 9 S7777VA0" (spaces optional). Throws std::invalid_argument with a message
// that names what is wrong (a wrong check character or flag included).
// A scan longer than kMaxScanLength characters is refused without being read.
inline constexpr std::size_t kMaxScanLength = 64;
ScannedDose parse_scanned_dose(std::string_view scanned);

}  // namespace dosegate::isbt128
