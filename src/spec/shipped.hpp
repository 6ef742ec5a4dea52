// Private to the specification reader: reading without the check against the shipped
// specifications, for the shipped specifications themselves.
#pragma once

#include <string_view>

#include "dosegate/spec/specification.hpp"

namespace dosegate::spec {

// As read(), without the spec.impersonation check.
Specification parse_unchecked(std::string_view bytes, std::string_view file_name);

}  // namespace dosegate::spec
