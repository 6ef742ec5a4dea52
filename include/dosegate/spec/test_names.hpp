// The names of the test codes (design/coa-format.md), as a record or a report prints them beside
// the code: "viability-post-thaw" is "Post-thaw viability".
#pragma once

#include <string_view>

namespace dosegate::spec {

// The name of a test code of the CoA format; "" for a code the format does not define (the
// readers accept none).
std::string_view test_name(std::string_view code);

}  // namespace dosegate::spec
