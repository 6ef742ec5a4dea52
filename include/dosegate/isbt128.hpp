// ISBT 128 identifiers used on cellular therapy labels: the Donation Identification Number
// (DIN, data structure 001), the product code (data structure 003) and division codes; and the
// reader of what a bedside scanner sends from a bag label.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

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

// What a bag label's scans (or its eye-readable text) identify.
struct ScannedDose {
  std::string din;           // 13 characters
  std::string product_code;  // as on the label: S + 4 digits + type + division (or 99)
  std::string division;      // "A0".."Zz", or 6 digits for Product Divisions
};

// A scan longer than this is refused without being read (a compound message of the data
// structures a bag label carries fits several times over).
inline constexpr std::size_t kMaxScanLength = 200;
// At most this many scans make one dose: the DIN, the product code, Product Divisions and one
// more (a scanner that sends a label's other bar codes as well).
inline constexpr std::size_t kMaxScans = 4;
// At most this many lines, blank ones included, are read from standard input.
inline constexpr std::size_t kMaxScanLines = 16;

// Reads the bag label's scans, given apart (one bar code each, in any order) or together.
// Each scan is one of:
//  - ISBT 128 data structures, as a scanner sends them: the DIN (data structure 001: "=" + 13
//    characters + 2 flag characters, e.g. "=A99992600015400"), the product code (003: "=<" + 8
//    characters, e.g. "=<S1234VB0"; for Product Divisions "=<S1234V99" followed either by the
//    6-digit division or by data structure 032 "=,000001"), concatenated or not
//    ("=A99992600015400=<S1234VB0", what a concatenated Code 128 read sends); other data
//    structures of known length (blood groups, expiry, ...) are stepped over;
//  - a compound message (data structure 023: "=+" + 2 digits, the number of data structures
//    that follow, + "000", then those data structures), as read from a DataMatrix;
//  - the eye-readable DIN with its check character and the product code, spaces optional:
//    "A9999 26 000154 B S1234VB0".
// A trailing CR and/or LF is ignored, and so is an AIM symbology identifier at the start:
// "]C0" and "]C4" (Code 128; 4: ISBT 128 concatenation done by the scanner) and "]d1" (Data
// Matrix ECC 200, the ISBT 128 2-D symbol); any other symbology identifier is refused by name.
// Across all scans the DIN and the product code must each appear exactly once.
// Throws std::invalid_argument with a message that names the scan, what is wrong and the data
// structure expected; a wrong check character or wrong check flags say "wrong check character"
// without showing the right one. The release record's own bar code (record_barcode_data) is
// refused as such. More than kMaxScans scans, and a scan longer than kMaxScanLength
// characters, are refused without being read.
ScannedDose parse_scans(const std::vector<std::string>& scans);

// parse_scans of one scan.
ScannedDose parse_scanned_dose(std::string_view scanned);

// The scans a scanner typed into standard input: one per line, a trailing CR stripped, blank
// lines ignored. Throws std::invalid_argument, without reading further, for a line longer than
// kMaxScanLength characters, more than kMaxScans scans or kMaxScanLines lines, and for input
// without a scan.
std::vector<std::string> read_scan_lines(std::istream& in);

// What a release record's printed bar codes (Code 128 and DataMatrix) hold: the prefix and the
// record id (DIN-PRODUCTCODE-DIVISION), e.g. "dosegate-record:A999926000154-S1234V00-B0". Not
// ISBT 128 data: scanning the paper record in place of the bag never reads as the bag, and
// parse_scans refuses it with "this is the release record's bar code; scan the bag label".
inline constexpr std::string_view kRecordBarcodePrefix = "dosegate-record:";
std::string record_barcode_data(std::string_view record_id);

}  // namespace dosegate::isbt128
