// `dosegate confirm`: at the bedside, GO or NO-GO for the dose in the clinician's hand.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate {

// The bedside gets an answer in bounded time: all waiting for a ledger that another process
// holds locked (opening it, reading the recalls, appending the confirmation) stops after this
// long in total. A ledger still locked then means NO-GO (confirm.ledger-busy when the recalls
// could not be read, confirm.not-recorded when the confirmation could not be appended).
inline constexpr std::chrono::milliseconds kBedsideLedgerWait{5000};

struct ConfirmOptions {
  std::string record_path;
  std::string trust_dir;
  // What the scanner read from the bag label, one bar code each or together, or the
  // eye-readable text (isbt128::parse_scans).
  std::vector<std::string> scans;
  std::optional<Instant> thawed_at;
  std::optional<std::string> ledger_path;
  std::string staff;         // who confirms; recorded in the ledger
  std::string second_staff;  // the second checker, when there is one; never the same as staff
  // The recipient's pseudonymous identifier (the wristband scan; never a name). The first GO
  // for a dose binds it to its recipient: a GO for another recipient is NO-GO
  // (confirm.dose-already-given). Without it, the confirmation carries a warning.
  std::string recipient;
  Instant at{};  // the time of the confirmation
  // Whether the confirmation is appended to the ledger. The CLI sets it false when --as-of or
  // --at is given: an answer for another time is a check, never a (back-dated) entry.
  bool record = true;
  // --record-only: answer from the record alone, for a device that truly has no ledger. The
  // ledger is not opened, so neither a recall, nor the release, nor an earlier administration
  // can be seen, and nothing is recorded; the answer line says [LEDGER NOT CONSULTED].
  bool record_only = false;
  std::chrono::milliseconds ledger_wait = kBedsideLedgerWait;
};

struct ConfirmPending {
  std::string test;
  std::string expected;
};

struct ConfirmResult {
  bool go = false;
  std::vector<Finding> findings;        // errors are the NO-GO reasons; warnings are shown too
  std::vector<ConfirmPending> pending;  // tests still pending (no late result in the ledger)
  // What the record says (when it could be read from its signed revision)
  std::string din;
  std::string product_code;
  std::string division;
  std::string product_name;
  std::string expires;
  std::string released_at;
  std::string released_by;
  std::string signer;
  std::optional<int> use_within_minutes;
  // An exceptional release (out of specification): the failed criteria, "cd105 94.99 %
  // (>= 95 %)"; empty for a normal release. GO only for the recipient it names.
  std::string exceptional;
  // The record's signature: the time its signer was judged at (the timestamp's time for a
  // PAdES B-T record, else the confirmation's time), and its timestamp and TSA when it has one.
  std::string signature_judged_at;
  std::optional<std::string> timestamp;
  std::optional<std::string> tsa;
  // The CRL each CA of the record's chains was judged by, and where it came from (the trust
  // directory, the record's /DSS).
  std::vector<CrlUsed> signature_crls;
  // The ledger
  std::string ledger_path;
  bool ledger_consulted = false;  // false with --record-only
  bool recall_checked = false;
  bool release_known = false;    // the ledger holds the record's release and its records entry
  std::string late_results;      // "complete at TIME (entry N)" when a late result resolved the
                                 // pending tests
  std::string confirmed_before;  // "at TIME by STAFF" when this dose was GO before for this
                                 // recipient
  std::optional<long long> ledger_entry;  // this confirmation's entry
  std::string ledger_note;                // why it was not recorded, when it was not
};

// GO needs the ledger to hold the release entry the record names (same number and hash) and
// the records entry listing this record's SHA-256 (confirm.release-unknown otherwise), no
// recall, no pending test past its expected date without a late result
// (confirm.pending-overdue, unless the specification's when-overdue says "warn"), no earlier GO
// of this dose for another recipient (confirm.dose-already-given), and the confirmation's own
// ledger entry: when it cannot be appended, the answer is NO-GO (confirm.not-recorded). The one
// exception is record_only, which never opens a ledger and says so ([LEDGER NOT CONSULTED],
// "not recorded").
// Throws std::invalid_argument for a malformed scan (wrong check character or flags included)
// and dosegate::Error when it cannot check at all (unreadable record file or trust directory).
ConfirmResult confirm(const ConfirmOptions& options);

// The rule for a recipient or staff id (a wristband or badge scan): printable ASCII without
// spaces, 1 to 64 characters. The problem, naming `field`, or nullopt. Every caller that takes
// ids from people (the command line, the service) checks with it, and confirm() refuses
// options that break it (UsageError), as well as a second staff id equal to the staff id.
std::optional<std::string> id_problem(const std::string& field, const std::string& value);

// The answer line: "GO", "GO, N tests pending: ..." or "NO-GO: every reason", with
// "[LEDGER NOT CONSULTED]" for record_only.
std::string answer_line(const ConfirmResult& result);

// The answer line, then the dose, the release and the ledger, for a person.
void print_text(const ConfirmResult& result, const ConfirmOptions& options, std::ostream& out);
// One JSON object: "version": 1, "command": "confirm", "decision": "go" | "no-go", the answer
// line, the dose, pending tests, the ledger entry and every finding.
void print_json(const ConfirmResult& result, const ConfirmOptions& options, std::ostream& out);

}  // namespace dosegate
