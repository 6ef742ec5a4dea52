// `confirm` with a trust directory already loaded, for a long-running caller (the bedside
// service) that reads the directory once and again only when its files change.
#pragma once

#include <shared_mutex>

#include "crypto/trust_store.hpp"
#include "dosegate/confirm/confirm.hpp"

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

}  // namespace dosegate
