#include "dosegate/time.hpp"

#include <cstdio>

namespace dosegate {
namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<Date> parse_ymd(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (!digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d))
    return std::nullopt;
  if (y == 0) return std::nullopt;  // xs:date has no year 0000
  const std::chrono::year_month_day ymd{std::chrono::year{y},
                                        std::chrono::month{static_cast<unsigned>(m)},
                                        std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days{ymd};
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return parse_ymd(text);
}

std::optional<Instant> parse_utc_instant(std::string_view text) {
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
    return std::nullopt;
  const auto day = parse_ymd(text.substr(0, 10));
  int h = 0, mi = 0, s = 0;
  if (!day || !digits(text, 11, 2, h) || !digits(text, 14, 2, mi) || !digits(text, 17, 2, s))
    return std::nullopt;
  if (h > 23 || mi > 59 || s > 59) return std::nullopt;
  return Instant{*day} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
}

std::optional<Instant> parse_time_argument(std::string_view text, Instant now) {
  if (text == "now") return now;
  if (auto utc = parse_utc_instant(text)) return utc;
  // YYYY-MM-DDThh:mm[:ss](+|-)hh:mm
  if (text.size() != 22 && text.size() != 25) return std::nullopt;
  const bool with_seconds = text.size() == 25;
  const std::size_t zone = with_seconds ? 19 : 16;
  if (text[10] != 'T' || text[13] != ':' || (with_seconds && text[16] != ':') ||
      (text[zone] != '+' && text[zone] != '-') || text[zone + 3] != ':')
    return std::nullopt;
  const auto day = parse_ymd(text.substr(0, 10));
  int h = 0, mi = 0, s = 0, oh = 0, om = 0;
  if (!day || !digits(text, 11, 2, h) || !digits(text, 14, 2, mi) ||
      (with_seconds && !digits(text, 17, 2, s)) || !digits(text, zone + 1, 2, oh) ||
      !digits(text, zone + 4, 2, om))
    return std::nullopt;
  if (h > 23 || mi > 59 || s > 59 || oh > 14 || om > 59) return std::nullopt;
  const auto offset = std::chrono::hours{oh} + std::chrono::minutes{om};
  const Instant local =
      Instant{*day} + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
  return text[zone] == '+' ? local - offset : local + offset;
}

std::string format_date(Date date) {
  const std::chrono::year_month_day ymd{date};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string format_instant(Instant instant) {
  const auto day = std::chrono::floor<std::chrono::days>(instant);
  const std::chrono::hh_mm_ss hms{instant - day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return format_date(day) + buf;
}

Instant now_utc() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace dosegate
