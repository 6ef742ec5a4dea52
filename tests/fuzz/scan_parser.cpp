// The ISBT 128 scan parser of `confirm --dose`. It throws std::invalid_argument for a scan it
// cannot read; what it returns must be a well-formed DIN, product code and division.
#include <stdexcept>

#include "dosegate/isbt128.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto dose = isbt128::parse_scanned_dose(fuzz::bytes(data, size));
    fuzz::require(isbt128::is_valid_din(dose.din), "a parsed scan holds a valid DIN");
    fuzz::require(!dose.division.empty(), "a parsed scan names a division");
    (void)isbt128::din_eye_readable(dose.din);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
