// `verify` with a trust directory already loaded, for commands that need it again afterwards
// (release): the directory is read and parsed once.
#pragma once

#include "dosegate/verify/verify.hpp"
#include "trust/trust_store.hpp"

namespace dosegate {

// As verify(options), with `trust` standing for options.trust_dir.
VerifyReport verify(const VerifyOptions& options, const trust::TrustStore& trust);

}  // namespace dosegate
