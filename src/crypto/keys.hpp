// Loading a signer's private key and certificates. Passphrases are read from a file or asked
// for on the terminal with echo off; never echoed, logged or kept after use.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/certificate.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::crypto {

// Asks for a passphrase; returns nullopt when nobody can be asked (no terminal).
using PassphrasePrompt = std::function<std::optional<std::string>(const std::string& prompt)>;

// Prompts on /dev/tty with echo off when standard input is a terminal.
std::optional<std::string> terminal_prompt(const std::string& prompt);

// How a private key was kept where dosegate read it.
enum class KeyProtection {
  unknown,
  unprotected,  // a PEM or PKCS#12 file anyone who copies it can use (warning key.unprotected)
  passphrase,   // a file encrypted under a passphrase, given at signing
  token,        // on a PKCS#11 token (smart card, HSM), opened with its PIN
};

// A private key with its certificate and the intermediates to embed in what it signs.
// Move-only: the key is never copied.
class SigningKey {
 public:
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

  const Certificate& certificate() const;
  const std::vector<Certificate>& chain() const;  // intermediates, signer's issuer first
  KeyProtection protection() const;
  std::string source() const;  // the key file, or the token's URI

 private:
  friend struct detail::Access;
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads a PEM private key (PKCS#8 or traditional, encrypted or not) with the signer's
// certificate from `cert_path`, or a PKCS#12 file (`*.p12`, `*.pfx`: key, certificate and
// chain; `cert_path` optional); plus an optional chain file. Checks that the key belongs to
// the certificate. The passphrase comes from `passphrase_file` (first line) or, when needed
// and no file is given, from `prompt`. Throws dosegate::Error naming the file and the fix.
SigningKey load_signer(const std::string& key_path, const std::optional<std::string>& cert_path,
                       const std::optional<std::string>& chain_path,
                       const std::optional<std::string>& passphrase_file,
                       const PassphrasePrompt& prompt);

// A releaser: the key loaded as load_signer does, and its certificate accepted by `trust` in
// the releasers/ role at `at`. Without --chain, the key's chain is the verified path, so that
// what it signs embeds the intermediates. Throws dosegate::Error("signer.refused") listing
// every finding when the policy refuses it: dosegate never signs what its own checks would
// reject.
struct Releaser {
  SigningKey key;
  Signer signer;
};
// The releaser check of load_releaser, for a key loaded another way (a token).
Releaser authorize_releaser(SigningKey key, const TrustStore& trust, Instant at);

// The warning a command that signs with `key` gives, and records, when the key was read from a
// file without a passphrase (code "key.unprotected"); nullopt otherwise.
std::optional<Finding> unprotected_key_warning(const SigningKey& key);
Releaser load_releaser(const std::string& key_path, const std::optional<std::string>& cert_path,
                       const std::optional<std::string>& chain_path,
                       const std::optional<std::string>& passphrase_file,
                       const PassphrasePrompt& prompt, const TrustStore& trust, Instant at);

}  // namespace dosegate::crypto
