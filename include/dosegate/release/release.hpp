// `dosegate release`: verify a CoA exactly as `verify` does and, only when the lot is
// releasable, write one signed PDF release record per dose.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dosegate/verify/verify.hpp"

namespace dosegate {

struct ReleaseOptions {
  VerifyOptions verify;  // CoA, specification, trust directory, signature, time
  std::string key_path;  // PEM key, or PKCS#12 (*.p12, *.pfx)
  std::optional<std::string> cert_path;
  std::optional<std::string> chain_path;
  std::optional<std::string> passphrase_file;
  std::string out_dir;
  std::string meaning = "Released for clinical use";
  std::string reason;
  std::string role = "Quality Assurance, lot release";
  std::optional<std::string> ledger_path;  // ledger::resolve_path rules
  // Told what was completed or removed of an earlier, interrupted release into out_dir.
  std::function<void(const std::string&)> on_recovered;
};

struct ReleaseResult {
  VerifyReport report;
  bool released = false;
  std::vector<std::string> records;  // paths written, in dose order
  std::string ledger_path;
  std::vector<long long> ledger_entries;  // sequence numbers appended
};

// Passphrase prompt: returns nullopt when nobody can be asked.
using Prompt = std::function<std::optional<std::string>(const std::string&)>;
// Progress: (doses written, doses in lot).
using Progress = std::function<void(std::size_t, std::size_t)>;

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
