// Signing keys on a PKCS#11 token: a real SoftHSM2 token, set up in a temporary directory with
// its own SOFTHSM2_CONF, holding the test PKI's keys (EC P-256 and RSA 2048 releasers, a
// laboratory key, the approver). Records signed on the token pass pdfsig and qpdf and give GO;
// every refusal names its cause and writes nothing.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "test_support.hpp"
#include "token/token.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::run_cli;
using test::run_cli_at;
using test::run_process;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
constexpr const char* kReleased = "2026-11-21T12:00:00Z";
constexpr const char* kBedside = "2026-11-22T09:00:00Z";
constexpr const char* kPin = "246810";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Debian's SoftHSM2 module.
std::string softhsm_module() {
  for (const char* p :
       {"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/softhsm/libsofthsm2.so"})
    if (fs::exists(p)) return p;
  FAIL("libsofthsm2.so not found: install Debian's softhsm2 (scripts/setup.sh)");
  return "";
}

// A SoftHSM2 token "QA" in a temporary directory, PIN kPin, holding: releaser (EC P-256, id 01),
// releaser-rsa (RSA 2048, id 02), lab (the laboratory's EC key, id 03), approver (id 04), each
// with its certificate under the same id and label, and nocert (a key without certificate, 05).
struct Token {
  TempDir dir;
  std::string module = softhsm_module();
  std::string pin_file = dir.file("pin");
  Token() {
    fs::create_directories(dir.path / "tokens");
    write(dir.file("softhsm2.conf"), "directories.tokendir = " + dir.file("tokens") +
                                         "\nobjectstore.backend = file\nlog.level = ERROR\n");
    ::setenv("SOFTHSM2_CONF", dir.file("softhsm2.conf").c_str(), 1);
    run("softhsm2-util --init-token --free --label QA --pin " + std::string(kPin) +
        " --so-pin 97531");
    put("releaser", "releaser", "01", true);
    put("releaser-rsa2048", "releaser-rsa", "02", true);
    put("lab-ec", "lab", "03", true);
    put("approver", "approver", "04", true);
    put("lab-rsa", "nocert", "05", false);
    write(pin_file, std::string(kPin) + "\n");
  }
  void run(const std::string& command) const {
    const auto r = run_process(command);
    INFO(command << "\n" << r.output);
    REQUIRE(r.code == 0);
  }
  void put(const std::string& name, const std::string& label, const std::string& id,
           bool with_cert) const {
    run("softhsm2-util --import " + quote_arg(pki(name + ".key.pem")) + " --token QA --label " +
        label + " --id " + id + " --pin " + kPin);
    if (!with_cert) return;
    const auto der = dir.file(name + ".der");
    run("openssl x509 -in " + quote_arg(pki(name + ".cert.pem")) + " -outform DER -out " +
        quote_arg(der));
    run("pkcs11-tool --module " + quote_arg(module) + " --token-label QA --login --pin " + kPin +
        " --write-object " + quote_arg(der) + " --type cert --id " + id + " --label " + label);
  }
  // The URI of the key `label`, with the module.
  std::string uri(const std::string& label) const {
    return "pkcs11:token=QA;object=" + label + "?module-path=" + module;
  }
};

// An NSS database trusting only the test root, for pdfsig.
std::string nss_db(const TempDir& dir) {
  const std::string db = "sql:" + dir.file("nss");
  fs::create_directories(dir.file("nss"));
  REQUIRE(run_process("certutil -N -d " + quote_arg(db) + " --empty-password").code == 0);
  REQUIRE(run_process("certutil -A -d " + quote_arg(db) + " -n dosegate-test-root -t CT,C,C -i " +
                      quote_arg(pki("root-ca.cert.pem")))
              .code == 0);
  return db;
}

test::CliResult release_with(const Token& t, const std::string& key, const std::string& out,
                             const std::string& ledger, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"release",  src("samples/coa-pass.xml"),
                                "--trust",  src("certs/trust"),
                                "--key",    key,
                                "--out",    out,
                                "--ledger", ledger};
  if (std::find(extra.begin(), extra.end(), "--no-pin") == extra.end()) {
    args.push_back("--pin-file");
    args.push_back(t.pin_file);
  } else {
    extra.erase(std::find(extra.begin(), extra.end(), "--no-pin"));
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli_at(args, kReleased);
}

std::string dose_scan(const std::string& division) {
  return "=A999926000147" + isbt128::din_check_flags("A999926000147") + "=<S1234V" + division;
}

}  // namespace

TEST_CASE("token: records signed on a token (EC P-256, RSA 2048) pass pdfsig and qpdf, give GO",
          "[token][interop]") {
  Token t;
  TempDir dir;
  const auto db = nss_db(dir);
  for (const auto* label : {"releaser", "releaser-rsa"}) {
    INFO(label);
    const auto out = dir.file(std::string("out-") + label);
    const auto ledger = dir.file(std::string(label) + ".sqlite");
    auto r = release_with(t, t.uri(label), out, ledger);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK_FALSE(contains(r.out, "key.unprotected"));
    const auto record = out + "/A999926000147-S1234V00-A0.pdf";
    const auto sig =
        run_process("pdfsig -nssdir " + quote_arg(db) + " -no-ocsp " + quote_arg(record));
    INFO(sig.output);
    CHECK(contains(sig.output, "Signature is Valid."));
    CHECK(contains(sig.output, "Certificate is Trusted."));
    CHECK(contains(sig.output, "Total document signed"));
    CHECK(contains(sig.output, std::string("Alex Example") + (std::string(label) == "releaser"
                                                                  ? ", QA Release"
                                                                  : " RSA 2048, QA Release")));
    const auto q = run_process("qpdf --check " + quote_arg(record));
    INFO(q.output);
    CHECK(q.code == 0);
    r = run_cli_at({"confirm", record, "--trust", src("certs/trust"), "--dose", dose_scan("A0"),
                    "--ledger", ledger, "--staff", "nurse-17"},
                   kBedside);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(r.out.rfind("GO", 0) == 0);
    r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger});
    CHECK(r.code == 0);
  }
}

TEST_CASE("token: a wrong PIN, no PIN, no such token, object or module: exit 2, nothing written",
          "[token][negative]") {
  Token t;
  TempDir dir;
  const auto out = dir.file("out");
  const auto ledger = dir.file("ledger.sqlite");
  auto refused = [&](const test::CliResult& r, const std::string& code,
                     const std::string& message) {
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "dosegate release: error [" + code + "]: " + message));
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(ledger));
  };
  write(dir.file("wrong"), "135790\n");
  refused(release_with(t, t.uri("releaser"), out, ledger,
                       {"--no-pin", "--pin-file", dir.file("wrong")}),
          "token.pin-wrong", "token 'QA': the token refused the PIN (");
  CHECK(contains(
      release_with(t, t.uri("releaser"), out, ledger, {"--no-pin", "--pin-file", dir.file("wrong")})
          .err,
      "PIN incorrect"));
  // No terminal in the tests: nobody to ask.
  refused(release_with(t, t.uri("releaser"), out, ledger, {"--no-pin"}), "token.pin-required",
          "token 'QA': the token needs its PIN and there is no terminal to ask for it; give "
          "--pin-file FILE");
  refused(release_with(t, "pkcs11:token=QB;object=releaser?module-path=" + t.module, out, ledger),
          "token.not-found", "no token matches pkcs11:token=QB;object=releaser");
  CHECK(contains(
      release_with(t, "pkcs11:token=QB;object=releaser?module-path=" + t.module, out, ledger).err,
      "(tokens present: 'QA')"));
  refused(release_with(t, t.uri("nobody"), out, ledger), "token.object-missing",
          "token 'QA' holds no private key matching pkcs11:token=QA;object=nobody");
  refused(release_with(t, t.uri("nocert"), out, ledger), "token.object-missing",
          "token 'QA' holds no certificate for the key 'nocert' (same id or label); store it on "
          "the token, or give --cert CERT.pem");
  refused(release_with(t, "pkcs11:token=QA;object=releaser?module-path=" + dir.file("none.so"), out,
                       ledger),
          "token.module", dir.file("none.so") + ": cannot load this PKCS#11 module");
  // The module from the environment when the URI has none.
  ::setenv("DOSEGATE_PKCS11_MODULE", t.module.c_str(), 1);
  auto r = release_with(t, "pkcs11:token=QA;object=releaser", out, ledger);
  ::unsetenv("DOSEGATE_PKCS11_MODULE");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
}

TEST_CASE("token: a token certificate outside releasers/, or a --cert of another key, is refused",
          "[token][negative]") {
  Token t;
  TempDir dir;
  auto r = release_with(t, t.uri("lab"), dir.file("out"), dir.file("ledger.sqlite"));
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [signer.refused]: dosegate will not sign with this certificate"));
  CHECK(contains(r.err, "signature.wrong-role"));
  CHECK_FALSE(fs::exists(dir.file("out")));
  // The approver's key is no releaser's either.
  r = release_with(t, t.uri("approver"), dir.file("out"), dir.file("ledger.sqlite"));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is allowed to sign release specifications"));
  // --cert names another key's certificate.
  r = release_with(t, t.uri("releaser"), dir.file("out"), dir.file("ledger.sqlite"),
                   {"--cert", pki("releaser-rsa.cert.pem")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [key.mismatch]: " + t.uri("releaser") +
                            " is not the private key of the certificate"));
  // --cert the token's own certificate: accepted.
  r = release_with(t, t.uri("releaser"), dir.file("out"), dir.file("ledger.sqlite"),
                   {"--cert", pki("releaser.cert.pem"), "--chain", pki("qa-chain.pem")});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(fs::exists(dir.file("ledger.sqlite-journal")));
}

TEST_CASE("token: sign-coa and sign-spec sign on the token, and xmlsec1 and dosegate verify",
          "[token][interop]") {
  Token t;
  TempDir dir;
  // The unsigned sample CoA: the signed one without its signature.
  auto coa = test::read_source("samples/coa-pass.xml");
  const auto at = coa.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">");
  REQUIRE(at != std::string::npos);
  coa.erase(at, coa.find("</Signature>", at) + 13 - at);
  write(dir.file("coa.xml"), coa);
  auto r =
      run_cli({"sign-coa", dir.file("coa.xml"), "--key", t.uri("lab"), "--pin-file", t.pin_file,
               "--chain", pki("lab-chain.pem"), "--out", dir.file("coa.signed.xml")});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  r = run_cli(
      {"verify", dir.file("coa.signed.xml"), "--trust", src("certs/trust"), "--as-of", kReleased});
  INFO(r.out << r.err);
  CHECK(r.code == 0);

  r = run_cli_at(
      {"sign-spec", src("samples/specs/msc-exosome.xml"), "--key", t.uri("approver"), "--pin-file",
       t.pin_file, "--chain", pki("qa-chain.pem"), "--out", dir.file("spec.signed.xml")},
      "2026-11-01T09:00:00Z");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto x = run_process(
      "xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty --trusted-pem " +
      quote_arg(pki("root-ca.cert.pem")) + " " + quote_arg(dir.file("spec.signed.xml")));
  INFO(x.output);
  CHECK(x.code == 0);
  r = run_cli({"verify", src("samples/coa-exosome-pass.xml"), "--trust", src("certs/trust"),
               "--spec", dir.file("spec.signed.xml"), "--as-of", kReleased});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Spec approval  approved by CN=Sam Example"));
}

TEST_CASE("token: pkcs11 URIs are read as RFC 7512 says, and a PIN in the URI is refused",
          "[token][negative]") {
  const auto u = token::parse_uri(
      "pkcs11:token=QA%20Lab;object=rel%3Beaser;id=%01%AB;type=private?module-path=/m.so&"
      "pin-source=file:/run/pin");
  CHECK(u.token == "QA Lab");
  CHECK(u.object == "rel;easer");
  CHECK(u.id == std::string("\x01\xab", 2));
  CHECK(u.module_path == "/m.so");
  CHECK(u.pin_source == "/run/pin");
  auto usage = [](const std::string& uri, const std::string& message) {
    INFO(uri);
    try {
      token::parse_uri(uri);
      FAIL("accepted");
    } catch (const UsageError& e) {
      CHECK(contains(e.what(), message));
    }
  };
  usage("pkcs11:token=QA;object=r?pin-value=1234", "the pkcs11: URI carries pin-value");
  usage("pkcs11:token=QA;colour=red;object=r", "unknown attribute 'colour'");
  usage("pkcs11:token=QA;object=r%4", "holds '%' without two hex digits");
  usage("pkcs11:token=QA;object=r%zz", "holds '%' without two hex digits");
  usage("pkcs11:token=QA", "the pkcs11: URI names no key; add object=LABEL or id=%01");
  usage("pkcs11:token=QA;object=r;type=secret-key", "type is 'secret-key'");
  usage("pkcs11:token=QA;object", "attribute 'object' has no value");
  CHECK(token::is_uri("pkcs11:object=x"));
  CHECK_FALSE(token::is_uri("certs/pkcs11:x.pem"));
  // From the command line too: exit 2, the usage message, nothing written.
  TempDir dir;
  const auto r = run_cli_at({"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"),
                             "--key", "pkcs11:token=QA;object=r?pin-value=1", "--out",
                             dir.file("out"), "--ledger", dir.file("l.sqlite")},
                            kReleased);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "a PIN on the command line is seen by every user"));
  CHECK_FALSE(fs::exists(dir.file("out")));
}

TEST_CASE("an unprotected releaser key file is accepted with key.unprotected, said and recorded",
          "[token][key-protection]") {
  TempDir dir;
  const auto ledger_path = dir.file("ledger.sqlite");
  auto r =
      run_cli_at({"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--key",
                  pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--chain",
                  pki("qa-chain.pem"), "--out", dir.file("out"), "--ledger", ledger_path},
                 kReleased);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Warning [key.unprotected]: the signing key " + pki("releaser.key.pem") +
                            " is a file without a passphrase"));
  CHECK(contains(r.out, "21 CFR 11.200"));
  // The PKCS#12 file under a passphrase: no warning.
  r = run_cli_at(
      {"release", src("samples/coa-pending-mycoplasma.xml"), "--trust", src("certs/trust"), "--key",
       pki("releaser.p12"), "--passphrase-file", pki("releaser.p12.passphrase"), "--out",
       dir.file("out"), "--ledger", ledger_path},
      kReleased);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.out, "key.unprotected"));
  // The recall with the unprotected key says it and keeps it too.
  r = run_cli_at(
      {"recall", "A999926000147", "--reason", "test", "--trust", src("certs/trust"), "--key",
       pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--ledger", ledger_path},
      kBedside);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Warning [key.unprotected]"));
  std::vector<std::pair<std::string, std::string>> kinds;
  auto l = ledger::Ledger::open(ledger_path, false);
  l.for_each({}, [&](ledger::Entry& e) {
    kinds.emplace_back(e.kind, e.warnings);
    return true;
  });
  REQUIRE(kinds.size() == 5);  // release, records, release, records, recall
  CHECK(kinds[0].first == "release");
  CHECK(contains(kinds[0].second, "key.unprotected: the signing key "));
  CHECK(kinds[2].first == "release");
  CHECK_FALSE(contains(kinds[2].second, "key.unprotected"));
  CHECK(kinds[4].first == "recall");
  CHECK(contains(kinds[4].second, "key.unprotected"));
  // --pin-file with a key file, --passphrase-file with a token: usage errors.
  r = run_cli_at({"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--key",
                  pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--pin-file",
                  pki("releaser.p12.passphrase"), "--out", dir.file("out2"), "--ledger",
                  dir.file("l2.sqlite")},
                 kReleased);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--pin-file is for a key on a token"));
}
