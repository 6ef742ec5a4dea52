#include "sign/keys.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate::sign {
namespace {

struct PassphraseState {
  std::optional<std::string> given;
  const PassphrasePrompt* prompt = nullptr;
  std::string key_path;
  bool asked = false;
  bool unavailable = false;
};

int passphrase_callback(char* buf, int size, int /*rwflag*/, void* userdata) {
  auto* state = static_cast<PassphraseState*>(userdata);
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

SignerKey load_signer(const std::string& key_path, const std::string& cert_path,
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
  std::string pem = text::read_file(key_path);
  crypto::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  out.key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, passphrase_callback, &state));
  OPENSSL_cleanse(pem.data(), pem.size());
  if (state.given) OPENSSL_cleanse(state.given->data(), state.given->size());
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
  auto certs = crypto::read_pem_certificates(cert_path);
  out.cert = std::move(certs.front());
  for (std::size_t i = 1; i < certs.size(); ++i) out.chain.push_back(std::move(certs[i]));
  if (chain_path)
    for (auto& c : crypto::read_pem_certificates(*chain_path)) out.chain.push_back(std::move(c));
  if (X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    crypto::take_errors();
    throw Error("key.mismatch", key_path + " is not the private key of the certificate in " +
                                    cert_path + " ('" + crypto::subject_of(out.cert.get()) + "')");
  }
  return out;
}

}  // namespace dosegate::sign
