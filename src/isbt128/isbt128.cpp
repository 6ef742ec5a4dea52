#include "dosegate/isbt128.hpp"

#include <array>
#include <cstdio>
#include <istream>
#include <optional>
#include <stdexcept>

namespace dosegate::isbt128 {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_alnum(char c) {
  return is_digit(c) || is_upper(c) || is_lower(c);
}
bool all_digits(std::string_view s) {
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// A scan in a message: its start, with control and non-ASCII bytes as visible escapes (a scan
// is ASCII; anything else is shown, never sent to the terminal as it is).
std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  std::string out = "'";
  for (const char c : s.substr(0, kShown)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(byte));
      out += hex;
    } else {
      out += c;
    }
  }
  out += s.size() > kShown ? "...' (" + std::to_string(s.size()) + " characters)" : "'";
  return out;
}

int mod37_value(char c) {
  if (is_digit(c)) return c - '0';
  if (is_upper(c)) return c - 'A' + 10;
  if (c == '*') return 36;
  return -1;
}

char mod37_char(int v) {
  if (v < 10) return static_cast<char>('0' + v);
  if (v < 36) return static_cast<char>('A' + (v - 10));
  return '*';
}

int check_value(std::string_view din) {
  int p = 0;
  for (char c : din) {
    const int v = mod37_value(c);
    if (v < 0) throw std::invalid_argument("ISBT 128 DIN contains a character outside 0-9 and A-Z");
    p = ((p + v) * 2) % 37;
  }
  return (38 - p) % 37;
}

}  // namespace
bool is_valid_din(std::string_view din) {
  if (din.size() != 13) return false;
  const char f = din[0];
  if (!((is_upper(f) && f != 'O') || (f >= '1' && f <= '9'))) return false;
  for (std::size_t i = 1; i < din.size(); ++i)
    if (!is_digit(din[i])) return false;
  return true;
}

char din_check_character(std::string_view din) {
  return mod37_char(check_value(din));
}

std::string din_check_flags(std::string_view din) {
  return std::to_string(60 + check_value(din));
}

std::string din_eye_readable(std::string_view din) {
  if (din.size() != 13) throw std::invalid_argument("ISBT 128 DIN must have 13 characters");
  std::string out;
  out.append(din.substr(0, 5)).append(" ").append(din.substr(5, 2)).append(" ");
  out.append(din.substr(7, 6)).append(" ").push_back(din_check_character(din));
  return out;
}

std::string parse_din(std::string_view text) {
  const std::string forms =
      ": give the 13-character DIN (A999926000147), the eye-readable DIN with its check "
      "character (A9999 26 000147 9) or the bar-coded DIN (=A99992600014700)";
  if (text.size() > kMaxScanLength)
    throw std::invalid_argument(quoted(text) + " is too long for a DIN" + forms);
  std::string s;
  for (char c : text)
    if (c != ' ') s += c;
  if (!s.empty() && s[0] == '=') {
    if (s.size() != 16 || !is_valid_din(s.substr(1, 13)))
      throw std::invalid_argument(quoted(text) + " is not a bar-coded DIN" + forms);
    const std::string din = s.substr(1, 13);
    const std::string flags = s.substr(14, 2);
    if (!is_digit(flags[0]) || !is_digit(flags[1]))
      throw std::invalid_argument("flag characters '" + flags + "' of " + quoted(text) +
                                  " are not two digits");
    const int f = (flags[0] - '0') * 10 + (flags[1] - '0');
    if (f > 96) throw std::invalid_argument("flag characters '" + flags + "' are not defined");
    if (f >= 60 && flags != din_check_flags(din))
      throw std::invalid_argument("flag characters '" + flags +
                                  "' do not carry the check value of DIN " + din + " (" +
                                  din_check_flags(din) + "): mistyped or damaged");
    return din;
  }
  if (s.size() == 13 && is_valid_din(s)) return s;
  if (s.size() == 14 && is_valid_din(s.substr(0, 13))) {
    const std::string din = s.substr(0, 13);
    if (s[13] != din_check_character(din))
      throw std::invalid_argument(std::string("check character '") + s[13] +
                                  "' does not match DIN " + din + " (expected '" +
                                  din_check_character(din) + "'): mistyped or wrong label");
    return din;
  }
  throw std::invalid_argument(quoted(text) + " is not a DIN" + forms);
}

bool is_valid_product_code(std::string_view code) {
  if (code.size() != 8 || code[0] != 'S') return false;
  for (std::size_t i = 1; i < 5; ++i)
    if (!is_digit(code[i])) return false;
  if (!(is_digit(code[5]) || is_upper(code[5]) || is_lower(code[5]))) return false;
  const auto tail = code.substr(6);
  return tail == "00" || tail == "99";
}

DivisionScheme division_scheme(std::string_view product_code) {
  if (!is_valid_product_code(product_code)) return DivisionScheme::unknown;
  return product_code.substr(6) == "00" ? DivisionScheme::two_character
                                        : DivisionScheme::product_divisions;
}

bool is_valid_division(DivisionScheme scheme, std::string_view division) {
  switch (scheme) {
    case DivisionScheme::two_character:
      return division.size() == 2 && is_upper(division[0]) &&
             (division[1] == '0' || is_lower(division[1]));
    case DivisionScheme::product_divisions: {
      if (division.size() != 6) return false;
      for (char c : division)
        if (!is_digit(c)) return false;
      return division != "000000";
    }
    case DivisionScheme::unknown: break;
  }
  return false;
}

namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw std::invalid_argument(message);
}

// What a message names as expected, by data structure (ISBT 128 ST-001, section 2.4).
constexpr const char* kDinExpected =
    "the DIN (data structure 001: = and 13 characters and 2 flag characters, e.g. "
    "=A99992600015400)";
constexpr const char* kProductExpected =
    "the product code (data structure 003: =< and 8 characters, e.g. =<S1234VB0; for Product "
    "Divisions =<S1234V99 and the 6-digit division)";
constexpr const char* kDivisionsExpected =
    "Product Divisions (data structure 032: =, and 6 digits, e.g. =,000001)";
constexpr const char* kCompoundExpected =
    "a compound message (data structure 023: =+, 2 digits for the number of data structures "
    "that follow and 000, e.g. =+02000)";
constexpr const char* kEyeReadableExpected =
    "the eye-readable DIN with its check character and the product code, e.g. "
    "A9999 26 000154 B S1234VB0";

// Data structures a bag label may carry besides the DIN, the product code and Product
// Divisions, stepped over by the fixed length of their content (ST-001 Table 2, RT003).
struct Known {
  std::string_view id;
  const char* number;
  const char* name;
  std::size_t length;
};
constexpr std::array<Known, 29> kSteppedOver{{
    {"=%", "002", "blood groups", 4},
    {"=>", "004", "expiration date", 6},
    {"&>", "005", "expiration date and time", 10},
    {"=*", "006", "collection date", 6},
    {"&*", "007", "collection date and time", 10},
    {"=}", "008", "production date", 6},
    {"&}", "009", "production date and time", 10},
    {"&(", "010", "special testing: general", 5},
    {"=\\", "012", "special testing: red blood cell antigens, general", 18},
    {"&\\", "013", "special testing: red blood cell antigens, Finnish", 18},
    {"&{", "014", "special testing: platelet HLA and platelet-specific antigens", 18},
    {"=)", "017", "container manufacturer and catalog number", 10},
    {"&)", "018", "container lot number", 10},
    {"=;", "019", "donor identification number", 21},
    {"='", "020", "staff member identification number", 11},
    {"=-", "021", "manufacturer and catalog number of items other than containers", 10},
    {"&-", "022", "lot number of items other than containers", 10},
    {"=#", "024", "patient date of birth", 10},
    {"=]", "026", "expiration month and year", 6},
    {"&\"", "027", "transfusion transmitted infection marker", 18},
    {"=$", "028", "product consignment", 16},
    {"=(", "031", "flexible date and time", 16},
    {"&+", "033", "processing facility information code", 11},
    {"=/", "034", "processor product identification code", 16},
    {"&,1", "035", "MPHO lot number", 18},
    {"&,2", "036", "MPHO supplemental identification number", 18},
    {"&,4", "038", "Single European Code", 40},
    {"&:", "039", "global registration identifier for donors", 19},
    {"&/", "040", "chain of identity identifier", 15},
}};

// Data structures recognised but not read: retired ones, ones whose length is in their content
// (stepping over them would trust the very bytes being checked), and nationally defined ones.
struct NotRead {
  std::string_view id;
  const char* what;
  const char* why;
};
constexpr std::array<NotRead, 9> kNotRead{{
    {"={", "data structure 011 (special testing: red blood cell antigens)", "retired"},
    {"=[", "data structure 015 (special testing: HLA-A and -B alleles)", "retired"},
    {"=\"", "data structure 016 (special testing: HLA-DRB1 alleles)", "retired"},
    {"&,3", "data structure 037 (global registration identifier for donors)", "retired"},
    {"&#", "data structure 025 (patient identification number)", "of variable length"},
    {"&$", "data structure 029 (dimensions)", "of variable length"},
    {"&%", "data structure 030 (red cell antigens with test history)", "of variable length"},
    {"&;", "the nationally specified donor identification number", "nationally defined"},
    {"&!", "the confidential unit exclusion status", "nationally defined"},
}};

// AIM symbology identifiers (ISO/IEC 15424) a scanner may send before the data. An ISBT 128
// bag label is Code 128 (ISBT 128 concatenation is modifier 4) or Data Matrix ECC 200
// (ST-001 section 6.2). Data Matrix readers differ in the modifier they report for it: ]d1,
// and ]d2 from readers set up for FNC1-first symbols. Both are read past; what follows must
// still be ISBT 128 data structures, so GS1 data (application identifiers) is refused there.
// Code 128 with FNC1 (]C1, ]C2) is GS1 or other industries' data.
constexpr std::array<std::string_view, 4> kAcceptedSymbologies{"]C0", "]C4", "]d1", "]d2"};

std::string symbology_name(std::string_view id) {
  if (id == "]C1") return "Code 128 with FNC1 first, GS1-128";
  if (id == "]C2") return "Code 128 with FNC1 second";
  if (id == "]d0") return "Data Matrix ECC 000-140";
  switch (id[1]) {
    case 'A': return "Code 39";
    case 'C': return "Code 128";
    case 'd': return "Data Matrix";
    case 'E': return "EAN/UPC";
    case 'e': return "GS1 DataBar";
    case 'F': return "Codabar";
    case 'G': return "Code 93";
    case 'I': return "Interleaved 2 of 5";
    case 'L': return "PDF417";
    case 'Q': return "QR Code";
    case 'z': return "Aztec Code";
    default: return "an unknown symbology";
  }
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

struct Piece {
  std::string value;
  std::size_t scan = 0;  // 1-based
};

// What the scans hold so far.
struct Found {
  std::size_t scans = 0;
  std::optional<Piece> din;
  std::optional<Piece> product;    // 8 characters
  std::optional<Piece> divisions;  // 6 digits: after a product code ending 99, or 032
};

std::string scan_name(std::size_t index, std::size_t count) {
  return count == 1 ? "the scan" : "scan " + std::to_string(index);
}

// Each of the DIN, the product code and Product Divisions appears once across all scans.
void put(Found& found, std::optional<Piece> Found::*slot, Piece piece, const char* what,
         const char* plural) {
  auto& held = found.*slot;
  if (!held) {
    held = std::move(piece);
    return;
  }
  const auto in = [&](std::size_t scan) { return scan_name(scan, found.scans); };
  if (held->value != piece.value)
    refuse(std::string("two different ") + plural + ", " + held->value + " (" + in(held->scan) +
           ") and " + piece.value + " (" + in(piece.scan) +
           "): the scans are not of one bag label; scan one label");
  if (held->scan == piece.scan)
    refuse(std::string(what) + " " + piece.value + " appears twice in " + in(piece.scan) +
           ": scan each bar code once");
  refuse(std::string(what) + " " + piece.value + " is scanned twice (" + in(held->scan) + " and " +
         in(piece.scan) + "): scan each bar code once");
}

// One scan being read: names itself and the position of what is wrong in messages.
struct Scan {
  std::string name;    // "the scan '...'" or "scan 2 '...'"
  std::size_t index;   // 1-based
  std::size_t offset;  // characters before the data (a symbology identifier)
  [[noreturn]] void fail(const std::string& what) const { refuse(name + ": " + what); }
  std::string at(std::size_t pos) const { return "character " + std::to_string(offset + pos + 1); }
};

// S + 4 digits + type of donation + a 2-character division, or 99 (Product Divisions).
void check_product_code(const Scan& scan, std::string_view code) {
  if (!(code.size() == 8 && code[0] == 'S' && all_digits(code.substr(1, 4)) && is_alnum(code[5])))
    scan.fail(quoted(code) +
              " is not a cellular therapy product code (S, 4 digits, the type of donation and "
              "the division): expected " +
              kProductExpected);
  const auto tail = code.substr(6);
  if (tail != "99" && !is_valid_division(DivisionScheme::two_character, tail))
    scan.fail("'" + std::string(tail) + "' in the product code " + std::string(code) +
              " is neither a division code (A0..Z0, Aa..Zz) nor 99 (Product Divisions): "
              "expected " +
              kProductExpected);
}

void put_divisions(const Scan& scan, Found& found, std::string_view digits) {
  if (!is_valid_division(DivisionScheme::product_divisions, digits))
    scan.fail(quoted(digits) + " is not a Product Divisions value (000001 to 999999): expected " +
              kDivisionsExpected);
  put(found, &Found::divisions, {std::string(digits), scan.index}, "the Product Divisions value",
      "Product Divisions values");
}

// "=" + 13-character DIN + 2 flag characters; returns the characters read.
std::size_t read_din(const Scan& scan, std::string_view rest, std::size_t pos, Found& found) {
  if (rest.size() < 16)
    scan.fail("expected " + std::string(kDinExpected) + " at " + scan.at(pos) + ", found " +
              quoted(rest) + " (" + std::to_string(rest.size()) + " characters)");
  const std::string din(rest.substr(1, 13));
  if (!is_valid_din(din))
    scan.fail(quoted(din) + " at " + scan.at(pos) +
              " is not a DIN (a facility letter A-N, P-Z or digit 1-9, then 12 digits): expected " +
              kDinExpected);
  const std::string flags(rest.substr(14, 2));
  if (!all_digits(flags))
    scan.fail("the flag characters " + quoted(flags) + " of DIN " + din +
              " are not two digits: expected " + kDinExpected);
  const int f = (flags[0] - '0') * 10 + (flags[1] - '0');
  if (f > 96) scan.fail("the flag characters '" + flags + "' of DIN " + din + " are not defined");
  if (f >= 60 && flags != din_check_flags(din))
    scan.fail("wrong check character: the flag characters '" + flags + "' of DIN " + din +
              " do not carry its check value; the label is damaged or misprinted, or the scan "
              "is forged");
  put(found, &Found::din, {din, scan.index}, "the DIN", "DINs");
  return 16;
}

// "=<" + product code; outside a compound message, a product code ending 99 may be followed
// by its 6-digit division. Returns the characters read.
std::size_t read_product(const Scan& scan, std::string_view rest, std::size_t pos, bool compound,
                         Found& found) {
  if (rest.size() < 10)
    scan.fail("expected " + std::string(kProductExpected) + " at " + scan.at(pos) + ", found " +
              quoted(rest) + " (" + std::to_string(rest.size()) + " characters)");
  const std::string code(rest.substr(2, 8));
  check_product_code(scan, code);
  put(found, &Found::product, {code, scan.index}, "the product code", "product codes");
  if (compound || code.compare(6, 2, "99") != 0 || rest.size() == 10 || !is_digit(rest[10]))
    return 10;
  const auto digits = rest.substr(10, 6);
  if (digits.size() < 6 || !all_digits(digits))
    scan.fail("after the product code " + code + ", expected its 6-digit division or " +
              kDivisionsExpected + ", found " + quoted(rest.substr(10)));
  put_divisions(scan, found, digits);
  return 16;
}

std::string data_structures(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " data structure" : " data structures");
}

// ISBT 128 data structures, each beginning with its data identifier, with nothing between
// them; or a compound message (023) and the number of data structures it announces.
void read_structures(const Scan& scan, std::string_view s, Found& found) {
  std::size_t pos = 0;
  std::optional<std::size_t> announced;
  std::size_t structures = 0;
  while (pos < s.size()) {
    const auto rest = s.substr(pos);
    const char first = rest[0];
    if (first != '=' && first != '&')
      scan.fail("expected the next data structure's identifier (= or &) at " + scan.at(pos) +
                ", found " + quoted(rest.substr(0, 1)) +
                ": ISBT 128 data structures follow each other with nothing between them");
    if (rest.size() < 2)
      scan.fail("a lone " + quoted(rest) + " at " + scan.at(pos) +
                ": expected a data structure, e.g. " + kProductExpected);
    const char second = rest[1];
    if (first == '=' && ((is_upper(second) && second != 'O') || (second >= '1' && second <= '9'))) {
      pos += read_din(scan, rest, pos, found);
      ++structures;
      continue;
    }
    const auto id = rest.substr(0, first == '&' && second == ',' && rest.size() > 2 ? 3 : 2);
    if (id == "=+") {
      if (pos != 0)
        scan.fail("a compound message (data structure 023) at " + scan.at(pos) +
                  ": it may only begin a scan");
      const auto header = rest.substr(2, 5);
      if (header.size() < 5 || !all_digits(header))
        scan.fail("expected " + std::string(kCompoundExpected) + ", found " +
                  quoted(rest.substr(0, 7)));
      const auto count = static_cast<std::size_t>((header[0] - '0') * 10 + (header[1] - '0'));
      if (count == 0)
        scan.fail(
            "the compound message (data structure 023) announces no data structures: "
            "expected " +
            std::string(kCompoundExpected));
      if (header.substr(2) != "000")
        scan.fail("the compound message (data structure 023) follows the sequence " +
                  std::string(header.substr(2)) +
                  " of ICCBBA's table RT017, which dosegate does not check: expected 000 (no "
                  "defined sequence); or scan the DIN and the product code bar codes apart");
      announced = count;
      pos += 7;
      continue;
    }
    if (id == "=<") {
      pos += read_product(scan, rest, pos, announced.has_value(), found);
      ++structures;
      continue;
    }
    if (id == "=,") {
      if (rest.size() < 8)
        scan.fail("expected " + std::string(kDivisionsExpected) + " at " + scan.at(pos) +
                  ", found " + quoted(rest));
      put_divisions(scan, found, rest.substr(2, 6));
      pos += 8;
      ++structures;
      continue;
    }
    bool stepped = false;
    for (const auto& known : kSteppedOver) {
      if (known.id != id) continue;
      const auto content = rest.substr(id.size(), known.length);
      bool readable = content.size() == known.length;
      for (char c : content) readable = readable && is_alnum(c);
      if (!readable)
        scan.fail("expected data structure " + std::string(known.number) + " (" + known.name +
                  ": " + std::string(id) + " and " + std::to_string(known.length) +
                  " letters or digits) at " + scan.at(pos) + ", found " +
                  quoted(rest.substr(0, id.size() + known.length)));
      pos += id.size() + known.length;
      ++structures;
      stepped = true;
      break;
    }
    if (stepped) continue;
    for (const auto& known : kNotRead)
      if (known.id == id)
        scan.fail(std::string(known.what) + " ('" + std::string(id) + "') at " + scan.at(pos) +
                  " is " + known.why +
                  ", and dosegate does not read it: scan the DIN and the product code bar codes "
                  "apart");
    if (first == '&' && is_lower(second))
      scan.fail("the nationally defined data structure " + quoted(id) + " at " + scan.at(pos) +
                " is not read by dosegate: scan the DIN and the product code bar codes apart");
    scan.fail("the data identifier " + quoted(id) + " at " + scan.at(pos) +
              " is not an ISBT 128 data structure dosegate knows: expected " + kDinExpected + ", " +
              kProductExpected + " or another ISBT 128 data structure");
  }
  if (announced && structures != *announced)
    scan.fail("the compound message (data structure 023) announces " + data_structures(*announced) +
              ", but " + std::to_string(structures) + (structures == 1 ? " follows" : " follow") +
              ": the read is incomplete or damaged");
}

// The DIN with its check character, then the product code ("=<" optional), spaces anywhere.
void read_eye_readable(const Scan& scan, std::string_view text, Found& found) {
  std::string s;
  for (char c : text)
    if (c != ' ') s += c;
  if (s.size() < 14)
    scan.fail("too short: expected " + std::string(kEyeReadableExpected) + "; or, as scanned, " +
              kDinExpected + " and " + kProductExpected);
  const std::string din = s.substr(0, 13);
  if (!is_valid_din(din))
    scan.fail(quoted(din) +
              " is not a DIN (a facility letter A-N, P-Z or digit 1-9, then 12 digits): expected " +
              kEyeReadableExpected);
  if (s[13] != din_check_character(din))
    scan.fail("wrong check character " + quoted(s.substr(13, 1)) + " for DIN " + din +
              ": mistyped, or the DIN of another label");
  std::string_view product = std::string_view(s).substr(14);
  if (product.substr(0, 2) == "=<") product.remove_prefix(2);
  if (product.size() != 8 && product.size() != 14)
    scan.fail(quoted(product) + " is not a product code with its division: expected " +
              kEyeReadableExpected + " (for Product Divisions S1234V99 and the 6-digit division)");
  check_product_code(scan, product.substr(0, 8));
  if (product.size() == 14) {
    if (product.compare(6, 2, "99") != 0)
      scan.fail(quoted(product) + " is not a product code with its division: expected " +
                kEyeReadableExpected);
    put_divisions(scan, found, product.substr(8));
  }
  put(found, &Found::din, {din, scan.index}, "the DIN", "DINs");
  put(found, &Found::product, {std::string(product.substr(0, 8)), scan.index}, "the product code",
      "product codes");
}

void read_scan(std::string_view raw, std::size_t index, Found& found) {
  const std::string name = scan_name(index, found.scans);
  if (raw.size() > kMaxScanLength)
    refuse(name + " " + quoted(raw) + " is too long for an ISBT 128 bag label (at most " +
           std::to_string(kMaxScanLength) + " characters)");
  std::string_view text = raw;  // scanners end a read with CR, LF or both
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  Scan scan{name + " " + quoted(text), index, 0};
  if (text.empty())
    scan.fail("nothing was read: expected " + std::string(kDinExpected) + " and " +
              kProductExpected + ", or " + kEyeReadableExpected);
  if (text.find_first_of("\r\n") != std::string_view::npos)
    scan.fail("holds a line break: give each scan on its own (one --dose each, or one line each)");
  std::string_view symbology;
  if (text[0] == ']') {
    if (text.size() < 3)
      scan.fail("begins with ']' but holds no symbology identifier (']', a letter and a digit)");
    symbology = text.substr(0, 3);
    bool accepted = false;
    for (const auto id : kAcceptedSymbologies) accepted = accepted || id == symbology;
    if (!accepted)
      scan.fail("the symbology identifier " + quoted(symbology) + " (" + symbology_name(symbology) +
                ") is not how an ISBT 128 bag label reads: expected ]C0 or ]C4 (Code 128), ]d1 "
                "or ]d2 (Data Matrix ECC 200) or none");
    text.remove_prefix(3);
    scan.offset = 3;
  }
  if (starts_with_ignoring_case(text, kRecordBarcodePrefix))
    refuse("this is the release record's bar code; scan the bag label" +
           (found.scans == 1 ? std::string() : " (scan " + std::to_string(index) + ")"));
  if (text.empty())
    scan.fail("holds only the symbology identifier " + std::string(symbology) + ": expected " +
              kDinExpected + " or " + kProductExpected + " after it");
  if (text[0] == '=' || text[0] == '&') {
    read_structures(scan, text, found);
  } else if (!symbology.empty()) {
    scan.fail("after the symbology identifier " + std::string(symbology) +
              ", expected ISBT 128 data structures (beginning with = or &), e.g. " + kDinExpected);
  } else {
    read_eye_readable(scan, text, found);
  }
}

}  // namespace

ScannedDose parse_scans(const std::vector<std::string>& scans) {
  if (scans.size() > kMaxScans)
    refuse(std::to_string(scans.size()) + " scans given: at most " + std::to_string(kMaxScans) +
           " make one dose (the DIN, the product code and Product Divisions, apart or together)");
  if (scans.empty())
    refuse("no scan given: expected " + std::string(kDinExpected) + " and " + kProductExpected +
           ", apart or together, or " + kEyeReadableExpected);
  Found found;
  found.scans = scans.size();
  for (std::size_t i = 0; i < scans.size(); ++i) read_scan(scans[i], i + 1, found);

  const std::string in =
      scans.size() == 1 ? "the scan" : "the " + std::to_string(scans.size()) + " scans";
  if (!found.din && !found.product)
    refuse("neither a DIN nor a product code in " + in + ": expected " + kDinExpected + " and " +
           kProductExpected);
  if (!found.din)
    refuse("no DIN in " + in + " (only the product code " + found.product->value + "): expected " +
           kDinExpected + " as well");
  if (!found.product)
    refuse("no product code in " + in + " (only DIN " + found.din->value + "): expected " +
           kProductExpected + " as well");
  ScannedDose out;
  out.din = found.din->value;
  out.product_code = found.product->value;
  const std::string tail = out.product_code.substr(6);
  if (tail == "99") {
    if (!found.divisions)
      refuse("the product code " + out.product_code +
             " has Product Divisions (99), and no division is given: expected the 6-digit "
             "division after it, or " +
             kDivisionsExpected);
    out.division = found.divisions->value;
  } else {
    if (found.divisions)
      refuse("Product Divisions " + found.divisions->value + " given, but the product code " +
             out.product_code + " carries its own division (" + tail +
             "); Product Divisions go with a product code ending in 99");
    out.division = tail;
  }
  return out;
}

ScannedDose parse_scanned_dose(std::string_view scanned) {
  if (scanned.size() > kMaxScanLength)  // refused before anything is copied
    refuse("the scan " + quoted(scanned) + " is too long for an ISBT 128 bag label (at most " +
           std::to_string(kMaxScanLength) + " characters)");
  return parse_scans({std::string(scanned)});
}

std::vector<std::string> read_scan_lines(std::istream& in) {
  std::vector<std::string> scans;
  std::size_t lines = 0;
  std::string line;
  for (bool end = false; !end;) {
    line.clear();
    bool read = false;
    for (;;) {  // one line: ended by LF, CR or CR LF
      const auto c = in.get();
      if (c == std::char_traits<char>::eof()) {
        end = true;
        break;
      }
      read = true;
      if (c == '\n') break;
      if (c == '\r') {
        if (in.peek() == '\n') in.get();
        break;
      }
      if (line.size() == kMaxScanLength)
        refuse("line " + std::to_string(lines + 1) + " of standard input is longer than " +
               std::to_string(kMaxScanLength) + " characters: not a scan of a bag label");
      line += static_cast<char>(c);
    }
    if (!read) break;
    if (++lines > kMaxScanLines)
      refuse("standard input holds more than " + std::to_string(kMaxScanLines) +
             " lines: expected the bag label's scans, one per line");
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank
    if (scans.size() == kMaxScans)
      refuse("standard input holds more than " + std::to_string(kMaxScans) + " scans: at most " +
             std::to_string(kMaxScans) + " make one dose, one per line");
    scans.push_back(line);
  }
  if (scans.empty())
    refuse(
        "standard input holds no scan: expected the bag label's scans, one per line (the DIN "
        "and the product code, apart or together)");
  return scans;
}

std::string record_barcode_data(std::string_view record_id) {
  return std::string(kRecordBarcodePrefix) + std::string(record_id);
}

}  // namespace dosegate::isbt128
