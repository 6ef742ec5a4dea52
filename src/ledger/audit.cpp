#include "ledger/audit.hpp"

#include <algorithm>
#include <functional>

#include "crypto/cms.hpp"
#include "crypto/detached_verifier.hpp"
#include "crypto/timestamp.hpp"
#include "ledger/fields.hpp"

namespace dosegate::ledger {
namespace {

using Add = std::function<void(const char* code, long long seq, const std::string& message)>;

// The checks that need no key, for the entry at position `expected` after the entry whose hash
// is `prev`: its number, its link, its content against its hash, and its kind's signing rule
// (kKindRules). Adds the finding and returns false at the first that fails.
bool check_unkeyed(const Entry& e, long long expected, const std::string& prev,
                   const std::string& p, const Add& add) {
  if (e.seq != expected) {
    add("ledger.entry-missing", expected,
        "missing: the entries jump from " + std::to_string(expected - 1) + " to " +
            std::to_string(e.seq) + " (an entry was deleted)");
    return false;
  }
  if (e.prev_hash != prev) {
    add("ledger.chain-broken", e.seq,
        "its previous-entry hash does not match entry " + std::to_string(e.seq - 1) +
            " (entries were reordered, replaced or deleted)");
    return false;
  }
  if (entry_hash(e.prev_hash, p) != e.hash || p != e.stored_payload) {
    add("ledger.entry-changed", e.seq,
        "its content does not match its hash: it was changed after it was written");
    return false;
  }
  switch (signer_for(e.kind)) {
    case EntrySigner::unknown:
      add("ledger.kind-unknown", e.seq,
          "its kind '" + e.kind +
              "' is not one this dosegate writes; an entry it cannot judge "
              "is not trusted");
      return false;
    case EntrySigner::releaser:
      if (e.signature.empty()) {
        add("ledger.signature-missing", e.seq,
            "a " + e.kind +
                " entry must be signed by a releaser, and this one carries no "
                "signature");
        return false;
      }
      break;
    case EntrySigner::optional:
      if (e.signature.empty() && !e.actor_sha256.empty()) {
        add("ledger.signature-missing", e.seq, "an entry by a key holder carries no signature");
        return false;
      }
      break;
  }
  return true;
}

// The signature, when the entry carries one: over signed_bytes() (so over its number and its
// predecessor's hash too), by its actor's certificate, under the trust policy for the
// releasers/ role at the entry's own time.
bool crl_unavailable(const Finding& f) {
  return f.code == "signature.crl-missing" || f.code == "signature.crl-expired" ||
         f.code == "signature.crl-not-yet-valid";
}

bool only_revocation_data(const std::vector<Finding>& findings) {
  return !findings.empty() && std::all_of(findings.begin(), findings.end(), crl_unavailable);
}

// The chain failed for want of a CRL valid at the entry's time; a revocation OpenSSL read from a
// CRL that was not valid then says nothing reliable either way (Access::check_as_of decides).
bool revocation_data_unavailable(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(), crl_unavailable) &&
         std::all_of(findings.begin(), findings.end(), [](const Finding& f) {
           return crl_unavailable(f) || f.code == "signature.revoked";
         });
}

// Adds `used` to `into` for entry `seq` (each CRL once).
void rely_on(std::vector<CrlReliedOn>* into, const std::vector<CrlUsed>& used, long long seq) {
  if (!into) return;
  for (const auto& c : used) {
    auto it = std::find_if(into->begin(), into->end(), [&](const CrlReliedOn& r) {
      return r.crl.chain == c.chain && r.crl.issuer == c.issuer &&
             r.crl.this_update == c.this_update && r.crl.next_update == c.next_update &&
             r.crl.source == c.source;
    });
    if (it == into->end()) it = into->insert(into->end(), CrlReliedOn{c, 0, seq, seq});
    ++it->entries;
    it->last_entry = seq;
  }
}

bool check_signature(const Entry& e, const std::string& p, crypto::DetachedVerifier& verifier,
                     const crypto::TrustStore& trust, const Add& add,
                     std::vector<CrlReliedOn>* crls = nullptr) {
  if (e.signature.empty()) return true;  // allowed unsigned: check_unkeyed decided
  const auto at = parse_utc_instant(e.at);
  if (!at) {
    add("ledger.signature-invalid", e.seq,
        "its time '" + e.at + "' is not a UTC time, so its signature cannot be checked");
    return false;
  }
  // A signature with an RFC 3161 token (recall --tsa) is judged as of the token's time, which
  // must be the entry's own time give or take the clocks' allowance.
  if (crypto::may_carry_timestamp(e.signature)) {
    const auto ts = crypto::verify_detached_timestamped(
        e.signature, signed_bytes(e.seq, e.prev_hash, p), trust, crypto::Role::releaser,
        std::max(*at, now_utc()), "entries[seq]", "this ledger entry", e.crls, "ledger");
    // No CRL, of the trust directory or kept with the entry, speaks for the token's time (for
    // the signer's chain or the TSA's): it cannot be checked, which is no sign of tampering.
    if (ts.carries_token && only_revocation_data(ts.cms.findings)) {
      add("ledger.could-not-check", e.seq,
          "its timestamped signature cannot be checked: " + ts.cms.findings.front().message +
              "; install the CA's CRL (an old one that was valid then, or any issued since)");
      return true;
    }
    if (ts.timestamp || (!ts.cms.findings.empty() &&
                         ts.cms.findings.front().code == "signature.timestamp-invalid")) {
      if (!ts.cms.findings.empty()) {
        add("ledger.signature-invalid", e.seq,
            "its signature does not hold over the entry in this place of the chain: " +
                ts.cms.findings.front().message);
        return false;
      }
      const auto skew = ts.timestamp->time - *at;
      if (skew > kClockSkewAllowance || skew < -kClockSkewAllowance) {
        add("ledger.signature-invalid", e.seq,
            "its timestamp says " + format_instant(ts.timestamp->time) + ", not its time " + e.at +
                " (give or take 5 minutes): the entry was back-dated or its time changed");
        return false;
      }
      if (e.actor_sha256.empty() || ts.cms.signer.sha256 != e.actor_sha256) {
        add("ledger.signature-invalid", e.seq, "signed by a certificate other than its actor's");
        return false;
      }
      rely_on(crls, ts.crls, e.seq);
      return true;
    }
  }
  // The verifier answers as crypto::verify_detached does; it checks each signer's chain once
  // per stretch of time in which its answer cannot change (see detached_verifier.hpp), so a
  // certificate revoked or expired at some time still fails every entry after it.
  auto check = verifier.verify(e.signature, signed_bytes(e.seq, e.prev_hash, p), *at,
                               "entries[seq]", "this ledger entry");
  // No CRL of the trust directory is valid at the entry's time (a routine refresh replaced the
  // one current then): the signer is judged as of that time from the freshest CRL issued since,
  // which still refuses a revocation dated before the entry. A signature that no CRL can speak
  // for is ledger.could-not-check, never tampering; the audit goes on with the next entries.
  if (revocation_data_unavailable(check.findings)) {
    std::vector<Finding> notes;
    const auto again = crypto::verify_detached_as_of(
        e.signature, signed_bytes(e.seq, e.prev_hash, p), trust, crypto::Role::releaser, *at,
        std::max(*at, now_utc()), "entries[seq]", "this ledger entry", notes, e.crls, "ledger");
    if (only_revocation_data(again.findings)) {
      add("ledger.could-not-check", e.seq,
          "its signature cannot be checked: " + again.findings.front().message +
              "; install the CA's CRL (an old one that was valid then, or any issued since)");
      return true;
    }
    check = again;
    if (check.findings.empty()) rely_on(crls, check.crls, e.seq);
  }
  if (!check.findings.empty()) {
    add("ledger.signature-invalid", e.seq,
        "its signature does not hold over the entry in this place of the chain: " +
            check.findings.front().message);
    return false;
  }
  if (e.actor_sha256.empty() || check.signer.sha256 != e.actor_sha256) {
    add("ledger.signature-invalid", e.seq, "signed by a certificate other than its actor's");
    return false;
  }
  return true;
}

Add adder(std::vector<Finding>& findings) {
  return [&findings](const char* code, long long seq, const std::string& message) {
    findings.push_back(Finding{code, Severity::error,
                               "entry " + std::to_string(seq) + ": " + message,
                               "entries[seq=" + std::to_string(seq) + "]"});
  };
}

}  // namespace

AuditResult audit(const Ledger& ledger, const crypto::TrustStore& trust,
                  const std::optional<std::string>& expect_head) {
  AuditResult r;
  // One state of the ledger for the whole audit, read row by row: entries that other processes
  // append meanwhile are not read, and the bookkeeping of the highest number ever written is
  // that state's too (else an append during a long audit would read as a removed tail).
  const auto snapshot = ledger.snapshot();
  crypto::DetachedVerifier verifier(trust, crypto::Role::releaser);
  r.head = ledger.head();
  const auto add = adder(r.findings);
  if (const auto problem = ledger.rules_problem(); !problem.empty())
    r.findings.push_back(
        Finding{"ledger.triggers-missing", Severity::error, problem, "the database's schema"});
  std::string prev = kGenesis;
  long long expected = 1;
  bool seen_head = !expect_head;
  bool ok = true;
  std::optional<Instant> prev_at;
  std::string p;
  ledger.for_each({}, [&](const Entry& e) {
    payload_into(e, p);
    if (!check_unkeyed(e, expected, prev, p, add) ||
        !check_signature(e, p, verifier, trust, add, &r.crls)) {
      ok = false;
      return false;
    }
    // Entries are appended in time order; clocks of different machines may disagree a little.
    const auto at = parse_utc_instant(e.at);
    if (!at) {
      add("ledger.time-reversed", e.seq,
          "its time '" + e.at + "' is not a UTC time, so its order cannot be checked");
      ok = false;
      return false;
    }
    if (prev_at && *at < *prev_at - kClockSkewAllowance) {
      add("ledger.time-reversed", e.seq,
          "its time " + e.at + " is earlier than entry " + std::to_string(e.seq - 1) + "'s " +
              format_instant(*prev_at) +
              " by more than the 5 minutes clocks may disagree: it was back-dated or written "
              "out of order");
      ok = false;
      return false;
    }
    prev_at = at;
    if (expect_head && e.hash == *expect_head) seen_head = true;
    prev = e.hash;
    ++expected;
    return true;
  });
  r.entries = ok ? static_cast<std::size_t>(expected - 1) : ledger.count();
  if (ok && ledger.highest_seq_ever() >= expected)
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

bool LotReading::kept(const std::string& kind) {
  return kind == "recall" || kind == "release" || kind == "exceptional-release" ||
         kind == "records" || kind == "results" || kind == "confirm";
}

bool LotReading::keep(Entry&& e) {
  if (e.kind == "confirm") {
    const auto at = confirmations.size();
    if (e.decision == "go")
      for (const auto& division : e.divisions) {
        const auto [it, first] = given.try_emplace(division, Given{at, std::nullopt});
        if (!first && !it->second.other && confirmations[it->second.first].recipient != e.recipient)
          it->second.other = at;
      }
    confirmations.push_back(std::move(e));
    return true;
  }
  auto* into = e.kind == "recall" ? &recalls  // counts, verified or not
               : e.kind == "release" || e.kind == "exceptional-release" ? &releases
               : e.kind == "records"                                    ? &records
               : e.kind == "results"                                    ? &results
                                                                        : nullptr;
  if (!into) return false;
  into->push_back(std::move(e));
  return true;
}

LotReading read_lot(const Ledger& ledger, const crypto::TrustStore& trust, const std::string& din) {
  LotReading r;
  const auto add = adder(r.findings);
  // Every entry, one row at a time and from one state of the ledger: only the lot's entries and
  // the newest signed entry are kept.
  const auto snapshot = ledger.snapshot();
  crypto::DetachedVerifier verifier(trust, crypto::Role::releaser);
  std::string prev = kGenesis;
  long long expected = 1;
  Entry newest_signed;
  bool have_newest = false;
  bool newest_checked = false;
  std::string p;
  ledger.for_each({}, [&](Entry& e) {
    const bool lot = e.din == din;
    if (r.findings.empty()) {
      payload_into(e, p);
      const bool check = lot && !e.signature.empty();
      if (check_unkeyed(e, expected, prev, p, add) && check)
        check_signature(e, p, verifier, trust, add);
    }
    prev = e.hash;
    ++expected;
    // What is kept is moved out of the row (the next row overwrites every field).
    if (lot && r.findings.empty() && !e.signature.empty() && LotReading::kept(e.kind)) {
      newest_signed = e;
      have_newest = true;
      newest_checked = true;
    }
    if (lot && r.keep(std::move(e))) return true;
    if (r.findings.empty() && !e.signature.empty()) {
      std::swap(newest_signed, e);
      have_newest = true;
      newest_checked = lot;
    }
    return true;
  });
  // The newest signed entry covers its predecessor's hash, which (the chain holding) covers
  // everything before it: one signature shows that nothing before it was replaced, removed or
  // inserted. After it come only entries that may be unsigned (confirmations).
  if (r.findings.empty() && have_newest && !newest_checked)
    check_signature(newest_signed, payload(newest_signed), verifier, trust, add);
  if (r.findings.empty() && ledger.highest_seq_ever() >= expected)
    add("ledger.truncated", expected,
        "missing: the ledger once held entries up to " + std::to_string(ledger.highest_seq_ever()) +
            " but now ends at " + std::to_string(expected - 1) + " (its tail was removed)");
  return r;
}

}  // namespace dosegate::ledger

namespace dosegate::ledger {

ChainFollower::ChainFollower(const crypto::TrustStore& trust, std::optional<Head> expect_head)
    : trust_(trust),
      verifier_(std::make_unique<crypto::DetachedVerifier>(trust, crypto::Role::releaser)),
      expect_head_(std::move(expect_head)) {}

ChainFollower::~ChainFollower() = default;

void ChainFollower::check(Entry& e, bool from_caller) {
  const auto add = adder(findings_);
  std::string p;
  payload_into(e, p);
  const std::string& prev = head_.seq == 0 ? kGenesis : head_.hash;
  if (!check_unkeyed(e, head_.seq + 1, prev, p, add)) return;
  if (!from_caller && !check_signature(e, p, *verifier_, trust_, add)) return;
  if (expect_head_ && e.seq == expect_head_->seq && e.hash != expect_head_->hash) {
    findings_.push_back(Finding{"ledger.head-missing", Severity::error,
                                "entry " + std::to_string(e.seq) + " is no longer the entry " +
                                    expect_head_->hash +
                                    " this service read before: the ledger was replaced",
                                "entries[seq=" + std::to_string(e.seq) + "]"});
    return;
  }
  head_ = Head{e.seq, e.hash};
  if (e.kind == "rejection") return;
  if (!LotReading::kept(e.kind)) return;
  if (e.kind == "confirm") {
    // What an earlier administration is judged by: kept small, the lot may hold many.
    e.stored_payload.clear();
    e.stored_payload.shrink_to_fit();
    e.signature.clear();
    e.records.clear();
    e.warnings.clear();
    e.reason.clear();
  }
  const auto din = e.din;
  lots_[din].keep(std::move(e));
}

void ChainFollower::follow(const Ledger& ledger) {
  if (!findings_.empty()) return;  // an untrusted chain stays untrusted
  const auto snapshot = ledger.snapshot();
  Filter f;
  bool head_seen = head_.seq == 0;
  if (head_.seq > 0) f.after_seq = head_.seq - 1;
  const auto missing = [&](const std::string& why) {
    findings_.push_back(Finding{"ledger.head-missing", Severity::error,
                                "the chain head this service read before (entry " +
                                    std::to_string(head_.seq) + ", " + head_.hash +
                                    ") is not in the ledger: " + why,
                                "entries"});
  };
  ledger.for_each(f, [&](Entry& e) {
    if (!head_seen) {
      head_seen = true;
      if (e.seq != head_.seq || e.hash != head_.hash) {
        missing("entry " + std::to_string(head_.seq) +
                " was replaced (the ledger was swapped for another copy)");
        return false;
      }
      return true;
    }
    check(e, false);
    return findings_.empty();
  });
  if (!findings_.empty()) return;
  if (!head_seen) {
    missing("the ledger ends before it (replaced with an older copy, or its tail removed)");
    return;
  }
  if (expect_head_ && head_.seq < expect_head_->seq) {
    findings_.push_back(Finding{"ledger.head-missing", Severity::error,
                                "the ledger ends at entry " + std::to_string(head_.seq) +
                                    ", before entry " + std::to_string(expect_head_->seq) + " (" +
                                    expect_head_->hash +
                                    ") that this service read before: it was replaced with an "
                                    "older copy, or its tail removed",
                                "entries"});
    return;
  }
  if (ledger.highest_seq_ever() > head_.seq)
    adder(findings_)("ledger.truncated", head_.seq + 1,
                     "missing: the ledger once held entries up to " +
                         std::to_string(ledger.highest_seq_ever()) + " but now ends at " +
                         std::to_string(head_.seq) + " (its tail was removed)");
}

void ChainFollower::take(const Entry& entry) {
  if (!findings_.empty()) return;
  Entry e = entry;
  e.stored_payload = payload(e);
  check(e, true);
}

void ChainFollower::with_lot(const std::string& din,
                             const std::function<void(const LotReading&)>& visit) const {
  const auto it = lots_.find(din);
  if (findings_.empty() && it != lots_.end()) {
    visit(it->second);
    return;
  }
  LotReading r = it == lots_.end() ? LotReading{} : it->second;
  r.findings = findings_;
  visit(r);
}

LotReading ChainFollower::lot(const std::string& din) const {
  LotReading out;
  with_lot(din, [&](const LotReading& r) { out = r; });
  return out;
}

}  // namespace dosegate::ledger
