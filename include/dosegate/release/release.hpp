// `dosegate release`: verify a CoA exactly as `verify` does and, only when the lot is
// releasable, write one signed PDF release record per dose.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dosegate/error.hpp"
#include "dosegate/trust/signer.hpp"
#include "dosegate/verify/verify.hpp"

namespace dosegate {

struct ReleaseOptions {
  VerifyOptions verify;  // CoA, specification, trust directory, signature, time
  SignerFiles signer;    // the releaser's key and certificates
  std::string out_dir;
  std::string meaning = "Released for clinical use";
  std::string reason;
  std::string role = "Quality Assurance, lot release";
  std::optional<std::string> ledger_path;  // ledger::resolve_path rules
  // Re-issue the records of a lot the ledger already released (lost records); `reason` must say
  // why, and goes into the release entry's reason.
  bool again = false;
  // Exceptional release (EU GMP Part IV 11.5): a lot whose only errors are failed criteria the
  // specification allows to be waived (exceptional-release="allowed") is released to this one
  // recipient on this physician's request; `reason` must say why. Ledger entry kind
  // "exceptional-release", record decision "exceptional-release" with a banner; anything else
  // is rejected as without it (finding release.exceptional-refused).
  struct Exceptional {
    std::string recipient;  // the recipient's pseudonymous id (wristband)
    std::string physician;  // the requesting physician's name
  };
  std::optional<Exceptional> exceptional;
  // How long to wait for another release into out_dir, and for the ledger's write lock.
  std::chrono::seconds wait{300};
  // Told what was completed or removed of an earlier, interrupted release into out_dir.
  std::function<void(const std::string&)> on_recovered;
  // Told, about every 5 s, what the release is waiting for (another release, the ledger).
  std::function<void(const std::string&)> on_waiting;
  // PAdES B-T: the RFC 3161 timestamping authority (http:// or https:// URL) whose token goes
  // into every record's signature, checked on receipt under the trust directory's tsa/ role.
  std::optional<std::string> tsa_url;
  std::chrono::milliseconds tsa_timeout{30000};  // per request
  unsigned tsa_in_flight = 8;                    // requests at once, at most
  // PAdES B-LT (with tsa_url): each record also gets a /DSS update holding the certificates of
  // the releaser's and the TSA's chains and the trust directory's CRLs current at the release.
  bool validation_data = true;
  // PAdES B-LTA (with tsa_url and validation_data): after the /DSS update, a document
  // timestamp from the same TSA covering the whole file before it.
  bool document_timestamp = false;
};

// A release stopped by SIGINT or SIGTERM before its ledger transaction committed: the
// transaction was rolled back and its unfinished records removed; nothing was released.
class ReleaseInterrupted : public Error {
 public:
  ReleaseInterrupted(int signal, const std::string& message)
      : Error("release.interrupted", message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

struct ReleaseResult {
  VerifyReport report;
  bool released = false;
  std::vector<std::string> records;  // paths written, in dose order
  std::string ledger_path;
  std::vector<long long> ledger_entries;  // sequence numbers appended
  std::optional<long long> reissue_of;    // with `again`: the release entry re-issued
  std::string reason;                     // the release entry's reason
  // What the release warned about, also in the release entry's `warnings` field, one
  // "code: message" a line: release.pending-overdue for a pending test whose expected date is
  // before the day of the release (UTC), "release.pending-overdue: mycoplasma was expected
  // 2026-11-20". The lot is released all the same: the specification allows the test pending.
  // Also spec.unapproved (--allow-unapproved-spec), key.unprotected (the releaser's key is a
  // file without a passphrase; a rejection entry records this one too) and
  // release.certificate-expires-before-lot (no TSA, and the releaser's certificate expires
  // before the lot does: its records stop verifying then).
  std::vector<Finding> warnings;
  bool exceptional = false;  // released under ReleaseOptions::exceptional
  // With a TSA: the time of the first record's signature timestamp and the TSA's subject.
  std::optional<std::string> timestamp;
  std::optional<std::string> tsa;
  bool validation_data = false;  // the records carry a /DSS update (PAdES B-LT)
  // The first record's document timestamp time (PAdES B-LTA), when --lta.
  std::optional<std::string> document_timestamp;
};

// Passphrase prompt: returns nullopt when nobody can be asked.
using Prompt = std::function<std::optional<std::string>(const std::string&)>;
// Progress: (doses written, doses in lot).
using Progress = std::function<void(std::size_t, std::size_t)>;

// The lot's history in the ledger is part of the decision, read in the same transaction that
// appends to it: a recalled lot is rejected (release.recalled); a lot the ledger rejected before
// is rejected unless this CoA names the CoA of the lot's last rejection in <Supersedes>
// (release.supersedes-missing); both are findings in the report and a rejection in the ledger.
// A lot already released throws Error("release.already-released") naming the release entry and
// its records, unless options.again (then Error("release.not-released") when it never was).
//
// One release at a time per output directory: DIR/.dosegate-release.lock is held (flock) for
// the whole release; another release into DIR waits for it (options.on_waiting is told, with
// the holder's pid) and throws Error("release.directory-busy") after options.wait. Only with the
// lock held are an interrupted release's leftovers completed or removed, so no running
// release's files are ever touched. SIGINT and SIGTERM before the commit roll back, remove the
// unfinished records and throw ReleaseInterrupted.
//
// A pending test already overdue on the day of the release (its expected date before that day,
// UTC) does not stop the release; it is a warning (ReleaseResult::warnings) recorded in the
// release entry's `warnings` field.
//
// With options.tsa_url, every record's signature carries an RFC 3161 token (PAdES B-T). The TSA
// is asked once before the ledger transaction (a TSA that fails or answers wrongly throws
// Error("tsa.failure") naming the URL and the reason, nothing written), then once per record,
// at most options.tsa_in_flight at once; any failure there rolls back and removes every record
// written (nothing released).
//
// Every decision is appended to the ledger, signed by the releaser: a rejection with every
// reason, or a release entry (whose number and hash each record shows) followed by a records
// entry with the SHA-256 of every record. Records are written as DIR/NAME.pdf.pending, synced,
// the ledger transaction commits, then they are renamed: a kill at any point leaves either a
// committed release or nothing, and the next release into DIR completes or removes what an
// interrupted one left (.pending files the ledger has or has not recorded).
//
// Throws dosegate::Error when it cannot do its job (unreadable input, a key that does not
// match its certificate, a releaser certificate that dosegate's own policy refuses in the
// releasers/ role, an output file that already exists). Each record is written to a
// temporary name, synced, and renamed into place: no partial or unsigned PDF ever carries
// a final name.
ReleaseResult release(const ReleaseOptions& options, const Prompt& prompt,
                      const Progress& progress = {});

}  // namespace dosegate
