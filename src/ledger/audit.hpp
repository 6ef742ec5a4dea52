// Auditing the ledger: the hash chain, every entry's content against its hash, every signature
// under the trust policy (releasers/ role, at the entry's own time), and the bookkeeping that
// shows a dropped tail.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/ledger/ledger.hpp"

namespace dosegate::crypto {
class DetachedVerifier;
}

namespace dosegate::ledger {

// A CRL that signatures judged as of their own time relied on, and the entries it spoke for.
struct CrlReliedOn {
  CrlUsed crl;  // source "trust-directory" or "ledger" (kept with the entry at signing)
  std::size_t entries = 0;
  long long first_entry = 0;
  long long last_entry = 0;
};

struct AuditResult {
  std::size_t entries = 0;
  std::optional<Entry> head;
  std::vector<Finding> findings;  // empty when intact; the first names the first wrong entry
  // Each CRL once, in the order first used: the CRLs of the signatures judged as of their own
  // time from the freshest CRL (timestamped entries, and entries no trust-directory CRL valid at
  // their time speaks for any more), per CA of the signer's and the TSA's chains. Signatures
  // judged by a trust-directory CRL valid at the entry's time are not listed.
  std::vector<CrlReliedOn> crls;
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
  // Per dose (division): the lot's first GO confirmation and the first GO after it for another
  // recipient, as indices into `confirmations`. That is all a confirmation needs to know of the
  // earlier ones (given before to the same recipient, or already given to another), found
  // without a pass over every confirmation of the lot.
  struct Given {
    std::size_t first = 0;
    std::optional<std::size_t> other;
  };
  std::map<std::string, Given> given;
  bool trusted() const { return findings.empty(); }
  // Keeps `e` in the list for its kind (recalls, releases with exceptional releases, records,
  // results, confirmations), and a GO confirmation in `given`. False for a kind a lot does not
  // keep (e is left as it was).
  bool keep(Entry&& e);
  // Whether keep() keeps an entry of this kind.
  static bool kept(const std::string& kind);
};

// Throws dosegate::Error("ledger.unreadable") when the ledger cannot be read.
LotReading read_lot(const Ledger& ledger, const crypto::TrustStore& trust, const std::string& din);

// The chain followed as it grows, for a long-running reader that confirms many doses (the
// bedside service): each entry is read and checked once, as `audit` checks it (number, link,
// content against hash, kind rule, and every signature: releasers/ role at the entry's own
// time), and then kept in memory by lot, so that a lot's reading costs no pass over the
// ledger. follow() reads only the entries appended since the last call, after checking that
// the last entry it saw is still there with the same hash: a ledger replaced with an older
// copy, or whose tail was removed, is ledger.head-missing (and every lot untrusted), never a
// silently shorter history. One follower belongs to one trust store: when the trust directory
// changes, start a new follower (it reads the whole chain again), passing the old one's head.
class ChainFollower {
 public:
  struct Head {
    long long seq = 0;
    std::string hash;
  };
  // `expect_head`: an entry this ledger held before (the previous follower's head); the
  // chain must still contain it, else ledger.head-missing.
  ChainFollower(const crypto::TrustStore& trust, std::optional<Head> expect_head = std::nullopt);
  ~ChainFollower();
  ChainFollower(const ChainFollower&) = delete;
  ChainFollower& operator=(const ChainFollower&) = delete;

  // Reads and checks the entries after head(); inside the caller's transaction when it holds
  // one (begin()), so that nothing is appended between this and the caller's own append.
  // Throws Error("ledger.unreadable") when the ledger cannot be read.
  void follow(const Ledger& ledger);
  // An entry the caller appended in its open transaction (prepare, append: seq, prev_hash and
  // hash filled): taken in without reading it back. If the transaction does not commit, this
  // follower no longer matches the ledger: drop it.
  void take(const Entry& entry);
  // The lot as read_lot reads it, from memory; with this follower's findings.
  LotReading lot(const std::string& din) const;
  // Calls `visit` with the lot's reading without copying it (the reading lives until the next
  // follow() or take()).
  void with_lot(const std::string& din, const std::function<void(const LotReading&)>& visit) const;
  bool trusted() const { return findings_.empty(); }
  const std::vector<Finding>& findings() const { return findings_; }
  Head head() const { return head_; }

 private:
  void check(Entry& e, bool from_caller);
  const crypto::TrustStore& trust_;
  std::unique_ptr<crypto::DetachedVerifier> verifier_;
  std::optional<Head> expect_head_;
  Head head_;
  std::vector<Finding> findings_;
  std::map<std::string, LotReading> lots_;
};

// "INTACT: ..." with the chain head, or "TAMPERED: ..." with every finding.
void print_text(const AuditResult& result, const std::string& ledger_path, std::ostream& out);
// One JSON object: "version": 1, "command": "audit", "decision": "intact" | "tampered".
void print_json(const AuditResult& result, const std::string& ledger_path, std::ostream& out);

}  // namespace dosegate::ledger
