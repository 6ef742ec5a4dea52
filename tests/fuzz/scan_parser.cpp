// The ISBT 128 scan parser of `confirm --dose`: the input split on '\n' is the scans (one
// --dose each); the same bytes as standard input go through the line reader first
// (`--dose -`). Both throw std::invalid_argument for scans they cannot read; what they return
// must be a well-formed DIN, product code and division.
#include <istream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dosegate/isbt128.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

namespace {

void check(const isbt128::ScannedDose& dose) {
  fuzz::require(isbt128::is_valid_din(dose.din), "a parsed scan holds a valid DIN");
  fuzz::require(dose.product_code.size() == 8 && dose.product_code[0] == 'S',
                "a parsed scan holds a cellular therapy product code");
  const auto scheme = dose.product_code.compare(6, 2, "99") == 0
                          ? isbt128::DivisionScheme::product_divisions
                          : isbt128::DivisionScheme::two_character;
  fuzz::require(isbt128::is_valid_division(scheme, dose.division),
                "a parsed scan names a division of its product code's scheme");
  (void)isbt128::din_eye_readable(dose.din);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::bytes(data, size);
  std::vector<std::string> scans;
  for (std::size_t start = 0;;) {
    const auto end = input.find('\n', start);
    scans.emplace_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  try {
    check(isbt128::parse_scans(scans));
  } catch (const std::invalid_argument&) {
  }
  try {
    std::istringstream in{std::string(input)};
    check(isbt128::parse_scans(isbt128::read_scan_lines(in)));
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
