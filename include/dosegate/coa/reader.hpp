// The strict CoA reader. It enforces every rule of schemas/coa.xsd plus the rules XSD 1.0
// cannot express (see the schema's annotation), and reports each violation with the file,
// line:column and element path.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "dosegate/coa/certificate.hpp"
#include "dosegate/finding.hpp"

namespace dosegate::coa {

struct ReadResult {
  std::optional<Certificate> certificate;  // set only when errors is empty
  std::vector<Diagnostic> errors;
};

// `bytes` is the whole document; `file_name` is used in diagnostics only. Never throws for
// bad input: every problem is a Diagnostic.
ReadResult read(std::string_view bytes, std::string_view file_name);

}  // namespace dosegate::coa
