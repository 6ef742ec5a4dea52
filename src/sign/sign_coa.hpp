// `dosegate sign-coa`: the laboratory's side, an enveloped XML-DSig that dosegate and
// `xmlsec1 --verify` both accept.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::sign {

struct SignCoaOptions {
  std::string coa_path;
  SignerFiles signer;  // the laboratory signer's key (PEM with `cert`, or PKCS#12)
  std::string out_path;
  bool force = false;  // replace an existing out_path; otherwise Error("io.out-exists")
  // With a trust directory, the signer's certificate must pass its policy in the labs/ role at
  // `at` (chain, CRLs, validity, allow-list); otherwise Error("signer.refused") listing why.
  std::optional<std::string> trust_dir;
  Instant at{};
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
// crypto failures, io.out-exists for an existing out_path without `force`, signer.refused for a
// certificate the trust directory refuses for labs/.
SignCoaResult sign_coa(const SignCoaOptions& options, const crypto::PassphrasePrompt& prompt);

}  // namespace dosegate::sign
