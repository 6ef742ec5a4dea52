// The "findings" member every --json output carries.
#pragma once

#include <vector>

#include "dosegate/finding.hpp"
#include "util/json.hpp"

namespace dosegate::json {

// The list alone, as a value (after a key the caller wrote).
inline void write_finding_list(Writer& w, const std::vector<Finding>& findings) {
  w.begin_array();
  for (const auto& f : findings) {
    w.begin_object();
    w.field("code", f.code).field("severity", to_string(f.severity));
    w.field("message", f.message).field("location", f.location);
    w.end_object();
  }
  w.end_array();
}

inline void write_findings(Writer& w, const std::vector<Finding>& findings) {
  write_finding_list(w.key("findings"), findings);
}

}  // namespace dosegate::json
