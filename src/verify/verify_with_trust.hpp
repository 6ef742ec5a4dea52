// `verify` with a trust directory already loaded, for commands that need it again afterwards
// (release): the directory is read and parsed once.
#pragma once

#include "crypto/trust_store.hpp"
#include "dosegate/verify/verify.hpp"

namespace dosegate {

// As verify(options), with `trust` standing for options.trust_dir.
VerifyReport verify(const VerifyOptions& options, const crypto::TrustStore& trust);

}  // namespace dosegate
