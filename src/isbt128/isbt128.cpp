#include "dosegate/isbt128.hpp"

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

std::string quoted(std::string_view s) {
  constexpr std::size_t kShown = 40;
  if (s.size() <= kShown) return "'" + std::string(s) + "'";
  std::size_t cut = kShown;  // at a UTF-8 character boundary
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(s.substr(0, cut)) + "...' (" + std::to_string(s.size()) + " characters)";
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

ScannedDose parse_scanned_dose(std::string_view scanned) {
  // The longest label scan is 32 characters (=DIN, flags, =<, product code and a 6-digit
  // division); an eye-readable entry adds a few spaces. Anything much longer is not a scan,
  // and is not copied into messages whole.
  if (scanned.size() > kMaxScanLength)
    throw std::invalid_argument("the scan " + quoted(scanned) +
                                " is too long for an ISBT 128 bag label (at most " +
                                std::to_string(kMaxScanLength) + " characters)");
  std::string s;
  for (char c : scanned)
    if (c != ' ') s += c;
  ScannedDose out;
  std::string product;
  if (!s.empty() && s[0] == '=') {
    // Bar-coded: =DIN(13)FLAGS(2)=<PRODUCT
    if (s.size() < 16 || s.compare(16, 2, "=<") != 0)
      throw std::invalid_argument(
          "'" + std::string(scanned) +
          "' is not an ISBT 128 scan: expected =DIN(13 characters) + 2 flag characters, then "
          "=< and the product code, e.g. =A99992600014700=<S7777VA0");
    out.din = s.substr(1, 13);
    if (!is_valid_din(out.din)) throw std::invalid_argument("'" + out.din + "' is not a valid DIN");
    const std::string flags = s.substr(14, 2);
    if (flags[0] < '0' || flags[0] > '9' || flags[1] < '0' || flags[1] > '9')
      throw std::invalid_argument("flag characters '" + flags + "' are not two digits");
    const int f = (flags[0] - '0') * 10 + (flags[1] - '0');
    if (f >= 60 && flags != din_check_flags(out.din))
      throw std::invalid_argument("flag characters '" + flags +
                                  "' do not carry the DIN's check value (" +
                                  din_check_flags(out.din) + "): the scan is damaged or forged");
    if (f > 96) throw std::invalid_argument("flag characters '" + flags + "' are not defined");
    product = s.substr(18);
  } else {
    // Eye-readable: DIN(13) CHECK(1) PRODUCT
    if (s.size() < 15)
      throw std::invalid_argument("'" + std::string(scanned) +
                                  "' is too short for a DIN with its check character and a "
                                  "product code, e.g. A9999 26 000147 9 S7777VA0");
    out.din = s.substr(0, 13);
    if (!is_valid_din(out.din)) throw std::invalid_argument("'" + out.din + "' is not a valid DIN");
    if (s[13] != din_check_character(out.din))
      throw std::invalid_argument(std::string("check character '") + s[13] +
                                  "' does not match DIN " + out.din + " (expected '" +
                                  din_check_character(out.din) + "'): mistyped or wrong label");
    product = s.substr(14);
    if (product.rfind("=<", 0) == 0) product = product.substr(2);
  }
  if (product.size() == 14 && product.compare(6, 2, "99") == 0) {
    out.product_code = product.substr(0, 8);
    out.division = product.substr(8);
    if (!is_valid_division(DivisionScheme::product_divisions, out.division))
      throw std::invalid_argument("'" + out.division +
                                  "' is not a 6-digit Product Divisions value");
    return out;
  }
  if (product.size() != 8 || product[0] != 'S')
    throw std::invalid_argument("'" + product +
                                "' is not a cellular therapy product code with its division, "
                                "e.g. S7777VA0");
  out.product_code = product;
  out.division = product.substr(6);
  if (!is_valid_division(DivisionScheme::two_character, out.division))
    throw std::invalid_argument("'" + out.division + "' is not a division code (A0..Zz)");
  return out;
}

}  // namespace dosegate::isbt128
