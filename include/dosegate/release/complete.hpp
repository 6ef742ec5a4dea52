// `dosegate complete`: the late results of a lot released with pending tests, from the
// laboratory's CoA that supersedes the released one. A late failure recalls the lot.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release/release.hpp"
#include "dosegate/verify/verify.hpp"

namespace dosegate {

struct CompleteOptions {
  // The superseding CoA, its signature, the trust directory and the specification, which must
  // be the one the release used (the built-in one when spec_path is absent). as_of is the
  // clock's time: it is checked at and recorded with it.
  VerifyOptions verify;
  SignerFiles signer;                      // the releaser's key and certificates
  std::optional<std::string> ledger_path;  // ledger::resolve_path rules
  // An RFC 3161 TSA: the signatures of the results entry (and of the recall a late failure
  // adds) get its tokens, checked on receipt under the trust directory's tsa/ role, so that
  // audit judges them as of a trusted time. A TSA that fails, or whose time is not the clock's
  // give or take 5 minutes, throws Error("tsa.failure") and nothing is written.
  std::optional<std::string> tsa_url;
  std::chrono::milliseconds tsa_timeout{30000};
};

// One test of the superseding CoA that the results entry records.
struct LateResult {
  std::string test;
  // The specification allows the test pending (may-be-pending="true"): the only tests a release
  // can have left pending, so its result here is a late one. False for a test that was complete
  // at release and fails in the superseding CoA.
  bool late = false;
  Verdict verdict = Verdict::unknown;  // pass or fail
  std::string specification;           // "not-detected", ">= 95 %"
  std::string result;                  // "not-detected", "0.8 EU/mL"
  std::string completed;               // YYYY-MM-DD, or empty when the CoA gives none
  RowRule rule;                        // the same as values (verify --json's limit and value)
  RowResult value;
};

struct CompleteResult {
  VerifyReport report;
  // "complete": every late result passes (a results entry); "failed": a result fails (a results
  // entry and a recall); "rejected": the CoA does not verify, or verifies with errors that are
  // not a failed result (lot expired, the laboratory's conclusion disagrees, ...): nothing was
  // written.
  std::string decision;
  std::vector<LateResult> results;
  std::optional<ledger::Entry> release;  // the lot's release entry (its last one), when found
  std::string ledger_path;
  std::vector<ledger::Entry> entries;  // appended: the results entry, then the recall if failed
};

// Verifies the CoA exactly as `verify` does (the report is CompleteResult::report) and, when its
// signature holds, reads the lot's entries through ledger::read_lot inside the transaction that
// appends the new ones. Throws dosegate::Error, nothing written, when the job cannot be done:
//   complete.ledger-tampered   the ledger does not verify for the lot (run dosegate audit)
//   complete.unknown-lot       the ledger never released the lot
//   complete.other-lot         <Supersedes> names a CoA released for another lot
//   complete.not-superseding   no <Supersedes>, or it names another CoA than the released one
//   complete.already-complete  the lot already has a results entry
//   complete.recalled          the lot was recalled
//   complete.nothing-pending   the lot was released with no test pending
//   complete.spec-mismatch     the specification is not the one the release used (both hashes)
//   complete.still-pending     a test the specification allows pending has no final result here
// and, as `recall` does, for a key that cannot be used or a releaser certificate the trust
// policy refuses. A CoA whose signature does not hold is decision "rejected" (nothing written).
//
// A result that fails (criterion.failed, or a result that cannot be compared: unit mismatch,
// wrong kind, implausible value) appends, in one transaction, a results entry with decision
// "failed" and a recall entry (decision "recalled", refers_to the results entry). Otherwise a
// results entry with decision "complete". Both are signed by the releaser, at options.verify.as_of.
//
// The results entry: kind "results"; decision "complete" or "failed"; refers_to the release
// entry's seq; din and divisions of the release; coa_id and coa_sha256 of the superseding CoA;
// the specification's id, version and SHA-256; reason one line per LateResult,
// "TEST: VERDICT: RESULT" with " (completed YYYY-MM-DD)" when the CoA gives the date, e.g.
// "mycoplasma: pass: not-detected (completed 2026-11-30)". The recall's reason:
// "late result: mycoplasma detected, the specification requires not-detected (COA-B supersedes
// COA-A)", items joined by "; " (a test complete at release says "final result").
CompleteResult complete(const CompleteOptions& options, const Prompt& prompt);

// The verify report, then the late results and the answer.
void print_text(const CompleteResult& result, std::ostream& out);
// One JSON object: "version": 1, "command": "complete", "decision", the CoA, the specification,
// the release entry, "tests" (each late result), "ledger" (the entries appended), "findings".
void print_json(const CompleteResult& result, std::ostream& out);

}  // namespace dosegate
