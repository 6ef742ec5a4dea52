// `dosegate sign-spec`: an approver signs a release specification, an enveloped XML-DSig like
// sign-coa's over the specification with its approval time (attribute approved-at).
#pragma once

#include <string>

#include "crypto/keys.hpp"
#include "dosegate/spec/specification.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::sign {

struct SignSpecOptions {
  std::string spec_path;
  SignerFiles signer;  // the approver's key and certificates
  std::string out_path;
  Instant approved_at{};  // written as attribute approved-at, inside what the signature covers
};

struct SignSpecResult {
  spec::Specification specification;  // as verify and release will read it from the output
  Signer signer;
  std::string algorithm;
  std::size_t certificates = 0;  // in X509Data
};

// Checks the specification (SpecError when it is not valid), refuses one already signed
// (Error "spec.already-signed"), sets approved-at, signs, checks that the output verifies and
// reads back as the same specification, and writes `out_path` atomically. Throws dosegate::Error
// for key, file and crypto failures; nothing is written then.
SignSpecResult sign_spec(const SignSpecOptions& options, const crypto::PassphrasePrompt& prompt);

}  // namespace dosegate::sign
