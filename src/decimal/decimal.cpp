#include "dosegate/decimal.hpp"

#include <algorithm>
#include <cctype>

namespace dosegate {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Decimal> Decimal::parse(std::string_view text) {
  if (text.empty() || text.size() > kMaxLength) return std::nullopt;
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == int_begin) return std::nullopt;
  std::string all_digits(text.substr(int_begin, i - int_begin));
  std::int64_t exponent = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    const std::size_t frac_begin = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == frac_begin) return std::nullopt;
    all_digits.append(text.substr(frac_begin, i - frac_begin));
    exponent -= static_cast<std::int64_t>(i - frac_begin);
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exp_negative = text[i] == '-';
      ++i;
    }
    const std::size_t exp_begin = i;
    std::int64_t e = 0;
    while (i < text.size() && is_digit(text[i])) {
      // Only the first kMaxExponentDigits digits are summed: a longer exponent is refused
      // below, and summing all 60 that fit in 64 characters would overflow.
      if (i - exp_begin < kMaxExponentDigits) e = e * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exp_begin || i - exp_begin > kMaxExponentDigits) return std::nullopt;
    exponent += exp_negative ? -e : e;
  }
  if (i != text.size()) return std::nullopt;

  Decimal d;
  d.text_ = std::string(text);
  d.negative_ = negative;
  const auto first = all_digits.find_first_not_of('0');
  if (first == std::string::npos) return d;  // zero: no digits, sign irrelevant
  const auto last = all_digits.find_last_not_of('0');
  d.digits_ = all_digits.substr(first, last - first + 1);
  d.exponent_ = exponent + static_cast<std::int64_t>(all_digits.size() - 1 - last);
  return d;
}

std::string Decimal::why_invalid(std::string_view text) {
  if (text.size() > kMaxLength)
    return "has " + std::to_string(text.size()) + " characters; a decimal number has at most " +
           std::to_string(kMaxLength);
  // A well-formed number whose exponent is too long: say so rather than "not a number".
  const auto e = text.find_first_of("eE");
  if (e != std::string_view::npos && e > 0 && parse(text.substr(0, e))) {
    auto exp = text.substr(e + 1);
    if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp.remove_prefix(1);
    if (exp.size() > kMaxExponentDigits && std::all_of(exp.begin(), exp.end(), is_digit))
      return "has an exponent of " + std::to_string(exp.size()) +
             " digits; exponents run from -999999 to 999999";
  }
  return "is not a decimal number";
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  const int sign_a = a.digits_.empty() ? 0 : (a.negative_ ? -1 : 1);
  const int sign_b = b.digits_.empty() ? 0 : (b.negative_ ? -1 : 1);
  if (sign_a != sign_b) return sign_a <=> sign_b;
  if (sign_a == 0) return std::strong_ordering::equal;
  // Same sign, both non-zero: compare magnitudes by the position of the leading digit, then
  // digit by digit.
  const auto lead_a = a.exponent_ + static_cast<std::int64_t>(a.digits_.size());
  const auto lead_b = b.exponent_ + static_cast<std::int64_t>(b.digits_.size());
  std::strong_ordering magnitude = lead_a <=> lead_b;
  if (magnitude == 0) {
    const std::size_t n = std::max(a.digits_.size(), b.digits_.size());
    for (std::size_t k = 0; k < n && magnitude == 0; ++k) {
      const char da = k < a.digits_.size() ? a.digits_[k] : '0';
      const char db = k < b.digits_.size() ? b.digits_[k] : '0';
      magnitude = da <=> db;
    }
  }
  if (sign_a > 0) return magnitude;
  return 0 <=> magnitude;
}

std::string Decimal::canonical() const {
  if (digits_.empty()) return "0";
  std::string out = negative_ ? "-" : "";
  const auto n = static_cast<std::int64_t>(digits_.size());
  const std::int64_t lead = exponent_ + n;  // digits before the decimal point
  if (exponent_ >= 0 && lead <= 21) {
    out += digits_;
    out.append(static_cast<std::size_t>(exponent_), '0');
  } else if (exponent_ < 0 && lead > 0) {
    out += digits_.substr(0, static_cast<std::size_t>(lead));
    out += '.';
    out += digits_.substr(static_cast<std::size_t>(lead));
  } else if (exponent_ < 0 && lead > -6) {
    out += "0.";
    out.append(static_cast<std::size_t>(-lead), '0');
    out += digits_;
  } else {
    out += digits_[0];
    if (n > 1) {
      out += '.';
      out += digits_.substr(1);
    }
    out += 'e';
    out += std::to_string(lead - 1);
  }
  return out;
}

}  // namespace dosegate
