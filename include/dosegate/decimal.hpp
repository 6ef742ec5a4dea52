// Exact decimal numbers for release decisions. No binary floating point is ever involved:
// "95.0" compares equal to "95", "94.99" and "94.9999999999999999" compare below it.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dosegate {

class Decimal {
 public:
  // Accepts exactly [+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)? (the `Decimal` type of the
  // schemas), at most 64 characters and an exponent of at most 6 digits. Returns nullopt
  // for anything else, including surrounding whitespace, "INF", "NaN", ".5" and "5.".
  static std::optional<Decimal> parse(std::string_view text);
  static constexpr std::size_t kMaxLength = 64;
  static constexpr std::size_t kMaxExponentDigits = 6;

  // Why parse(text) refused `text`, as the end of a sentence that starts with the value:
  // "has 10000 characters; ...", "has an exponent of 11 digits; ...", "is not a decimal number".
  static std::string why_invalid(std::string_view text);

  // Zero, written "0".
  Decimal() = default;

  // The text exactly as parsed, for display next to the specification.
  const std::string& text() const { return text_; }

  // A normal form: plain notation for moderate exponents ("98.7", "51000000"), otherwise
  // d.ddd followed by e and the exponent ("5.1e-12").
  std::string canonical() const;

  bool is_zero() const { return digits_.empty(); }
  bool is_negative() const { return negative_ && !digits_.empty(); }

  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }

 private:
  bool negative_ = false;
  std::string digits_;         // significant digits, no leading or trailing zeros; empty means 0
  std::int64_t exponent_ = 0;  // value = digits_ * 10^exponent_
  std::string text_ = "0";
};

}  // namespace dosegate
