// `dosegate sign-coa`: the laboratory's side, an enveloped XML-DSig that dosegate and
// `xmlsec1 --verify` both accept.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::sign {

struct SignCoaOptions {
  std::string coa_path;
  SignerFiles signer;  // the laboratory signer's key and certificates; `cert` is required
  std::string out_path;
};

struct SignCoaResult {
  std::vector<Diagnostic> problems;  // the CoA is malformed or already signed: nothing written
  Signer signer;
  std::string algorithm;
  std::string coa_id;
  std::size_t certificates = 0;  // in X509Data
};

// Validates the CoA, signs it and writes `out_path` atomically (a temporary file renamed into
// place), after checking that the output verifies. Throws dosegate::Error for key, file and
// crypto failures.
SignCoaResult sign_coa(const SignCoaOptions& options, const crypto::PassphrasePrompt& prompt);

}  // namespace dosegate::sign
