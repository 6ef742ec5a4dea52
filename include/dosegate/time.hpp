// Instants are UTC, to the second. Dates are calendar dates without a time zone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace dosegate {

using Instant = std::chrono::sys_seconds;
using Date = std::chrono::sys_days;

// "YYYY-MM-DDThh:mm:ssZ" exactly, with a real calendar date; nullopt otherwise.
std::optional<Instant> parse_utc_instant(std::string_view text);

// "YYYY-MM-DD" exactly, with a real calendar date; nullopt otherwise.
std::optional<Date> parse_date(std::string_view text);

// What a person types for a time (every command's time options): "now", UTC
// ("2026-12-02T06:30:00Z"), or a local time with its explicit offset ("2026-12-02T07:30+01:00",
// "2026-12-02T07:30:15-05:00"); seconds are optional in the offset form. A time without a zone
// is refused: it would be read differently on every machine. nullopt when it is none of these.
std::optional<Instant> parse_time_argument(std::string_view text, Instant now);

std::string format_instant(Instant instant);  // "2026-11-18T14:05:00Z"
std::string format_date(Date date);           // "2026-11-18"

Instant now_utc();

}  // namespace dosegate
