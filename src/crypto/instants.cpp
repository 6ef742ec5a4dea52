#include "crypto/instants.hpp"

#include <algorithm>
#include <ctime>
#include <limits>

namespace dosegate::crypto {
namespace {

bool digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
  int n = 0;
  for (char c : s) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

void add_der_instants(std::string_view der, std::vector<long long>& out) {
  for (std::size_t i = 0; i + 2 < der.size(); ++i) {
    const auto tag = static_cast<unsigned char>(der[i]);
    if (tag != 0x17 && tag != 0x18) continue;
    const auto len = static_cast<unsigned char>(der[i + 1]);
    if (len >= 0x80 || i + 2 + len > der.size()) continue;
    const auto v = der.substr(i + 2, len);
    std::tm tm{};
    std::string_view rest;
    if (tag == 0x17) {  // YYMMDDHHMMSSZ
      if (len != 13 || v[12] != 'Z' || !digits(v.substr(0, 12))) continue;
      const int yy = number(v.substr(0, 2));
      tm.tm_year = (yy < 50 ? 2000 + yy : 1900 + yy) - 1900;
      rest = v.substr(2);
    } else {  // YYYYMMDDHHMMSS[.fff]Z
      if (len < 15 || v[len - 1] != 'Z' || !digits(v.substr(0, 14))) continue;
      if (len > 15 && (v[14] != '.' || !digits(v.substr(15, len - 16)))) continue;
      tm.tm_year = number(v.substr(0, 4)) - 1900;
      rest = v.substr(4);
    }
    tm.tm_mon = number(rest.substr(0, 2)) - 1;
    tm.tm_mday = number(rest.substr(2, 2));
    tm.tm_hour = number(rest.substr(4, 2));
    tm.tm_min = number(rest.substr(6, 2));
    tm.tm_sec = number(rest.substr(8, 2));
    const long long t = static_cast<long long>(timegm(&tm));
    out.push_back(t);
    out.push_back(t + 1);
  }
}

Window window_around(Instant at, std::vector<long long> instants) {
  const auto s = static_cast<long long>(at.time_since_epoch().count());
  std::sort(instants.begin(), instants.end());
  const auto it = std::lower_bound(instants.begin(), instants.end(), s);
  if (it != instants.end() && *it == s) return {s, s};
  Window w{std::numeric_limits<long long>::min(), std::numeric_limits<long long>::max()};
  if (it != instants.end()) w.last = *it - 1;
  if (it != instants.begin()) w.first = *(it - 1) + 1;
  return w;
}

}  // namespace dosegate::crypto
