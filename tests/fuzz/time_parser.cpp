// The UTC time and date parsers. What they accept must format back to the same text.
#include "dosegate/time.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::bytes(data, size);
  if (const auto t = parse_utc_instant(text))
    fuzz::require(format_instant(*t) == text, "an accepted instant formats back to its text");
  if (const auto d = parse_date(text))
    fuzz::require(format_date(*d) == text, "an accepted date formats back to its text");
  return 0;
}
