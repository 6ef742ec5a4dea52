// `confirm` with a trust directory already loaded, for a long-running caller (the bedside
// service) that reads the directory once and again only when its files change.
#pragma once

#include <shared_mutex>

#include "crypto/trust_store.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "ledger/audit.hpp"
#include "pdf/verify_record.hpp"

namespace dosegate {

// As confirm(options), with `trust` standing for options.trust_dir. The same throws.
ConfirmResult confirm(const ConfirmOptions& options, const crypto::TrustStore& trust);

// The same, holding `ledger_section` exclusively from reading the ledger to appending the
// confirmation (the record's checks before it run outside), waiting for it within
// options.ledger_wait: a caller that confirms on several threads passes one mutex, so that no two
// confirmations read and append at once, and readers of the ledger may take it shared. A
// section not taken in time is NO-GO confirm.ledger-busy, nothing recorded.
ConfirmResult confirm(const ConfirmOptions& options, const crypto::TrustStore& trust,
                      std::shared_timed_mutex* ledger_section);

// confirm() in steps, for a caller that checks records and keeps the ledger itself (the
// bedside service: a cache of record checks, one ledger connection, several confirmations
// appended in one transaction). confirm() is these steps in this order.
struct ConfirmDraft {
  ConfirmResult result;
  std::optional<ReleaseData> data;  // the record's release data, when it could be read
  isbt128::ScannedDose scanned;
  std::string record_sha256;
};

// 1. The record and the scans: `check` is pdf::verify_record's answer for the record's bytes
// (SHA-256 `record_sha256`) at options.at; then lot, product, dose, expiry and thaw window.
// Throws std::invalid_argument for a malformed scan, UsageError for a bad id.
// `parsed`: check.release_data as release_data_from_json reads it, when the caller keeps it
// (nullptr: read here).
ConfirmDraft confirm_record(const ConfirmOptions& options, const std::string& record_sha256,
                            const pdf::RecordCheck& check, const ReleaseData* parsed = nullptr);
// 2. What the ledger says about the lot: recalls, its findings, the release, late results and
// earlier administrations. Or why it could not be read, or that the ledger stayed busy.
void confirm_ledger(ConfirmDraft& draft, const ConfirmOptions& options,
                    const ledger::LotReading& reading);
void confirm_ledger_error(ConfirmDraft& draft, const ConfirmOptions& options, const Error& e);
void confirm_ledger_busy(ConfirmDraft& draft, const ConfirmOptions& options);
// 3. Overdue pending tests, the recipient warning, and the decision (result.go).
void confirm_decide(ConfirmDraft& draft, const ConfirmOptions& options);
// 4. The confirmation's ledger entry (seq, prev_hash and hash are the ledger's to fill).
ledger::Entry confirm_entry(const ConfirmDraft& draft, const ConfirmOptions& options);
// The entry could not be appended: NO-GO confirm.not-recorded, with `why`.
void confirm_not_recorded(ConfirmDraft& draft, const std::string& why);

}  // namespace dosegate
