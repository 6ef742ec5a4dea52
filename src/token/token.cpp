#include "token/token.hpp"

#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "crypto/detail/openssl.hpp"
#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate::token {
namespace {

constexpr const char* kProxyModule = "p11-kit-proxy.so";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode(const std::string& value, const std::string& attribute) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%') {
      out += value[i];
      continue;
    }
    const int h = i + 2 < value.size() + 1 ? hex_value(value[i + 1]) : -1;
    const int l = i + 2 < value.size() ? hex_value(value[i + 2]) : -1;
    if (h < 0 || l < 0)
      throw UsageError("the pkcs11: URI's " + attribute +
                       " holds '%' without two hex digits after it; write a '%' as %25");
    out += static_cast<char>(h * 16 + l);
    i += 2;
  }
  return out;
}

// The token's PKCS#11 context: the module, its slots and the session the key lives in. Freed
// after the key (SigningKey keeps it as its owner).
struct Context {
  PKCS11_CTX* ctx = nullptr;
  PKCS11_SLOT* slots = nullptr;
  unsigned int nslots = 0;
  bool loaded = false;
  ~Context() {
    if (slots) PKCS11_release_all_slots(ctx, slots, nslots);
    if (loaded) PKCS11_CTX_unload(ctx);
    if (ctx) PKCS11_CTX_free(ctx);
  }
};

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

std::string hex(const unsigned char* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += d[p[i] >> 4];
    out += d[p[i] & 15];
  }
  return out;
}

std::string read_pin(const std::string& file) {
  std::string content = text::read_file(file);
  std::string pin = content.substr(0, content.find_first_of("\r\n"));
  OPENSSL_cleanse(content.data(), content.size());
  return pin;
}

bool matches(const PKCS11_TOKEN* t, const Uri& uri) {
  auto same = [](const char* have, const std::string& want) {
    return want.empty() || (have && trim(have) == want);
  };
  return same(t->label, uri.token) && same(t->manufacturer, uri.manufacturer) &&
         same(t->model, uri.model) && same(t->serialnr, uri.serial);
}

template <typename Object>
bool object_matches(const Object& o, const Uri& uri) {
  if (!uri.id.empty() &&
      (o.id_len != uri.id.size() || std::memcmp(o.id, uri.id.data(), o.id_len) != 0))
    return false;
  if (!uri.object.empty() && (!o.label || uri.object != o.label)) return false;
  return true;
}

}  // namespace

bool is_uri(std::string_view key) {
  return key.rfind("pkcs11:", 0) == 0;
}

Uri parse_uri(const std::string& text) {
  if (!is_uri(text)) throw UsageError("'" + text + "' is not a pkcs11: URI");
  Uri uri;
  std::string rest = text.substr(7);
  std::string query;
  if (const auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  auto each = [](const std::string& list, char sep, const auto& visit) {
    std::size_t start = 0;
    while (start <= list.size()) {
      const auto end = std::min(list.find(sep, start), list.size());
      const auto item = list.substr(start, end - start);
      if (!item.empty()) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
          throw UsageError("the pkcs11: URI's attribute '" + item +
                           "' has no value; write NAME=VALUE");
        visit(item.substr(0, eq), item.substr(eq + 1));
      }
      start = end + 1;
    }
  };
  each(rest, ';', [&](const std::string& name, const std::string& value) {
    const auto v = decode(value, name);
    if (name == "token")
      uri.token = v;
    else if (name == "manufacturer")
      uri.manufacturer = v;
    else if (name == "model")
      uri.model = v;
    else if (name == "serial")
      uri.serial = v;
    else if (name == "object")
      uri.object = v;
    else if (name == "id")
      uri.id = v;
    else if (name == "type") {
      if (v != "private" && v != "cert")
        throw UsageError("the pkcs11: URI's type is '" + v +
                         "'; dosegate signs with a private key: type=private, or leave it out");
    } else if (name == "library-manufacturer" || name == "library-description" ||
               name == "library-version" || name == "slot-id" || name == "slot-description" ||
               name == "slot-manufacturer") {
      // Selects what dosegate selects by token: accepted, not needed.
    } else {
      throw UsageError("the pkcs11: URI has an unknown attribute '" + name +
                       "'; dosegate reads token, manufacturer, model, serial, object, id and type");
    }
  });
  each(query, '&', [&](const std::string& name, const std::string& value) {
    const auto v = decode(value, name);
    if (name == "module-path")
      uri.module_path = v;
    else if (name == "pin-source")
      uri.pin_source = v.rfind("file:", 0) == 0 ? v.substr(5) : v;
    else if (name == "pin-value")
      throw UsageError(
          "the pkcs11: URI carries pin-value: a PIN on the command line is seen by "
          "every user of the machine (ps, shell history); give --pin-file FILE, or "
          "type the PIN when asked");
    else if (name == "module-name")
      throw UsageError("the pkcs11: URI's module-name is not supported; give module-path=PATH");
    else
      throw UsageError("the pkcs11: URI has an unknown query attribute '" + name +
                       "'; dosegate reads module-path and pin-source");
  });
  if (uri.object.empty() && uri.id.empty())
    throw UsageError("the pkcs11: URI names no key; add object=LABEL or id=%01 (RFC 7512)");
  return uri;
}

crypto::SigningKey load_signer(const SignerFiles& files, const crypto::PassphrasePrompt& prompt) {
  if (!is_uri(files.key)) {
    if (files.pin_file)
      throw UsageError(
          "--pin-file is for a key on a token (--key 'pkcs11:...'); a key file's "
          "passphrase comes from --passphrase-file");
    return crypto::load_signer(files.key, files.cert, files.chain, files.passphrase_file, prompt);
  }
  if (files.passphrase_file)
    throw UsageError("--passphrase-file is for a key file; a token's PIN comes from --pin-file");
  const Uri uri = parse_uri(files.key);
  // What the messages call the token.
  const std::string name = uri.token.empty() ? files.key : "token '" + uri.token + "'";

  std::string module = uri.module_path;
  if (module.empty())
    if (const char* env = std::getenv("DOSEGATE_PKCS11_MODULE"); env && *env) module = env;
  if (module.empty()) module = kProxyModule;

  auto context = std::make_shared<Context>();
  context->ctx = PKCS11_CTX_new();
  if (!context->ctx) throw Error("token.module", "cannot create a PKCS#11 context");
  if (PKCS11_CTX_load(context->ctx, module.c_str()) != 0) {
    crypto::take_errors();
    throw Error("token.module",
                module +
                    ": cannot load this PKCS#11 module; give the module's path as the URI's "
                    "module-path or in $DOSEGATE_PKCS11_MODULE");
  }
  context->loaded = true;
  if (PKCS11_enumerate_slots(context->ctx, &context->slots, &context->nslots) != 0) {
    throw Error("token.not-found",
                module + ": cannot list the module's slots: " + crypto::take_errors());
  }
  PKCS11_SLOT* slot = nullptr;
  std::string present;
  for (unsigned int i = 0; i < context->nslots; ++i) {
    PKCS11_SLOT* s = &context->slots[i];
    if (!s->token || !s->token->initialized) continue;
    present += (present.empty() ? "'" : ", '") + trim(s->token->label ? s->token->label : "") + "'";
    if (!slot && matches(s->token, uri)) slot = s;
  }
  if (!slot)
    throw Error("token.not-found",
                "no token matches " + files.key + " in " + module +
                    " (tokens present: " + (present.empty() ? std::string("none") : present) +
                    "); insert the token, or correct the URI's token=");

  // The PIN: --pin-file, the URI's pin-source, else asked for.
  std::optional<std::string> pin;
  if (files.pin_file)
    pin = read_pin(*files.pin_file);
  else if (!uri.pin_source.empty())
    pin = read_pin(uri.pin_source);
  else if (prompt)
    pin = prompt("PIN for " + name + ": ");
  if (!pin)
    throw Error("token.pin-required", name +
                                          ": the token needs its PIN and there is no terminal "
                                          "to ask for it; give --pin-file FILE");
  const int logged_in = PKCS11_login(slot, 0, pin->c_str());
  OPENSSL_cleanse(pin->data(), pin->size());
  if (logged_in != 0) {
    const auto why = crypto::take_errors();
    throw Error("token.pin-wrong", name + ": the token refused the PIN (" +
                                       (why.empty() ? std::string("login failed") : why) +
                                       "); nothing was signed");
  }

  PKCS11_KEY* keys = nullptr;
  unsigned int nkeys = 0;
  if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0)
    throw Error("token.object-missing", name + ": cannot list its keys: " + crypto::take_errors());
  PKCS11_KEY* key = nullptr;
  std::string key_names;
  for (unsigned int i = 0; i < nkeys; ++i) {
    key_names += std::string(key_names.empty() ? "" : ", ") +
                 "object=" + (keys[i].label ? keys[i].label : "") +
                 " id=" + hex(keys[i].id, keys[i].id_len);
    if (!key && object_matches(keys[i], uri)) key = &keys[i];
  }
  if (!key)
    throw Error("token.object-missing",
                name + " holds no private key matching " + files.key +
                    " (keys: " + (key_names.empty() ? std::string("none") : key_names) + ")");
  crypto::EvpPkeyPtr pkey(PKCS11_get_private_key(key));
  if (!pkey)
    throw Error("token.object-missing",
                name + ": cannot use the private key: " + crypto::take_errors());

  crypto::X509Ptr cert;
  std::vector<crypto::X509Ptr> chain;
  if (files.cert) {
    auto certs = crypto::read_pem_certificates(*files.cert);
    cert = std::move(certs.front());
    for (std::size_t i = 1; i < certs.size(); ++i) chain.push_back(std::move(certs[i]));
  } else {
    PKCS11_CERT* certs = nullptr;
    unsigned int ncerts = 0;
    if (PKCS11_enumerate_certs(slot->token, &certs, &ncerts) != 0)
      throw Error("token.object-missing",
                  name + ": cannot list its certificates: " + crypto::take_errors());
    const PKCS11_CERT* found = nullptr;
    for (unsigned int i = 0; i < ncerts && !found; ++i)  // the key's id first
      if (key->id_len > 0 && certs[i].id_len == key->id_len &&
          std::memcmp(certs[i].id, key->id, key->id_len) == 0)
        found = &certs[i];
    for (unsigned int i = 0; i < ncerts && !found; ++i)  // then its label
      if (key->label && certs[i].label && std::strcmp(certs[i].label, key->label) == 0)
        found = &certs[i];
    if (!found || !found->x509)
      throw Error("token.object-missing",
                  name + " holds no certificate for the key '" +
                      std::string(key->label ? key->label : "") +
                      "' (same id or label); store it on the token, or give --cert CERT.pem");
    X509_up_ref(found->x509);
    cert.reset(found->x509);
  }
  if (files.chain)
    for (auto& c : crypto::read_pem_certificates(*files.chain)) chain.push_back(std::move(c));
  if (X509_check_private_key(cert.get(), pkey.get()) != 1) {
    crypto::take_errors();
    throw Error("key.mismatch", files.key + " is not the private key of the certificate '" +
                                    crypto::subject_of(cert.get()) + "'");
  }
  std::vector<crypto::Certificate> chain_certs;
  for (auto& c : chain) chain_certs.push_back(crypto::detail::Access::adopt(std::move(c)));
  return crypto::detail::Access::signing_key(
      std::move(pkey), crypto::detail::Access::adopt(std::move(cert)), std::move(chain_certs),
      crypto::KeyProtection::token, files.key, context);
}

crypto::Releaser load_releaser(const SignerFiles& files, const crypto::PassphrasePrompt& prompt,
                               const crypto::TrustStore& trust, Instant at) {
  return crypto::authorize_releaser(load_signer(files, prompt), trust, at);
}

}  // namespace dosegate::token
