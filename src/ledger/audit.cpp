#include "ledger/audit.hpp"

#include "crypto/cms.hpp"

namespace dosegate::ledger {
namespace {

bool keyed(const Entry& e) {
  return !e.actor_sha256.empty();
}

}  // namespace

AuditResult audit(const Ledger& ledger, const crypto::TrustStore& trust,
                  const std::optional<std::string>& expect_head) {
  AuditResult r;
  const auto all = ledger.entries();
  r.entries = all.size();
  if (!all.empty()) r.head = all.back();
  auto add = [&](const char* code, long long seq, const std::string& message) {
    r.findings.push_back(Finding{code, Severity::error,
                                 "entry " + std::to_string(seq) + ": " + message,
                                 "entries[seq=" + std::to_string(seq) + "]"});
  };
  if (!ledger.triggers_present())
    r.findings.push_back(Finding{"ledger.triggers-missing", Severity::error,
                                 "the append-only triggers were removed from the database; "
                                 "someone changed its schema",
                                 "sqlite_master"});
  std::string prev = kGenesis;
  long long expected = 1;
  bool seen_head = !expect_head;
  for (const auto& e : all) {
    if (e.seq != expected) {
      add("ledger.entry-missing", expected,
          "missing: the entries jump from " + std::to_string(expected - 1) + " to " +
              std::to_string(e.seq) + " (an entry was deleted)");
      break;
    }
    if (e.prev_hash != prev) {
      add("ledger.chain-broken", e.seq,
          "its previous-entry hash does not match entry " + std::to_string(e.seq - 1) +
              " (entries were reordered, replaced or deleted)");
      break;
    }
    const std::string p = payload(e);
    if (entry_hash(e.prev_hash, p) != e.hash || p != e.stored_payload) {
      add("ledger.entry-changed", e.seq,
          "its content does not match its hash: it was changed after it was written");
      break;
    }
    if (keyed(e)) {
      if (e.signature.empty()) {
        add("ledger.signature-missing", e.seq, "an entry by a key holder carries no signature");
        break;
      }
      const auto at = parse_utc_instant(e.at);
      auto check = crypto::verify_detached(e.signature, p, trust, crypto::Role::releaser,
                                           at ? *at : now_utc(), "entries[seq]");
      if (!check.findings.empty()) {
        add("ledger.signature-invalid", e.seq,
            "its signature does not hold: " + check.findings.front().message);
        break;
      }
      if (check.signer.sha256 != e.actor_sha256) {
        add("ledger.signature-invalid", e.seq, "signed by a certificate other than its actor's");
        break;
      }
    }
    if (expect_head && e.hash == *expect_head) seen_head = true;
    prev = e.hash;
    ++expected;
  }
  if (r.findings.empty() && ledger.highest_seq_ever() >= expected)
    add("ledger.truncated", expected,
        "missing: the ledger once held entries up to " + std::to_string(ledger.highest_seq_ever()) +
            " but now ends at " + std::to_string(expected - 1) + " (its tail was removed)");
  if (r.findings.empty() && !seen_head)
    r.findings.push_back(Finding{"ledger.head-missing", Severity::error,
                                 "the expected chain head " + *expect_head +
                                     " is not in the ledger: entries were dropped or replaced",
                                 "entries"});
  return r;
}

}  // namespace dosegate::ledger
