// Private to the specification reader: reading without the check against the shipped
// specifications, for the shipped specifications themselves.
#pragma once

#include <string_view>

#include "dosegate/spec/specification.hpp"

namespace dosegate::spec {

// As read(), without the spec.impersonation check.
Specification parse_unchecked(std::string_view bytes, std::string_view file_name);

// The exact bytes of shipped_specifications()[index].
std::string_view shipped_text(std::size_t index);

}  // namespace dosegate::spec
