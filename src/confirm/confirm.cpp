#include "dosegate/confirm/confirm.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "ledger/audit.hpp"
#include "pdf/verify_record.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

void no_go(ConfirmResult& r, const char* code, const std::string& message) {
  r.findings.push_back(Finding{code, Severity::error, message, "/release-data.json"});
}

}  // namespace

ConfirmResult confirm(const ConfirmOptions& o) {
  // The bound on waiting for the ledger runs from the start: the answer is due in seconds.
  const auto deadline = std::chrono::steady_clock::now() + o.ledger_wait;
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  const auto scanned = isbt128::parse_scans(o.scans);  // bad input: cannot check
  const crypto::TrustStore trust(o.trust_dir);
  const std::string bytes = text::read_file(o.record_path);
  ConfirmResult r;

  // 1. The record: signature over the whole file, releaser's chain, release data.
  const auto check = pdf::verify_record(bytes, trust, o.at, o.record_path);
  r.findings = check.findings;
  if (check.signer) r.signer = check.signer->subject;
  if (check.release_data) {
    try {
      const auto data = release_data_from_json(*check.release_data);
      r.din = data.din;
      r.product_code = data.product_code;
      r.product_name = data.product_name;
      r.expires = data.expires;
      r.division = data.dose.division;
      r.released_at = data.released_at;
      r.released_by = data.released_by;
      r.use_within_minutes = data.use_within_after_thaw_minutes;
      for (const auto& p : data.pending) r.pending.push_back({p.test, p.expected});

      // 2. The bag in the hand is the dose of this record.
      if (scanned.din != r.din)
        no_go(r, "confirm.wrong-lot",
              "wrong lot: the record is for lot " + isbt128::din_eye_readable(r.din) +
                  ", the bag is lot " + isbt128::din_eye_readable(scanned.din));
      // The product (description and donation type) and the division are checked apart, so
      // that each mismatch is named once.
      const std::size_t product_len =
          r.product_code.size() == 8 && r.product_code.compare(6, 2, "99") == 0 ? 8 : 6;
      if (scanned.product_code.substr(0, product_len) != r.product_code.substr(0, product_len))
        no_go(r, "confirm.wrong-product",
              "wrong product: the record is for " + r.product_code.substr(0, product_len) +
                  ", the bag is " + scanned.product_code.substr(0, product_len));
      if (scanned.division != r.division)
        no_go(r, "confirm.wrong-dose",
              "wrong dose: the record is for dose " + r.division + ", the bag is dose " +
                  scanned.division);
      // 3. Expiry and the thaw window.
      const auto expires = parse_utc_instant(r.expires);
      if (!expires || *expires <= o.at)
        no_go(r, "confirm.expired", "the lot expired at " + r.expires + " (UTC)");
      if (o.thawed_at) {
        if (*o.thawed_at > o.at) {
          no_go(r, "confirm.thawed-in-future",
                "the thaw time " + format_instant(*o.thawed_at) +
                    " is after now; check the time entered and the device's clock");
        } else if (!r.use_within_minutes) {
          r.findings.push_back(Finding{"confirm.no-thaw-window", Severity::warning,
                                       "the specification sets no use-within-after-thaw window",
                                       "/release-data.json"});
        } else {
          const auto until = *o.thawed_at + std::chrono::minutes(*r.use_within_minutes);
          if (o.at > until)
            no_go(r, "confirm.thaw-window-passed",
                  "thaw window passed: thawed at " + format_instant(*o.thawed_at) +
                      ", use within " + std::to_string(*r.use_within_minutes) + " minutes, so by " +
                      format_instant(until));
        }
      }
    } catch (const std::runtime_error& e) {
      no_go(r, "record.data-unreadable",
            std::string("the release data cannot be read: ") + e.what());
    }
  }

  // 4. Recalls, from the ledger; and the confirmation itself goes into it.
  r.ledger_path = ledger::resolve_path(o.ledger_path);
  std::optional<ledger::Ledger> ledger;
  try {
    ledger.emplace(ledger::Ledger::open(r.ledger_path, false, left()));
    ledger->set_wait(left());
    // Through the audit's checks, never a bare query: an entry someone wrote into the file
    // without a key must not turn the answer into GO.
    const auto reading = ledger::read_lot(*ledger, trust, scanned.din);
    r.recall_checked = true;
    for (const auto& e : reading.recalls)  // a recall counts even when its entry is forged
      no_go(r, "confirm.recalled", "lot recalled at " + e.at + " by " + e.actor + ": " + e.reason);
    for (const auto& f : reading.findings)
      no_go(r, "confirm.ledger-tampered",
            "recall status unknown: the ledger does not verify (" + f.code + ", " + f.message +
                "); run dosegate audit on it");
  } catch (const Error& e) {
    if (o.no_recall_check) {
      r.findings.push_back(Finding{"confirm.recall-not-checked", Severity::warning,
                                   "RECALL NOT CHECKED (--no-recall-check): the ledger cannot "
                                   "be read: " +
                                       std::string(e.what()),
                                   "ledger"});
    } else if (e.code() == "ledger.busy") {
      no_go(r, "confirm.ledger-busy",
            "recall status unknown: the ledger stayed locked by another process for " +
                std::to_string(o.ledger_wait.count() / 1000) + " s (" + std::string(e.what()) +
                "); ask again, or find the process that holds it");
    } else {
      no_go(r, "confirm.ledger-unreadable",
            "recall status unknown: the ledger cannot be read (" + std::string(e.what()) +
                "); only with --no-recall-check may a dose be given without it");
    }
  }

  r.go = std::none_of(r.findings.begin(), r.findings.end(),
                      [](const Finding& f) { return f.severity == Severity::error; });
  if (ledger && !o.record) {
    r.ledger_note = "not recorded: --as-of given";
  } else if (ledger) {
    ledger::Entry e;
    e.kind = "confirm";
    e.decision = r.go ? "go" : "no-go";
    e.at = format_instant(o.at);
    e.actor = o.staff;
    e.din = scanned.din;
    e.divisions = {scanned.division};
    e.records = {
        {std::filesystem::path(o.record_path).filename().string(), crypto::sha256_hex(bytes)}};
    std::string reasons;
    for (const auto& f : r.findings)
      if (f.severity == Severity::error) reasons += (reasons.empty() ? "" : "\n") + f.code;
    e.reason = reasons;
    try {
      ledger->set_wait(left());
      ledger->append_alone(e);
      r.ledger_entry = e.seq;
    } catch (const Error& err) {
      r.ledger_note = std::string("not recorded: ") + err.what();
      // Never a GO that the ledger does not hold: the confirmation is the proof of who gave
      // which dose, and a later look-back must find it.
      no_go(r, "confirm.not-recorded",
            "the confirmation could not be recorded in the ledger (" + std::string(err.what()) +
                "); do not give the dose until a confirmation is recorded");
      r.go = false;
    }
  } else {
    r.ledger_note = "not recorded: the ledger cannot be read";
  }
  return r;
}

}  // namespace dosegate
