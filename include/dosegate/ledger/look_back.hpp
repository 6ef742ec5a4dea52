// The look-back of a lot: which of its doses were given, and to how many recipients. What a
// recall must be followed by (21 CFR 1271.290: every recipient of a recalled product found).
#pragma once

#include <cstddef>
#include <vector>

#include "dosegate/finding.hpp"

namespace dosegate::ledger {

struct LookBack {
  std::size_t doses = 0;        // the lot's doses: the divisions its releases name, and any
                                // other that a confirmation names
  std::size_t doses_given = 0;  // doses with at least one GO confirmation
  std::size_t go_confirmations = 0;
  std::size_t recipients = 0;            // distinct recipient ids among the GO confirmations
  std::size_t go_without_recipient = 0;  // GO confirmations that record no recipient
  // Empty when the ledger verifies for the lot. Otherwise its ledger.* findings: the counts
  // are what the unverified entries say, not to be believed.
  std::vector<Finding> findings;
  bool verified() const { return findings.empty(); }
};

}  // namespace dosegate::ledger
