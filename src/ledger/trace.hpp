// The vein-to-vein look-back of one lot (`dosegate trace`): its releases, late results and
// recalls, and for each dose whether it was given, when, by whom and to which recipient. Read
// through read_lot, so through the audit's checks: a ledger that does not verify for the lot
// yields its findings, never an unverified story.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/ledger/look_back.hpp"
#include "ledger/audit.hpp"

namespace dosegate::ledger {

enum class DoseStatus {
  not_confirmed,  // no confirmation of the dose in the ledger
  not_given,      // confirmations, every one NO-GO
  given,          // at least one GO confirmation
};

// "not-confirmed", "not-given", "given" (the JSON and CSV value).
const char* to_string(DoseStatus status);

struct DoseTrace {
  std::string division;
  std::vector<long long> release_seqs;  // the release entries that name it (a re-issue adds
                                        // one); empty for a division only confirmations name
  std::vector<Entry> confirmations;     // kind confirm, of this division, in ledger order
  DoseStatus status() const;
  // The recipients of the GO confirmations, each once, in ledger order ("" for a GO that
  // records none).
  std::vector<std::string> recipients() const;
};

struct LotTrace {
  std::string din;
  std::vector<Entry> releases;    // kind release, in ledger order
  std::vector<Entry> results;     // kind results: late results (dosegate complete)
  std::vector<Entry> recalls;     // kind recall
  std::vector<DoseTrace> doses;   // in the order the releases name them; then any division only
                                  // confirmations name
  std::size_t rejections = 0;     // the lot's rejection entries (history --lot lists them)
  LookBack look_back;             // the counts, as look_back() gives them
  std::optional<Entry> head;      // the ledger's last entry
  std::vector<Finding> findings;  // read_lot's: when not empty, nothing above is filled
  bool verified() const { return findings.empty(); }
};

// The counts of a lot's reading: doses, doses given (a GO confirmation), GO confirmations,
// distinct recipients, GO confirmations without a recipient; with the reading's findings. The
// counts are filled whether or not the reading verifies (a recall reports them either way).
LookBack look_back(const LotReading& reading);

// Reads the lot through read_lot. When the ledger does not verify for it, only `din`, `head`
// and `findings` are filled. Throws Error("trace.unknown-lot") naming the ledger file when the
// ledger (verified) holds no entry of the lot, and Error("ledger.unreadable") when it cannot be
// read.
LotTrace trace_lot(const Ledger& ledger, const crypto::TrustStore& trust, const std::string& din);

// The look-back as a table per dose (stored text with its controls escaped), as CSV (one row
// per confirmation and one per dose never confirmed; UTF-8 with BOM, CRLF, formula-safe, like
// history's) and as JSON ("version": 1, "command": "trace"). A trace that does not verify is
// written as "NOT VERIFIED" with its findings (table), nothing (CSV: the caller says so on
// standard error) or "decision": "not-verified" with the findings (JSON).
void write_trace_table(std::ostream& out, const LotTrace& trace, const std::string& ledger_path);
void write_trace_csv(std::ostream& out, const LotTrace& trace);
void write_trace_json(std::ostream& out, const LotTrace& trace, const std::string& ledger_path);

}  // namespace dosegate::ledger
