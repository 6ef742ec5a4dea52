// Signing keys on PKCS#11 tokens (smart cards, HSMs) through libp11, and the one entry point
// every command that signs uses to load its key, whether from a file or a token. token.cpp is
// the only file that includes libp11.
#pragma once

#include <string>
#include <string_view>

#include "crypto/keys.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::token {

// Whether `key` names a key on a token (an RFC 7512 URI, "pkcs11:...").
bool is_uri(std::string_view key);

// The parts of a pkcs11: URI dosegate uses. Path attributes: token, manufacturer, model, serial
// (select the token), object, id (select the key and its certificate), type (private or cert:
// ignored, dosegate takes the private key and the certificate beside it). Query attributes:
// module-path; pin-source (a file: the PIN's first line). Values are percent-decoded.
struct Uri {
  std::string token, manufacturer, model, serial;
  std::string object;  // label
  std::string id;      // raw bytes
  std::string module_path;
  std::string pin_source;
};

// Parses `text`. Throws UsageError naming the attribute and the fix for anything else: a
// pin-value (a PIN is never taken on the command line), an unknown attribute, a bad
// percent-encoding, no object and no id.
Uri parse_uri(const std::string& text);

// Loads the signer's key as SignerFiles says: from a file (crypto::load_signer) or, for a
// pkcs11: URI, from the token, logged in with the PIN of `files.pin_file` (first line), the URI's
// pin-source, or `prompt`; the certificate from `files.cert`, else the token's certificate with
// the key's id (else its label). Throws dosegate::Error: "token.module" (the module cannot be
// loaded), "token.not-found" (no such token, naming those present), "token.pin-required",
// "token.pin-wrong" (with the token's own message), "token.object-missing" (no such key or
// certificate, naming the objects present), "key.mismatch".
crypto::SigningKey load_signer(const SignerFiles& files, const crypto::PassphrasePrompt& prompt);

// load_signer, then crypto::authorize_releaser (the releasers/ role at `at`).
crypto::Releaser load_releaser(const SignerFiles& files, const crypto::PassphrasePrompt& prompt,
                               const crypto::TrustStore& trust, Instant at);

}  // namespace dosegate::token
