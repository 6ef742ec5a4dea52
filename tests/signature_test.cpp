// Signatures on CoAs: interoperability with the real tools (xmlsec1, openssl cms) and every
// rejection the hardened profile and the trust policy promise, each with its finding.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::error_codes;
using test::pki;
using test::quote_arg;
using test::run_cli;
using test::run_process;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kAsOf = "2026-11-21T12:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  REQUIRE(out.good());
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  return text;
}

// The passing sample without its signature.
std::string unsigned_pass() {
  auto text = test::read_source("samples/coa-pass.xml");
  const auto start = text.find("<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\">");
  REQUIRE(start != std::string::npos);
  const auto end = text.find("</Signature>", start) + 12;
  text.erase(start, end - start + (text[end] == '\n' ? 1 : 0));
  return text;
}

struct SignatureTemplate {
  std::string method = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
  std::string digest = "http://www.w3.org/2001/04/xmlenc#sha256";
  std::string uri = "";
  std::string key_info = "<X509Data/>";
};

// A CoA with an unsigned signature template as the last child of the root, for xmlsec1 --sign.
std::string with_template(const std::string& coa, const SignatureTemplate& t) {
  const std::string sig =
      "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo>"
      "<CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
      "<SignatureMethod Algorithm=\"" +
      t.method +
      "\"/>"
      "<Reference URI=\"" +
      t.uri +
      "\"><Transforms>"
      "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
      "<Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></Transforms>"
      "<DigestMethod Algorithm=\"" +
      t.digest +
      "\"/><DigestValue/></Reference></SignedInfo>"
      "<SignatureValue/><KeyInfo>" +
      t.key_info + "</KeyInfo></Signature>\n";
  return replace(coa, "</CertificateOfAnalysis>", sig + "</CertificateOfAnalysis>");
}

// Signs a template with the real xmlsec1 command line.
std::string xmlsec1_sign(const TempDir& dir, const std::string& template_xml,
                         const std::string& privkey_arg, const std::string& extra = "") {
  const auto in = dir.file("template.xml");
  const auto out = dir.file("xmlsec1-signed.xml");
  write(in, template_xml);
  const auto r = run_process("xmlsec1 --sign " + extra + " --privkey-pem " + privkey_arg +
                             " --output " + quote_arg(out) + " " + quote_arg(in));
  INFO(r.output);
  REQUIRE(r.code == 0);
  return out;
}

// Signs the unsigned passing CoA with dosegate sign-coa and the named test signer.
std::string sign_with(const TempDir& dir, const std::string& signer, const std::string& coa_text,
                      const std::string& name = "signed.xml") {
  const auto in = dir.file("unsigned-" + name);
  write(in, coa_text);
  const auto out = dir.file(name);
  const auto ca = signer.rfind("releaser", 0) == 0  ? "qa-chain.pem"
                  : signer.rfind("foreign", 0) == 0 ? "foreign-root.cert.pem"
                                                    : "lab-chain.pem";
  const auto r = run_cli({"sign-coa", in, "--key", pki(signer + ".key.pem"), "--cert",
                          pki(signer + ".cert.pem"), "--chain", pki(ca), "--out", out});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return out;
}

test::CliResult verify_json(const std::string& coa, const std::string& trust = src("certs/trust"),
                            std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"verify", coa, "--trust", trust, "--as-of", kAsOf, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

// Asserts a "no" (exit 1) whose error findings include `code`.
void require_rejected(const test::CliResult& r, const std::string& code) {
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "\"decision\": \"rejected\""));
  CHECK(contains(r.out, "\"verified\": false"));
  CHECK(error_codes(r.out).count(code) == 1);
  CHECK(contains(r.out, "\"evaluated\": false"));  // no business data from unverified bytes
}

void require_releasable(const test::CliResult& r) {
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"decision\": \"releasable\""));
  CHECK(contains(r.out, "\"verified\": true"));
  CHECK(error_codes(r.out).empty());
}

// A copy of a trust directory, to take things out of or put things in.
std::string copy_trust(const TempDir& dir, const std::string& from = src("certs/trust")) {
  const auto to = dir.file("trust");
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Interoperability with the real tools

TEST_CASE("interop: a CoA signed by xmlsec1 with an EC key verifies in dosegate",
          "[signature][interop]") {
  TempDir dir;
  const auto signed_coa = xmlsec1_sign(
      dir, with_template(unsigned_pass(), {}),
      pki("lab-ec.key.pem") + "," + pki("lab-ec.cert.pem") + "," + pki("lab-ca.cert.pem"));
  const auto r = verify_json(signed_coa);
  require_releasable(r);
  CHECK(contains(r.out, "\"algorithm\": \"ECDSA-SHA256\""));
}

TEST_CASE("interop: a CoA signed by xmlsec1 with an RSA key verifies in dosegate",
          "[signature][interop]") {
  TempDir dir;
  SignatureTemplate t;
  t.method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
  const auto signed_coa = xmlsec1_sign(
      dir, with_template(unsigned_pass(), t),
      pki("lab-rsa.key.pem") + "," + pki("lab-rsa.cert.pem") + "," + pki("lab-ca.cert.pem"));
  const auto r = verify_json(signed_coa);
  require_releasable(r);
  CHECK(contains(r.out, "\"algorithm\": \"RSA-SHA256\""));
}

TEST_CASE("interop: a detached signature by openssl cms -cades verifies in dosegate",
          "[signature][interop]") {
  TempDir dir;
  const auto coa = dir.file("coa.xml");
  write(coa, unsigned_pass());
  for (const std::string form : {"DER", "PEM"}) {
    INFO(form);
    const auto p7s = dir.file("coa." + form + ".p7s");
    const auto sign = run_process("openssl cms -sign -binary -md sha256 -cades -in " +
                                  quote_arg(coa) + " -signer " + quote_arg(pki("lab-ec.cert.pem")) +
                                  " -inkey " + quote_arg(pki("lab-ec.key.pem")) + " -certfile " +
                                  quote_arg(pki("lab-chain.pem")) + " -outform " + form + " -out " +
                                  quote_arg(p7s));
    INFO(sign.output);
    REQUIRE(sign.code == 0);
    const auto r = verify_json(coa, src("certs/trust"), {"--signature", p7s});
    require_releasable(r);
    CHECK(contains(r.out, "detached CMS"));
  }
  // Found automatically as COA.xml.p7s beside the CoA.
  fs::copy_file(dir.file("coa.DER.p7s"), coa + ".p7s");
  const auto r = verify_json(coa);
  require_releasable(r);
  CHECK(contains(r.out, "\"method\": \"detached CMS (" + coa + ".p7s)\""));
}

TEST_CASE("interop: dosegate sign-coa output verifies in xmlsec1", "[signature][interop]") {
  TempDir dir;
  for (const std::string signer : {"lab-ec", "lab-rsa"}) {
    INFO(signer);
    const auto out = sign_with(dir, signer, unsigned_pass(), signer + ".xml");
    const auto r = run_process(
        "xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty --trusted-pem " +
        quote_arg(pki("root-ca.cert.pem")) + " " + quote_arg(out));
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(contains(r.output, "OK"));
    require_releasable(verify_json(out));
  }
}

// ---------------------------------------------------------------------------------------------
// Documents changed or forged after signing

TEST_CASE("rejected: a value changed after signing", "[signature][negative]") {
  TempDir dir;
  const auto signed_coa = sign_with(dir, "lab-ec", unsigned_pass());
  const auto changed = dir.file("changed.xml");
  write(changed, replace(test::read_file_text(signed_coa), "<Value unit=\"%\">94.6</Value>",
                         "<Value unit=\"%\">96.4</Value>"));
  require_rejected(verify_json(changed), "signature.invalid");
}

TEST_CASE("rejected: a DOCTYPE added after signing", "[signature][negative]") {
  TempDir dir;
  const auto signed_coa = sign_with(dir, "lab-ec", unsigned_pass());
  const auto changed = dir.file("doctype.xml");
  write(changed,
        replace(test::read_file_text(signed_coa), "<CertificateOfAnalysis",
                "<!DOCTYPE CertificateOfAnalysis [<!ENTITY x \"94.6\">]>\n<CertificateOfAnalysis"));
  const auto r = verify_json(changed);
  require_rejected(r, "signature.doctype");
  CHECK(error_codes(r.out).count("coa.malformed") == 1);
}

TEST_CASE("rejected: a forgery with a raw KeyValue key", "[signature][negative]") {
  TempDir dir;
  const auto key = dir.file("attacker.key.pem");
  // xmlsec1 1.2.37 writes RSA KeyValues (not EC ones).
  REQUIRE(run_process("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                      quote_arg(key))
              .code == 0);
  SignatureTemplate t;
  t.method = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
  t.key_info = "<KeyValue/>";
  const auto forged = xmlsec1_sign(dir, with_template(unsigned_pass(), t), quote_arg(key));
  REQUIRE(contains(test::read_file_text(forged), "<KeyValue>"));
  require_rejected(verify_json(forged), "signature.key-info");
}

TEST_CASE("rejected: a signature over #id wrapped inside a fake document",
          "[signature][negative]") {
  TempDir dir;
  // The laboratory signs its CoA element by Id...
  SignatureTemplate t;
  t.uri = "#genuine";
  const auto genuine = replace(unsigned_pass(), "version=\"1\"", "version=\"1\" Id=\"genuine\"");
  const auto signed_coa = xmlsec1_sign(
      dir, with_template(genuine, t),
      pki("lab-ec.key.pem") + "," + pki("lab-ec.cert.pem") + "," + pki("lab-ca.cert.pem"),
      "--id-attr:Id urn:dosegate:coa:1:CertificateOfAnalysis");
  // ...and an attacker moves the signed original into ds:Object under a fake CoA.
  const auto text = test::read_file_text(signed_coa);
  const auto sig_start = text.find("<Signature ");
  const auto sig_end = text.find("</Signature>") + 12;
  auto signature = text.substr(sig_start, sig_end - sig_start);
  auto original = text.substr(0, sig_start) + "</CertificateOfAnalysis>";
  original = original.substr(original.find("<CertificateOfAnalysis"));
  signature = replace(signature, "</Signature>", "<Object>" + original + "</Object></Signature>");
  auto fake =
      replace(unsigned_pass(), "<Value unit=\"%\">94.6</Value>", "<Value unit=\"%\">99.9</Value>");
  fake = replace(fake, "</CertificateOfAnalysis>", signature + "\n</CertificateOfAnalysis>");
  const auto wrapped = dir.file("wrapped.xml");
  write(wrapped, fake);
  const auto r = verify_json(wrapped);
  require_rejected(r, "signature.reference");
}

TEST_CASE("rejected: two Signature elements", "[signature][negative]") {
  TempDir dir;
  const auto text = test::read_file_text(sign_with(dir, "lab-ec", unsigned_pass()));
  const auto sig_start = text.find("<Signature ");
  const auto sig_end = text.find("</Signature>") + 12;
  const auto twice = dir.file("twice.xml");
  write(twice, text.substr(0, sig_end) + text.substr(sig_start, sig_end - sig_start) +
                   text.substr(sig_end));
  require_rejected(verify_json(twice), "signature.multiple");
}

TEST_CASE("rejected: a Signature that is not a child of the root", "[signature][negative]") {
  TempDir dir;
  const auto text = test::read_file_text(sign_with(dir, "lab-ec", unsigned_pass()));
  const auto sig_start = text.find("<Signature ");
  const auto sig_end = text.find("</Signature>") + 12;
  const auto signature = text.substr(sig_start, sig_end - sig_start);
  auto moved = text.substr(0, sig_start) + text.substr(sig_end);
  moved = replace(moved, "</Lot>", signature + "</Lot>");
  const auto path = dir.file("nested.xml");
  write(path, moved);
  require_rejected(verify_json(path), "signature.misplaced");
}

TEST_CASE("rejected: SHA-1 signature and digest", "[signature][negative]") {
  TempDir dir;
  SignatureTemplate t;
  t.method = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
  t.digest = "http://www.w3.org/2000/09/xmldsig#sha1";
  const auto signed_coa = xmlsec1_sign(dir, with_template(unsigned_pass(), t),
                                       pki("lab-rsa.key.pem") + "," + pki("lab-rsa.cert.pem"));
  require_rejected(verify_json(signed_coa), "signature.weak-algorithm");
}

TEST_CASE("rejected: an unsigned CoA", "[signature][negative]") {
  TempDir dir;
  const auto path = dir.file("unsigned.xml");
  write(path, unsigned_pass());
  require_rejected(verify_json(path), "signature.missing");
}

TEST_CASE("rejected: a truncated file", "[signature][negative]") {
  TempDir dir;
  const auto text = test::read_file_text(sign_with(dir, "lab-ec", unsigned_pass()));
  const auto path = dir.file("truncated.xml");
  write(path, text.substr(0, text.size() - 200));
  const auto r = verify_json(path);
  require_rejected(r, "coa.malformed");
  CHECK(error_codes(r.out).count("signature.unreadable") == 1);
}

TEST_CASE("rejected: a detached signature over other content", "[signature][negative]") {
  TempDir dir;
  const auto other = dir.file("other.xml");
  write(other, replace(unsigned_pass(), "<Value unit=\"%\">94.6</Value>",
                       "<Value unit=\"%\">91.0</Value>"));
  const auto r = verify_json(other, src("certs/trust"),
                             {"--signature", src("samples/coa-pending-mycoplasma.xml.p7s")});
  require_rejected(r, "signature.invalid");
  CHECK(contains(r.out, "does not match this CoA: it was made over other content"));
}

TEST_CASE("a comment injected inside a signed value still reads as the full value", "[signature]") {
  TempDir dir;
  const auto text = test::read_file_text(sign_with(dir, "lab-ec", unsigned_pass()));
  const auto path = dir.file("comment.xml");
  write(path, replace(text, "<DIN>A999926000147</DIN>", "<DIN>A9999<!--x-->26000147</DIN>"));
  const auto r = verify_json(path);
  require_releasable(r);  // comments are outside exclusive c14n: the signature still holds
  CHECK(contains(r.out, "\"din\": \"A999926000147\""));
}

// ---------------------------------------------------------------------------------------------
// Signers the trust policy refuses

namespace {
// Signs the passing CoA as `signer` and verifies it against certs/test-trust, where every bad
// signer is listed in labs/ so that it fails for its own reason.
void require_signer_refused(const std::string& signer, const std::string& code) {
  TempDir dir;
  const auto signed_coa = sign_with(dir, signer, unsigned_pass());
  require_rejected(verify_json(signed_coa, src("certs/test-trust")), code);
}
}  // namespace

TEST_CASE("rejected: a revoked signer", "[signature][negative][trust]") {
  require_signer_refused("lab-revoked", "signature.revoked");
}

TEST_CASE("rejected: an expired signer certificate", "[signature][negative][trust]") {
  require_signer_refused("lab-expired", "signature.certificate-expired");
}

TEST_CASE("rejected: a documentSigning-only certificate", "[signature][negative][trust]") {
  require_signer_refused("lab-docsign-only", "signature.certificate-purpose");
}

TEST_CASE("rejected: a certificate without digitalSignature or nonRepudiation",
          "[signature][negative][trust]") {
  require_signer_refused("lab-no-digsig", "signature.key-usage");
}

TEST_CASE("rejected: an RSA key under 2048 bits", "[signature][negative][trust]") {
  require_signer_refused("lab-rsa1024", "signature.weak-key");
}

TEST_CASE("rejected: a signer under an unknown root", "[signature][negative][trust]") {
  require_signer_refused("foreign-signer", "signature.untrusted");
}

TEST_CASE("rejected: a valid signer not in labs/", "[signature][negative][trust]") {
  require_signer_refused("lab-unlisted", "signature.signer-not-authorized");
}

TEST_CASE("rejected: a releaser's key signing a CoA", "[signature][negative][trust]") {
  require_signer_refused("releaser", "signature.wrong-role");
}

TEST_CASE("rejected: missing CRLs fail closed", "[signature][negative][trust]") {
  TempDir dir;
  const auto trust = copy_trust(dir);
  // crls/ without a CRL (no crls/ at all is a configuration error: tests/misfiling_test.cpp).
  for (const auto& e : fs::directory_iterator(trust + "/crls")) fs::remove(e.path());
  const auto r = verify_json(src("samples/coa-pass.xml"), trust);
  require_rejected(r, "signature.crl-missing");
}

TEST_CASE("rejected: an expired CRL fails closed", "[signature][negative][trust]") {
  TempDir dir;
  const auto trust = copy_trust(dir);
  fs::copy_file(pki("lab-ca.expired.crl.pem"), trust + "/crls/lab-ca.crl.pem",
                fs::copy_options::overwrite_existing);
  require_rejected(verify_json(src("samples/coa-pass.xml"), trust), "signature.crl-expired");
}

TEST_CASE("verification as of another time (--as-of)", "[signature][trust]") {
  require_releasable(verify_json(src("samples/coa-pass.xml")));
  const auto late = run_cli({"verify", src("samples/coa-pass.xml"), "--trust", src("certs/trust"),
                             "--as-of", "2080-01-01T00:00:00Z", "--json"});
  require_rejected(late, "signature.certificate-expired");
}

TEST_CASE("trust directory problems mean dosegate cannot do its job (exit 2)",
          "[signature][trust]") {
  TempDir dir;
  SECTION("no anchors") {
    const auto trust = copy_trust(dir);
    fs::remove_all(trust + "/anchors");
    const auto r = verify_json(src("samples/coa-pass.xml"), trust);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "[trust.invalid]"));
    CHECK(contains(r.err, "/anchors: no trusted root certificate"));
  }
  SECTION("a file that is not PEM") {
    const auto trust = copy_trust(dir);
    write(trust + "/labs/broken.pem", "not a certificate\n");
    const auto r = verify_json(src("samples/coa-pass.xml"), trust);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "broken.pem: no PEM certificate in this file"));
  }
  SECTION("a root among the intermediates") {
    const auto trust = copy_trust(dir);
    fs::copy_file(pki("foreign-root.cert.pem"), trust + "/intermediates/foreign-root.pem");
    const auto r = verify_json(src("samples/coa-pass.xml"), trust);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "is self-signed; a root belongs in anchors/"));
  }
  SECTION("a CRL file that is not a CRL") {
    const auto trust = copy_trust(dir);
    fs::copy_file(pki("root-ca.cert.pem"), trust + "/crls/wrong.pem");
    const auto r = verify_json(src("samples/coa-pass.xml"), trust);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "wrong.pem: no PEM CRL in this file"));
  }
}

TEST_CASE("the report names the signer", "[signature]") {
  const auto r = verify_json(src("samples/coa-pass.xml"));
  CHECK(contains(r.out,
                 "\"subject\": \"CN=QC Signer EC\\\\, Example QC Laboratory GmbH,O=Example QC "
                 "Laboratory GmbH,C=DE\""));
  CHECK(contains(
      r.out, "\"issuer\": \"CN=dosegate Test Laboratory Issuing CA,O=dosegate test PKI,C=DE\""));
  const auto fp = run_process("openssl x509 -in " + quote_arg(pki("lab-ec.cert.pem")) +
                              " -noout -fingerprint -sha256");
  std::string hex;
  for (char c : fp.output.substr(fp.output.find('=') + 1))
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(c));
  CHECK(hex.size() == 64);
  CHECK(contains(r.out, "\"sha256\": \"" + hex + "\""));
}

// ---------------------------------------------------------------------------------------------
// sign-coa

TEST_CASE("sign-coa: passphrase-protected keys", "[signature][sign-coa]") {
  TempDir dir;
  const auto in = dir.file("coa.xml");
  write(in, unsigned_pass());
  const std::vector<std::string> base{"sign-coa", in,
                                      "--key",    pki("lab-ec-protected.key.pem"),
                                      "--cert",   pki("lab-ec-protected.cert.pem"),
                                      "--chain",  pki("lab-chain.pem"),
                                      "--out",    dir.file("out.xml")};
  SECTION("from --passphrase-file") {
    auto args = base;
    args.insert(args.end(), {"--passphrase-file", pki("lab-ec-protected.passphrase")});
    const auto r = run_cli(args);
    INFO(r.err);
    CHECK(r.code == 0);
    require_releasable(verify_json(dir.file("out.xml")));
  }
  SECTION("no terminal and no passphrase file: exit 2, nothing written") {
    const auto r = run_process(quote_arg(DOSEGATE_BINARY) + " sign-coa " + quote_arg(in) +
                               " --key " + quote_arg(pki("lab-ec-protected.key.pem")) + " --cert " +
                               quote_arg(pki("lab-ec-protected.cert.pem")) + " --out " +
                               quote_arg(dir.file("out.xml")) + " < /dev/null");
    CHECK(r.code == 2);
    CHECK(contains(r.output, "the key is encrypted and there is no terminal"));
    CHECK_FALSE(fs::exists(dir.file("out.xml")));
  }
  SECTION("asked for on the terminal, with echo off") {
    // script(1) gives dosegate a terminal and types the passphrase into it after the prompt
    // (input typed ahead of the prompt is discarded, as getpass does).
    const auto out = dir.file("out.xml");
    const auto command = quote_arg(DOSEGATE_BINARY) + " sign-coa " + quote_arg(in) + " --key " +
                         quote_arg(pki("lab-ec-protected.key.pem")) + " --cert " +
                         quote_arg(pki("lab-ec-protected.cert.pem")) + " --out " + quote_arg(out);
    const auto r =
        run_process("(sleep 1; printf 'correct horse battery staple\\n') | script -qec " +
                    quote_arg(command) + " /dev/null");
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(contains(r.output, "Passphrase for "));
    CHECK_FALSE(contains(r.output, "correct horse"));
    require_releasable(verify_json(out));
  }
  SECTION("a wrong passphrase: exit 2, never echoed") {
    const auto pass = dir.file("wrong.txt");
    write(pass, "tr0ub4dor&3\n");
    auto args = base;
    args.insert(args.end(), {"--passphrase-file", pass});
    const auto r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "wrong passphrase"));
    CHECK_FALSE(contains(r.err + r.out, "tr0ub4dor"));
    CHECK_FALSE(fs::exists(dir.file("out.xml")));
  }
}

TEST_CASE("sign-coa: refusals", "[signature][sign-coa]") {
  TempDir dir;
  const auto in = dir.file("coa.xml");
  write(in, unsigned_pass());
  SECTION("a key that does not belong to the certificate") {
    const auto r = run_cli({"sign-coa", in, "--key", pki("lab-rsa.key.pem"), "--cert",
                            pki("lab-ec.cert.pem"), "--out", dir.file("out.xml")});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "is not the private key of the certificate"));
  }
  SECTION("a malformed CoA: exit 1, nothing written") {
    write(in, replace(unsigned_pass(), "<Value unit=\"%\">94.6</Value>",
                      "<Value unit=\"%\">high</Value>"));
    const auto r = run_cli({"sign-coa", in, "--key", pki("lab-ec.key.pem"), "--cert",
                            pki("lab-ec.cert.pem"), "--out", dir.file("out.xml")});
    CHECK(r.code == 1);
    CHECK(contains(r.err, "'high' is not a decimal number"));
    CHECK_FALSE(fs::exists(dir.file("out.xml")));
  }
  SECTION("an already signed CoA: exit 1") {
    const auto r = run_cli({"sign-coa", src("samples/coa-pass.xml"), "--key", pki("lab-ec.key.pem"),
                            "--cert", pki("lab-ec.cert.pem"), "--out", dir.file("out.xml")});
    CHECK(r.code == 1);
    CHECK(contains(r.err, "already signed"));
  }
  SECTION("missing options: exit 2") {
    auto r = run_cli({"sign-coa", in, "--key", pki("lab-ec.key.pem")});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "missing --out"));
    // --cert is optional for a PKCS#12 key, required with a PEM key.
    r = run_cli({"sign-coa", in, "--key", pki("lab-ec.key.pem"), "--out", dir.file("out.xml")});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "--cert CERT.pem is required with a PEM key"));
    CHECK_FALSE(fs::exists(dir.file("out.xml")));
  }
  SECTION("help") {
    const auto r = run_cli({"sign-coa", "--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, "xmlsec1 --verify --enabled-key-data x509"));
  }
}
