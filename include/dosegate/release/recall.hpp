// `dosegate recall`: withdraw a released lot. Later bedside confirmations of any of its doses
// answer NO-GO.
#pragma once

#include <optional>
#include <string>

#include "dosegate/release/release.hpp"
#include "dosegate/time.hpp"

namespace dosegate {

struct RecallOptions {
  std::string din;     // 13 characters, without its check character
  std::string reason;  // why the lot is withdrawn; must not be blank
  std::string trust_dir;
  SignerFiles signer;                      // the releaser's key and certificates
  std::optional<std::string> ledger_path;  // ledger::resolve_path rules
  Instant at{};                            // the time recorded with the recall
};

struct RecallResult {
  std::string ledger_path;
  long long seq = 0;  // the recall entry
  std::string hash;
};

// Appends a recall entry, signed by a releaser whose certificate the trust policy accepts in
// the releasers/ role at `at`, carrying the lot's last release (divisions, CoA, specification).
// Throws UsageError for a malformed DIN or a blank reason, and dosegate::Error when the lot was
// never released in this ledger ("recall.unknown-lot"), the ledger cannot be written, or the key
// cannot be used; nothing is written then.
RecallResult recall(const RecallOptions& options, const Prompt& prompt);

}  // namespace dosegate
