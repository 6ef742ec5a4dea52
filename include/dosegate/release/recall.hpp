// `dosegate recall`: withdraw a released lot. Later bedside confirmations of any of its doses
// answer NO-GO.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/finding.hpp"
#include "dosegate/ledger/look_back.hpp"
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
  // An RFC 3161 TSA: the recall entry's signature gets its token (checked on receipt under the
  // trust directory's tsa/ role), so that audit judges it as of a trusted time. A TSA that
  // fails throws Error("tsa.failure") and nothing is written.
  std::optional<std::string> tsa_url;
  std::chrono::milliseconds tsa_timeout{30000};
};

struct RecallResult {
  std::string ledger_path;
  long long seq = 0;  // the recall entry
  std::string hash;
  // The look-back at the moment of the recall, read after the recall entry through the audit's
  // checks (ledger::read_lot): how many of the lot's doses were already given (confirmed GO)
  // and to how many recipients. look_back.findings is not empty when the ledger does not
  // verify for the lot; the counts are then what its unverified entries say.
  ledger::LookBack look_back;
  // key.unprotected when the releaser's key is a file without a passphrase; also in the entry.
  std::vector<Finding> warnings;
};

// Appends a recall entry, signed by a releaser whose certificate the trust policy accepts in
// the releasers/ role at `at`, carrying the lot's last release (divisions, CoA, specification);
// then counts the doses already given (RecallResult::look_back).
// Throws UsageError for a malformed DIN or a blank reason, and dosegate::Error when the lot was
// never released in this ledger ("recall.unknown-lot"), the ledger cannot be written, or the key
// cannot be used; nothing is written then.
RecallResult recall(const RecallOptions& options, const Prompt& prompt);

// The releaser `signer` names, checked as recall() checks it: the key loads and its certificate
// is a releaser's under the trust directory's policy at `at`. Returns its certificate's
// subject; throws as recall() does (a service checks its recall key once, at start-up).
std::string check_recall_signer(const SignerFiles& signer, const std::string& trust_dir, Instant at,
                                const Prompt& prompt);

// `recall --json` (and the service's POST /api/v1/recall): "version": 1, "command": "recall",
// "decision": "recalled", the lot, the entry and the look-back.
void print_json(const RecallResult& result, const std::string& din, std::ostream& out);

}  // namespace dosegate
