#include "xml/values.hpp"

#include "util/text.hpp"

namespace dosegate::xml {

const std::initializer_list<const char*> kTestCodes = {"cd73",
                                                       "cd90",
                                                       "cd105",
                                                       "cd34",
                                                       "cd45",
                                                       "cd14",
                                                       "cd11b",
                                                       "cd19",
                                                       "cd79a",
                                                       "hla-dr",
                                                       "viability-post-thaw",
                                                       "viability-pre-freeze",
                                                       "viable-cell-count",
                                                       "sterility",
                                                       "mycoplasma",
                                                       "endotoxin",
                                                       "str-identity",
                                                       "potency-ido",
                                                       "potency-tcell-suppression",
                                                       "karyotype",
                                                       "appearance",
                                                       "cd9",
                                                       "cd63",
                                                       "cd81",
                                                       "calnexin",
                                                       "particle-size-mode",
                                                       "particle-concentration"};
const std::initializer_list<const char*> kOutcomes = {
    "no-growth", "growth", "not-detected", "detected", "match", "no-match", "normal", "abnormal"};
const std::initializer_list<const char*> kSources = {"wharton-jelly", "umbilical-cord",
                                                     "bone-marrow", "adipose", "msc-exosome"};

std::optional<Decimal> to_decimal(Element& at, const std::string& value, const std::string& what) {
  if (auto d = Decimal::parse(value)) return d;
  at.error(what + ": " + text::quoted(value) + " " + Decimal::why_invalid(value) +
           "; write digits with an optional fraction and exponent, "
           "such as 98.7, 0.5 or 5.1e7 (no units, spaces or thousands separators)");
  return std::nullopt;
}

std::optional<Instant> to_instant(Element& at, const std::string& value, const std::string& what) {
  if (auto t = parse_utc_instant(value)) return t;
  at.error(what + ": " + text::quoted(value) +
           " is not a UTC date and time; write YYYY-MM-DDThh:mm:ssZ, e.g. 2026-11-18T14:05:00Z "
           "(UTC with Z, no offset, no fraction)");
  return std::nullopt;
}

std::optional<Date> to_date(Element& at, const std::string& value, const std::string& what) {
  if (auto d = parse_date(value)) return d;
  at.error(what + ": " + text::quoted(value) +
           " is not a calendar date; write YYYY-MM-DD, e.g. 2026-11-10 (no time, no zone)");
  return std::nullopt;
}

std::optional<bool> to_boolean(Element& at, const std::string& value, const std::string& what) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  at.error(what + ": " + text::quoted(value) + " is not a boolean; write true or false");
  return std::nullopt;
}

std::optional<std::string> to_enum(Element& at, const std::string& value, const std::string& what,
                                   std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return value;
  std::vector<std::string> names(allowed.begin(), allowed.end());
  at.error(what + ": " + text::quoted(value) + " is not one of: " + text::join(names, ", "));
  return std::nullopt;
}

std::optional<std::string> to_identifier(Element& at, const std::string& value,
                                         const std::string& what) {
  auto ok_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  bool ok = !value.empty() && value.size() <= 128 && ok_char(value[0]);
  for (char c : value)
    if (!(ok_char(c) || c == '.' || c == '_' || c == ':' || c == '-')) ok = false;
  if (ok) return value;
  at.error(what + ": " + text::quoted(value) +
           " is not an identifier; use 1 to 128 letters, digits and . _ : - starting with a "
           "letter or digit");
  return std::nullopt;
}

std::optional<std::string> to_token(Element& at, const std::string& value,
                                    const std::string& what) {
  auto collapsed = text::collapse(value);
  if (!collapsed.empty()) return collapsed;
  at.error(what + " is empty; it must hold a value");
  return std::nullopt;
}

std::optional<std::string> to_unit(Element& at, const std::string& value, const std::string& what) {
  bool ok = !value.empty() && text::display_width(value) <= 32;
  for (char c : value)
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') ok = false;
  if (ok) return value;
  at.error(what + ": " + text::quoted(value) +
           " is not a unit; write 1 to 32 characters without spaces, "
           "such as %, EU/mL or nm");
  return std::nullopt;
}

}  // namespace dosegate::xml
