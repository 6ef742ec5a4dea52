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

}  // namespace dosegate::isbt128
