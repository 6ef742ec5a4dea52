#include "dosegate/release/recall.hpp"

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/audit.hpp"
#include "ledger/trace.hpp"
#include "release/timestamping.hpp"
#include "token/token.hpp"
#include "util/text.hpp"

namespace dosegate {

std::string check_recall_signer(const SignerFiles& signer, const std::string& trust_dir, Instant at,
                                const Prompt& prompt) {
  const crypto::TrustStore trust(trust_dir);
  return token::load_releaser(signer, prompt, trust, at).signer.subject;
}

RecallResult recall(const RecallOptions& o, const Prompt& prompt) {
  if (!isbt128::is_valid_din(o.din))
    throw UsageError("'" + o.din + "' is not a 13-character DIN (e.g. A999926000147)");
  if (text::trim(o.reason).empty()) throw UsageError("--reason must say why the lot is withdrawn");
  const crypto::TrustStore trust(o.trust_dir);
  const auto releaser = token::load_releaser(o.signer, prompt, trust, o.at);
  RecallResult result;
  result.ledger_path = ledger::resolve_path(o.ledger_path);
  auto ledger = ledger::Ledger::open(result.ledger_path, false);
  ledger::Filter f;
  f.din = o.din;
  auto releases = ledger.entries(f);
  std::erase_if(releases, [](const ledger::Entry& x) {
    return x.kind != "release" && x.kind != "exceptional-release";
  });
  if (releases.empty())
    throw Error("recall.unknown-lot", result.ledger_path + ": lot " + o.din +
                                          " was never released according to this ledger");
  const auto& last = releases.back();
  ledger::Entry e;
  e.kind = "recall";
  e.decision = "recalled";
  e.at = format_instant(o.at);
  e.actor = releaser.signer.subject;
  e.actor_sha256 = releaser.signer.sha256;
  e.din = o.din;
  e.divisions = last.divisions;
  e.coa_id = last.coa_id;
  e.coa_sha256 = last.coa_sha256;
  e.spec_id = last.spec_id;
  e.spec_version = last.spec_version;
  e.spec_sha256 = last.spec_sha256;
  e.reason = o.reason;
  if (const auto w = crypto::unprotected_key_warning(releaser.key)) {
    e.warnings = w->code + ": " + w->message;
    result.warnings.push_back(*w);
  }
  const EntrySigning signing{releaser.key, trust, o.at, o.tsa_url, o.tsa_timeout};
  ledger.append_alone(e, signing.for_entry(e));
  result.seq = e.seq;
  result.hash = e.hash;
  // Recorded; now who already received a dose of the lot. Read after the recall, so that its
  // signature (the newest) vouches for everything before it.
  try {
    result.look_back = ledger::look_back(ledger::read_lot(ledger, trust, o.din));
  } catch (const Error& err) {
    result.look_back.findings.push_back(
        Finding{err.code(), Severity::error,
                "the recall is recorded, but the ledger could not be read back for the "
                "look-back: " +
                    std::string(err.what()),
                "ledger"});
  }
  return result;
}

}  // namespace dosegate
