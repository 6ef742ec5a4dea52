#include <catch2/catch.hpp>

#include "dosegate/time.hpp"

using namespace dosegate;

TEST_CASE("UTC instants: only YYYY-MM-DDThh:mm:ssZ with a real date", "[time]") {
  const auto t = parse_utc_instant("2026-11-18T14:05:00Z");
  REQUIRE(t);
  CHECK(format_instant(*t) == "2026-11-18T14:05:00Z");
  CHECK(parse_utc_instant("2024-02-29T00:00:00Z"));  // leap year
  for (const char* bad : {"2026-11-18T14:05:00", "2026-11-18T14:05:00+01:00",
                          "2026-11-18T14:05:00.5Z", "2026-11-18 14:05:00Z", "2026-02-30T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-18T24:00:00Z",
                          "2026-11-18T23:60:00Z", "2026-11-18T23:59:60Z", "2026-11-18", ""})
    CHECK_FALSE(parse_utc_instant(bad));
}

TEST_CASE("dates: only YYYY-MM-DD with a real date", "[time]") {
  const auto d = parse_date("2026-11-02");
  REQUIRE(d);
  CHECK(format_date(*d) == "2026-11-02");
  for (const char* bad : {"2026-11-2", "2026-11-02Z", "2026-11-02+01:00", "2026-04-31", "26-11-02"})
    CHECK_FALSE(parse_date(bad));
}

TEST_CASE("instants order by time", "[time]") {
  CHECK(*parse_utc_instant("2027-11-02T23:59:00Z") > *parse_utc_instant("2027-11-02T23:58:59Z"));
}

TEST_CASE("time arguments: UTC, an explicit offset or now, never a time without its zone",
          "[time]") {
  const auto now = *parse_utc_instant("2026-12-02T10:00:00Z");
  CHECK(parse_time_argument("now", now) == now);
  CHECK(format_instant(*parse_time_argument("2026-12-02T07:30+01:00", now)) ==
        "2026-12-02T06:30:00Z");
  CHECK(format_instant(*parse_time_argument("2026-12-02T07:30:15-05:00", now)) ==
        "2026-12-02T12:30:15Z");
  CHECK(format_instant(*parse_time_argument("2026-12-31T23:30+00:00", now)) ==
        "2026-12-31T23:30:00Z");
  CHECK(format_instant(*parse_time_argument("2027-01-01T00:30+01:00", now)) ==
        "2026-12-31T23:30:00Z");  // the offset crosses a year
  for (const char* bad : {"2026-12-02T07:30", "2026-12-02T07:30:00", "2026-12-02 07:30+01:00",
                          "2026-12-02T07:30+1:00", "2026-12-02T07:30+15:00",
                          "2026-12-02T24:00+01:00", "2026-02-30T07:30+01:00", "NOW", "today", ""})
    CHECK_FALSE(parse_time_argument(bad, now));
}
