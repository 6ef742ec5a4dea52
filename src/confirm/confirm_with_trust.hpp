// `confirm` with a trust directory already loaded, for a long-running caller (the bedside
// service) that reads the directory once and again only when its files change.
#pragma once

#include "crypto/trust_store.hpp"
#include "dosegate/confirm/confirm.hpp"

namespace dosegate {

// As confirm(options), with `trust` standing for options.trust_dir. The same throws.
ConfirmResult confirm(const ConfirmOptions& options, const crypto::TrustStore& trust);

}  // namespace dosegate
