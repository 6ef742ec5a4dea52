// Auditing the ledger: the hash chain, every entry's content against its hash, every signature
// under the trust policy (releasers/ role, at the entry's own time), and the bookkeeping that
// shows a dropped tail.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

struct AuditResult {
  std::size_t entries = 0;
  std::optional<Entry> head;
  std::vector<Finding> findings;  // empty when intact; the first names the first wrong entry
  bool intact() const { return findings.empty(); }
};

// `expect_head`: a hash taken earlier (from an export or a record); the ledger must contain it.
AuditResult audit(const Ledger& ledger, const crypto::TrustStore& trust,
                  const std::optional<std::string>& expect_head = std::nullopt);

// "INTACT: ..." with the chain head, or "TAMPERED: ..." with every finding.
void print_text(const AuditResult& result, const std::string& ledger_path, std::ostream& out);
// One JSON object: "version": 1, "command": "audit", "decision": "intact" | "tampered".
void print_json(const AuditResult& result, const std::string& ledger_path, std::ostream& out);

}  // namespace dosegate::ledger
