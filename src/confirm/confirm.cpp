#include "dosegate/confirm/confirm.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "confirm/confirm_with_trust.hpp"
#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "dosegate/time.hpp"
#include "ledger/audit.hpp"
#include "pdf/verify_record.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

void no_go(ConfirmResult& r, const char* code, const std::string& message) {
  r.findings.push_back(Finding{code, Severity::error, message, "/release-data.json"});
}

// The ledger must hold the release the record names (its number and hash, both signed into
// the record) and the records entry listing this very file's SHA-256. A record of another
// site's ledger, of a release whose transaction never committed (a *.pdf.pending file) or a
// record changed after release fails here.
void check_release_known(ConfirmResult& r, const ReleaseData& data,
                         const ledger::LotReading& reading, const std::string& record_sha256) {
  const auto release =
      std::find_if(reading.releases.begin(), reading.releases.end(), [&](const ledger::Entry& e) {
        return e.seq == data.ledger_seq && e.hash == data.ledger_hash && e.din == data.din;
      });
  bool listed = false;
  if (release != reading.releases.end())
    for (const auto& e : reading.records)
      if (e.seq > release->seq)
        for (const auto& ref : e.records) listed = listed || ref.sha256 == record_sha256;
  if (release == reading.releases.end() || !listed) {
    no_go(r, "confirm.release-unknown",
          "this ledger has no record of this release (" +
              std::string(release == reading.releases.end()
                              ? "no release entry " + std::to_string(data.ledger_seq) +
                                    " with the record's hash"
                              : "no records entry lists this file's SHA-256") +
              "): use the releasing site's ledger");
    return;
  }
  r.release_known = true;
}

// A late result (dosegate complete) resolves the lot's pending tests: "complete" removes them
// from the answer; "failed" came with a recall, which already answers NO-GO.
void apply_late_results(ConfirmResult& r, const ledger::LotReading& reading) {
  for (const auto& e : reading.results) {
    if (e.decision != "complete") continue;
    r.late_results = "complete at " + e.at + " (entry " + std::to_string(e.seq) + ")";
    r.pending.clear();
  }
}

// A pending test past its expected date, without a late result: the laboratory's answer is
// overdue, and the dose waits for it unless the specification says otherwise (when-overdue).
void check_overdue(ConfirmResult& r, const ReleaseData& data, Instant at) {
  if (!r.late_results.empty()) return;
  const std::string today = format_instant(at).substr(0, 10);
  for (const auto& p : data.pending) {
    if (!(p.expected < today)) continue;
    const std::string message = "pending test " + p.test + " is overdue: expected " + p.expected +
                                ", and the ledger holds no late result for it";
    if (p.when_overdue == "warn")
      r.findings.push_back(Finding{"confirm.pending-overdue", Severity::warning,
                                   message + " (the specification allows the dose meanwhile)",
                                   "/release-data.json"});
    else
      no_go(r, "confirm.pending-overdue", message);
  }
}

// The first GO for a dose binds it to its recipient.
void check_earlier_administrations(ConfirmResult& r, const ConfirmOptions& o,
                                   const isbt128::ScannedDose& scanned,
                                   const ledger::LotReading& reading) {
  // In ledger order, the GO confirmations of this dose: the first ones for this recipient are
  // "confirmed before"; the first one for anybody else is NO-GO.
  const auto it = reading.given.find(scanned.division);
  if (it == reading.given.end()) return;
  const auto& first = reading.confirmations[it->second.first];
  const ledger::Entry* other = &first;
  if (first.recipient == o.recipient) {
    r.confirmed_before =
        "at " + first.at + " by " + first.actor + " (entry " + std::to_string(first.seq) + ")";
    other = it->second.other ? &reading.confirmations[*it->second.other] : nullptr;
  }
  if (!other) return;
  no_go(r, "confirm.dose-already-given",
        "this dose was already confirmed for " +
            std::string(other->recipient.empty() ? "administration without a recipient id"
                                                 : "another recipient") +
            " at " + other->at + " by " + other->actor + " (ledger entry " +
            std::to_string(other->seq) + "); do not give it twice");
}

}  // namespace

std::optional<std::string> id_problem(const std::string& field, const std::string& v) {
  if (v.empty() || v.size() > 64)
    return field + " takes an id of 1 to 64 characters, got " + std::to_string(v.size());
  for (char c : v)
    if (c < 0x21 || c > 0x7e)
      return field +
             " takes printable ASCII without spaces (a wristband or badge scan); the value "
             "holds a character outside it";
  return std::nullopt;
}

ConfirmResult confirm(const ConfirmOptions& o) {
  isbt128::parse_scans(o.scans);  // bad input: cannot check, before the trust directory is read
  const crypto::TrustStore trust(o.trust_dir);
  return confirm(o, trust);
}

ConfirmResult confirm(const ConfirmOptions& o, const crypto::TrustStore& trust) {
  return confirm(o, trust, nullptr);
}

namespace {

void check_ids(const ConfirmOptions& o) {
  // Ids from people are checked here too, whoever calls: nothing else reaches the ledger.
  for (const auto& [field, value] :
       {std::pair{"recipient", &o.recipient}, std::pair{"second staff", &o.second_staff}})
    if (!value->empty())
      if (const auto problem = id_problem(field, *value)) throw UsageError(*problem);
  if (!o.second_staff.empty() && o.second_staff == o.staff)
    throw UsageError("the second staff id '" + o.second_staff +
                     "' is the confirming staff id itself; a second check needs another person");
}

}  // namespace

ConfirmDraft confirm_record(const ConfirmOptions& o, const std::string& record_sha256,
                            const pdf::RecordCheck& check, const ReleaseData* parsed) {
  check_ids(o);
  ConfirmDraft d;
  d.scanned = isbt128::parse_scans(o.scans);  // bad input: cannot check
  d.record_sha256 = record_sha256;
  auto& r = d.result;
  auto& data = d.data;

  // 1. The record: signature over the whole file, releaser's chain, release data.
  r.findings = check.findings;
  // A later revocation of a timestamped signer (signature.revoked-later) is shown, not NO-GO.
  r.findings.insert(r.findings.end(), check.notes.begin(), check.notes.end());
  r.signature_judged_at = check.judged_at;
  r.timestamp = check.timestamp;
  r.tsa = check.tsa;
  r.signature_crls = check.crls;
  if (check.signer) r.signer = check.signer->subject;
  if (check.release_data) {
    try {
      data = parsed ? *parsed : release_data_from_json(*check.release_data);
      r.din = data->din;
      r.product_code = data->product_code;
      r.product_name = data->product_name;
      r.expires = data->expires;
      r.division = data->dose.division;
      r.released_at = data->released_at;
      r.released_by = data->released_by;
      r.use_within_minutes = data->use_within_after_thaw_minutes;
      for (const auto& p : data->pending) r.pending.push_back({p.test, p.expected});
      const auto& scanned = d.scanned;

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
  return d;
}

void confirm_ledger(ConfirmDraft& d, const ConfirmOptions& o, const ledger::LotReading& reading) {
  auto& r = d.result;
  r.ledger_consulted = true;
  r.recall_checked = true;
  for (const auto& e : reading.recalls)  // a recall counts even when its entry is forged
    no_go(r, "confirm.recalled", "lot recalled at " + e.at + " by " + e.actor + ": " + e.reason);
  for (const auto& f : reading.findings)
    no_go(r, "confirm.ledger-tampered",
          "recall status unknown: the ledger does not verify (" + f.code + ", " + f.message +
              "); run dosegate audit on it");
  if (d.data && reading.trusted()) {
    check_release_known(r, *d.data, reading, d.record_sha256);
    apply_late_results(r, reading);
    check_earlier_administrations(r, o, d.scanned, reading);
  }
}

void confirm_ledger_error(ConfirmDraft& d, const ConfirmOptions& o, const Error& e) {
  if (e.code() == "ledger.busy") {
    no_go(d.result, "confirm.ledger-busy",
          "recall status unknown: the ledger stayed locked by another process for " +
              std::to_string(o.ledger_wait.count() / 1000) + " s (" + std::string(e.what()) +
              "); ask again, or find the process that holds it");
  } else {
    no_go(d.result, "confirm.ledger-unreadable",
          "recall status unknown: the ledger cannot be read (" + std::string(e.what()) +
              "); use the releasing site's ledger (only a device that has none may answer "
              "from the record alone, with --record-only)");
  }
}

void confirm_ledger_busy(ConfirmDraft& d, const ConfirmOptions& o) {
  no_go(d.result, "confirm.ledger-busy",
        "recall status unknown: other confirmations held the ledger for " +
            std::to_string(o.ledger_wait.count() / 1000) + " s; ask again");
}

void confirm_decide(ConfirmDraft& d, const ConfirmOptions& o) {
  auto& r = d.result;
  if (d.data) check_overdue(r, *d.data, o.at);
  // An out-of-specification lot released to one named recipient: for that one only.
  if (d.data && d.data->decision == "exceptional-release") {
    std::string failed;
    for (const auto& c : d.data->criteria)
      if (c.verdict == Verdict::fail)
        failed +=
            (failed.empty() ? "" : "; ") + c.test + " " + c.result + " (" + c.specification + ")";
    r.exceptional = failed.empty() ? "see the record" : failed;
    if (o.recipient != d.data->exceptional_recipient)
      no_go(r, "confirm.exceptional-other-recipient",
            "EXCEPTIONAL RELEASE (out of specification: " + r.exceptional +
                ") for one named recipient only, and " +
                (o.recipient.empty() ? std::string("no recipient was scanned (--recipient)")
                                     : "this is another recipient") +
                "; do not give it");
  }
  if (o.recipient.empty() && o.record)
    r.findings.push_back(Finding{"confirm.no-recipient", Severity::warning,
                                 "no recipient recorded (--recipient, the wristband scan): a "
                                 "look-back cannot find who received this dose",
                                 "recipient"});
  r.go = std::none_of(r.findings.begin(), r.findings.end(),
                      [](const Finding& f) { return f.severity == Severity::error; });
}

ledger::Entry confirm_entry(const ConfirmDraft& d, const ConfirmOptions& o) {
  const auto& r = d.result;
  ledger::Entry e;
  e.kind = "confirm";
  e.decision = r.go ? "go" : "no-go";
  e.at = format_instant(o.at);
  e.actor = o.staff;
  e.second_staff = o.second_staff;
  e.recipient = o.recipient;
  if (o.thawed_at) e.thawed_at = format_instant(*o.thawed_at);
  if (d.data && r.release_known) e.refers_to = d.data->ledger_seq;
  e.din = d.scanned.din;
  e.divisions = {d.scanned.division};
  e.records = {{std::filesystem::path(o.record_path).filename().string(), d.record_sha256}};
  std::string reasons;
  for (const auto& f : r.findings)
    if (f.severity == Severity::error) reasons += (reasons.empty() ? "" : "\n") + f.code;
  e.reason = reasons;
  std::string warnings;
  for (const auto& f : r.findings)
    if (f.severity == Severity::warning)
      warnings += (warnings.empty() ? "" : "\n") + f.code + ": " + f.message;
  e.warnings = warnings;
  return e;
}

void confirm_not_recorded(ConfirmDraft& d, const std::string& why) {
  d.result.ledger_note = "not recorded: " + why;
  // Never a GO that the ledger does not hold: the confirmation is the proof of who gave
  // which dose, and a later look-back must find it.
  no_go(d.result, "confirm.not-recorded",
        "the confirmation could not be recorded in the ledger (" + why +
            "); do not give the dose until a confirmation is recorded");
  d.result.go = false;
}

ConfirmResult confirm(const ConfirmOptions& o, const crypto::TrustStore& trust,
                      std::shared_timed_mutex* ledger_section) {
  check_ids(o);
  // The bound on waiting for the ledger runs from the start: the answer is due in seconds.
  const auto deadline = std::chrono::steady_clock::now() + o.ledger_wait;
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  isbt128::parse_scans(o.scans);  // bad input: cannot check
  const std::string bytes = text::read_file(o.record_path);
  const std::string record_sha256 = crypto::sha256_hex(bytes);
  auto d = confirm_record(o, record_sha256, pdf::verify_record(bytes, trust, o.at, o.record_path));
  auto& r = d.result;

  // 4. The ledger: the release, recalls, late results, earlier administrations; and the
  // confirmation itself goes into it.
  r.ledger_path = o.record_only ? std::string() : ledger::resolve_path(o.ledger_path);
  std::optional<ledger::Ledger> ledger;
  // Held from the ledger's reading to the confirmation's append, within the same bound.
  std::unique_lock<std::shared_timed_mutex> section;
  if (ledger_section && !o.record_only) {
    section = std::unique_lock(*ledger_section, std::defer_lock);
    if (!section.try_lock_until(deadline)) confirm_ledger_busy(d, o);
  }
  if (o.record_only) {
    r.findings.push_back(Finding{"confirm.ledger-not-consulted", Severity::warning,
                                 "LEDGER NOT CONSULTED (--record-only): recalls, late results and "
                                 "earlier administrations of this dose were not checked, and "
                                 "this confirmation is not recorded",
                                 "ledger"});
  } else if (ledger_section && !section.owns_lock()) {
    // confirm.ledger-busy above; the ledger is not opened
  } else {
    try {
      // Never created here: a path that holds no ledger is an error, not a new, empty ledger
      // that knows of no recall.
      ledger.emplace(ledger::Ledger::open(r.ledger_path, false, left()));
      ledger->set_wait(left());
      // Through the audit's checks, never a bare query: an entry someone wrote into the file
      // without a key must not turn the answer into GO.
      const auto reading = ledger::read_lot(*ledger, trust, d.scanned.din);
      confirm_ledger(d, o, reading);
    } catch (const Error& e) {
      confirm_ledger_error(d, o, e);
    }
  }
  confirm_decide(d, o);
  if (o.record_only) {
    r.ledger_note = "not recorded: --record-only";
  } else if (ledger && !o.record) {
    r.ledger_note = "not recorded: --as-of given";
  } else if (ledger) {
    auto e = confirm_entry(d, o);
    try {
      ledger->set_wait(left());
      ledger->append_alone(e);
      r.ledger_entry = e.seq;
    } catch (const Error& err) {
      confirm_not_recorded(d, err.what());
    }
  } else {
    r.ledger_note = "not recorded: the ledger cannot be read";
  }
  return r;
}

}  // namespace dosegate
