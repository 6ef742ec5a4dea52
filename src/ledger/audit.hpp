// Auditing the ledger: the hash chain, every entry's content against its hash, every signature
// under the trust policy (releasers/ role, at the entry's own time), and the bookkeeping that
// shows a dropped tail.
#pragma once

#include <chrono>
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
  // Every finding is ledger.could-not-check: nothing was found wrong, but some signature could
  // not be checked (no CRL speaks for its time). Exit 2, "could not check", never "tampered".
  bool could_not_check() const {
    for (const auto& f : findings)
      if (f.code != "ledger.could-not-check") return false;
    return !findings.empty();
  }
};

// How far an entry's time may be earlier than its predecessor's before `audit` reports
// ledger.time-reversed: clocks of the machines that append (QA workstations, bedside devices)
// may disagree by this much.
inline constexpr std::chrono::minutes kClockSkewAllowance{5};

// `expect_head`: a hash taken earlier (from an export or a record); the ledger must contain it.
AuditResult audit(const Ledger& ledger, const crypto::TrustStore& trust,
                  const std::optional<std::string>& expect_head = std::nullopt);

// What the bedside may believe about one lot, read through the same checks as `audit`: every
// entry's number, link, hash and kind rule (kKindRules: no unsigned entry of a kind that must
// be signed, no unknown kind); the signatures (releasers/ role, at the entry's own time) of the
// lot's release, records, results and recall entries; and the signature of the newest signed
// entry, which covers the chain before it. Costs one SHA-256 per entry and a few signature
// checks, not one per entry. What it cannot see: entries removed from the tail (--expect-head
// with `audit`).
struct LotReading {
  std::vector<Entry> recalls;  // every recall entry of the lot, verified or not: each counts
  // The lot's other entries, in ledger order; to be believed only when trusted().
  std::vector<Entry> releases;       // kind release
  std::vector<Entry> records;        // kind records
  std::vector<Entry> results;        // kind results (late results, dosegate complete)
  std::vector<Entry> confirmations;  // kind confirm
  std::vector<Finding> findings;     // ledger.* codes; empty when the ledger can be believed
  bool trusted() const { return findings.empty(); }
};

// Throws dosegate::Error("ledger.unreadable") when the ledger cannot be read.
LotReading read_lot(const Ledger& ledger, const crypto::TrustStore& trust, const std::string& din);

// "INTACT: ..." with the chain head, or "TAMPERED: ..." with every finding.
void print_text(const AuditResult& result, const std::string& ledger_path, std::ostream& out);
// One JSON object: "version": 1, "command": "audit", "decision": "intact" | "tampered".
void print_json(const AuditResult& result, const std::string& ledger_path, std::ostream& out);

}  // namespace dosegate::ledger
