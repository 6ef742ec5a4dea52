#include "crypto/keys.hpp"
#include "util/dn.hpp"
#include "util/text.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"

namespace dosegate::crypto {

struct SigningKey::Impl {
  std::shared_ptr<void> owner;  // first: destroyed after the key
  EvpPkeyPtr key;
  Certificate cert;
  std::vector<Certificate> chain;
  KeyProtection protection = KeyProtection::unknown;
  std::string source;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

const Certificate& SigningKey::certificate() const {
  return impl_->cert;
}
const std::vector<Certificate>& SigningKey::chain() const {
  return impl_->chain;
}
KeyProtection SigningKey::protection() const {
  return impl_->protection;
}
std::string SigningKey::source() const {
  return impl_->source;
}

namespace detail {

EVP_PKEY* Access::key(const SigningKey& k) {
  return k.impl_->key.get();
}

SigningKey Access::signing_key(EvpPkeyPtr key, Certificate cert, std::vector<Certificate> chain) {
  return signing_key(std::move(key), std::move(cert), std::move(chain), KeyProtection::unknown, "",
                     nullptr);
}

SigningKey Access::signing_key(EvpPkeyPtr key, Certificate cert, std::vector<Certificate> chain,
                               KeyProtection protection, std::string source,
                               std::shared_ptr<void> owner) {
  return SigningKey(std::make_unique<SigningKey::Impl>(
      SigningKey::Impl{std::move(owner), std::move(key), std::move(cert), std::move(chain),
                       protection, std::move(source)}));
}

void Access::set_chain(SigningKey& k, std::vector<Certificate> chain) {
  k.impl_->chain = std::move(chain);
}

}  // namespace detail

namespace {

// The key as OpenSSL reads it, before it becomes a SigningKey.
struct SignerKey {
  EvpPkeyPtr key;
  X509Ptr cert;
  std::vector<X509Ptr> chain;
  bool protected_by_passphrase = false;
};

struct PassphraseState {
  std::optional<std::string> given;
  const PassphrasePrompt* prompt = nullptr;
  std::string key_path;
  bool asked = false;
  bool unavailable = false;
  bool called = false;  // the key is encrypted: OpenSSL asked for its passphrase
};

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* userdata) {
  auto* state = static_cast<PassphraseState*>(userdata);
  state->called = true;
  std::optional<std::string> pass = state->given;
  if (!pass && state->prompt && *state->prompt) {
    state->asked = true;
    pass = (*state->prompt)("Passphrase for " + state->key_path + ": ");
  }
  if (!pass) {
    state->unavailable = true;
    return -1;
  }
  const int n =
      static_cast<int>(std::min<std::size_t>(pass->size(), static_cast<std::size_t>(size)));
  std::memcpy(buf, pass->data(), static_cast<std::size_t>(n));
  OPENSSL_cleanse(pass->data(), pass->size());
  return n;
}

}  // namespace

std::optional<std::string> terminal_prompt(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) return std::nullopt;
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return std::nullopt;
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  termios old{};
  const int fd = ::fileno(tty);
  const bool have_termios = ::tcgetattr(fd, &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  int c = 0;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') line += static_cast<char>(c);
  if (have_termios) ::tcsetattr(fd, TCSAFLUSH, &old);
  std::fputc('\n', tty);
  std::fclose(tty);
  return line;
}

namespace {

bool is_pkcs12(const std::string& path) {
  auto ends = [&](const char* ext) {
    const std::string e(ext);
    return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  return ends(".p12") || ends(".pfx") || ends(".P12") || ends(".PFX");
}

SignerKey load_pkcs12(const std::string& path, PassphraseState& state) {
  const std::string der = text::read_file(path);
  crypto::BioPtr bio(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
  std::unique_ptr<PKCS12, crypto::Deleter<PKCS12_free>> p12(d2i_PKCS12_bio(bio.get(), nullptr));
  if (!p12) {
    crypto::take_errors();
    throw Error("key.unreadable", path + ": not a PKCS#12 file");
  }
  std::optional<std::string> pass = state.given;
  if (!pass && PKCS12_verify_mac(p12.get(), "", 0) != 1 && *state.prompt) {
    state.asked = true;
    pass = (*state.prompt)("Passphrase for " + path + ": ");
  }
  if (!pass && PKCS12_verify_mac(p12.get(), "", 0) != 1)
    throw Error("key.passphrase-required",
                path +
                    ": the PKCS#12 file is protected and there is no terminal to ask for its "
                    "passphrase; give --passphrase-file FILE");
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  const int ok = PKCS12_parse(p12.get(), pass ? pass->c_str() : "", &key, &cert, &ca);
  if (pass) OPENSSL_cleanse(pass->data(), pass->size());
  crypto::take_errors();
  if (ok != 1 || !key || !cert) {
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
    throw Error("key.passphrase-wrong",
                path +
                    ": cannot open the PKCS#12 file: wrong passphrase, or no key and "
                    "certificate in it");
  }
  SignerKey out;
  out.key.reset(key);
  out.cert.reset(cert);
  out.protected_by_passphrase =
      PKCS12_verify_mac(p12.get(), "", 0) != 1 && PKCS12_verify_mac(p12.get(), nullptr, 0) != 1;
  for (int i = 0; ca && i < sk_X509_num(ca); ++i) out.chain.emplace_back(sk_X509_value(ca, i));
  sk_X509_free(ca);
  return out;
}

SignerKey load_key(const std::string& key_path, const std::optional<std::string>& cert_path,
                   const std::optional<std::string>& chain_path,
                   const std::optional<std::string>& passphrase_file,
                   const PassphrasePrompt& prompt) {
  SignerKey out;
  PassphraseState state;
  state.prompt = &prompt;
  state.key_path = key_path;
  if (passphrase_file) {
    std::string content = text::read_file(*passphrase_file);
    const auto eol = content.find_first_of("\r\n");
    state.given = content.substr(0, eol);
    OPENSSL_cleanse(content.data(), content.size());
  }
  if (is_pkcs12(key_path)) {
    SignerKey out12 = load_pkcs12(key_path, state);
    if (state.given) OPENSSL_cleanse(state.given->data(), state.given->size());
    if (cert_path) {
      auto certs = crypto::read_pem_certificates(*cert_path);
      out12.cert = std::move(certs.front());
    }
    if (chain_path)
      for (auto& c : crypto::read_pem_certificates(*chain_path))
        out12.chain.push_back(std::move(c));
    if (X509_check_private_key(out12.cert.get(), out12.key.get()) != 1) {
      crypto::take_errors();
      throw Error("key.mismatch", key_path + ": the key does not belong to the certificate");
    }
    return out12;
  }
  if (!cert_path)
    throw Error("usage", "--cert CERT.pem is required with a PEM key (" + key_path + ")");
  std::string pem = text::read_file(key_path);
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  out.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &state));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (state.given) OPENSSL_cleanse(state.given->data(), state.given->size());
  out.protected_by_passphrase = state.called;
  if (!out.key) {
    const auto detail = crypto::take_errors();
    if (state.unavailable)
      throw Error("key.passphrase-required",
                  key_path +
                      ": the key is encrypted and there is no terminal to ask for its "
                      "passphrase; give --passphrase-file FILE");
    if (state.given || state.asked)
      throw Error("key.passphrase-wrong",
                  key_path + ": cannot decrypt the key: wrong passphrase (or a damaged key file)");
    throw Error("key.unreadable", key_path + ": not a PEM private key (" + detail + ")");
  }
  auto certs = crypto::read_pem_certificates(*cert_path);
  out.cert = std::move(certs.front());
  for (std::size_t i = 1; i < certs.size(); ++i) out.chain.push_back(std::move(certs[i]));
  if (chain_path)
    for (auto& c : crypto::read_pem_certificates(*chain_path)) out.chain.push_back(std::move(c));
  if (X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    crypto::take_errors();
    throw Error("key.mismatch", key_path + " is not the private key of the certificate in " +
                                    *cert_path + " ('" + crypto::subject_of(out.cert.get()) + "')");
  }
  return out;
}

}  // namespace

SigningKey load_signer(const std::string& key_path, const std::optional<std::string>& cert_path,
                       const std::optional<std::string>& chain_path,
                       const std::optional<std::string>& passphrase_file,
                       const PassphrasePrompt& prompt) {
  auto loaded = load_key(key_path, cert_path, chain_path, passphrase_file, prompt);
  std::vector<Certificate> chain;
  for (auto& c : loaded.chain) chain.push_back(detail::Access::adopt(std::move(c)));
  return detail::Access::signing_key(
      std::move(loaded.key), detail::Access::adopt(std::move(loaded.cert)), std::move(chain),
      loaded.protected_by_passphrase ? KeyProtection::passphrase : KeyProtection::unprotected,
      key_path, nullptr);
}

std::optional<Finding> unprotected_key_warning(const SigningKey& key) {
  if (key.protection() != KeyProtection::unprotected) return std::nullopt;
  return Finding{"key.unprotected", Severity::warning,
                 "the signing key " + key.source() +
                     " is a file without a passphrase: anyone who copies it can sign as " +
                     readable_name(key.certificate().describe().subject) +
                     ", and re-authentication at signing (21 CFR 11.200) cannot be shown; keep "
                     "the key on a token (--key 'pkcs11:...') or encrypt it",
                 "--key"};
}

Releaser load_releaser(const std::string& key_path, const std::optional<std::string>& cert_path,
                       const std::optional<std::string>& chain_path,
                       const std::optional<std::string>& passphrase_file,
                       const PassphrasePrompt& prompt, const TrustStore& trust, Instant at) {
  return authorize_releaser(load_signer(key_path, cert_path, chain_path, passphrase_file, prompt),
                            trust, at);
}

Releaser authorize_releaser(SigningKey key, const TrustStore& trust, Instant at) {
  Releaser r{std::move(key), Signer{}};
  auto check =
      trust.check(r.key.certificate(), r.key.chain(), Role::releaser, at, "releaser certificate");
  if (!check.ok()) {
    std::string why;
    for (const auto& f : check.findings) why += "\n  " + f.code + ": " + f.message;
    throw Error("signer.refused",
                "dosegate will not sign with this certificate, because its own checks would "
                "reject what it signs:" +
                    why);
  }
  r.signer = std::move(check.signer);
  // PAdES wants the intermediates embedded: without --chain, take them from the verified path.
  if (r.key.chain().empty()) detail::Access::set_chain(r.key, std::move(check.intermediates));
  return r;
}

}  // namespace dosegate::crypto
