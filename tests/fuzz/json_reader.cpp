// The strict reader of release-data.json (nlohmann-json underneath), which `confirm` uses on the
// attachment of a signed record. It documents ReleaseDataError (a dosegate::Error) for anything
// that is not exactly a release-data document of a version it reads (1 or 2).
#include "dosegate/error.hpp"
#include "dosegate/release_data.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto d = release_data_from_json(fuzz::bytes(data, size));
    // What it accepted, it writes back and reads again to the same bytes.
    const auto again = to_json(d);
    if (to_json(release_data_from_json(again)) != again) __builtin_trap();
  } catch (const Error&) {
  }
  return 0;
}
