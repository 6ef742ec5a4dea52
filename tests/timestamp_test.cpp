// Long-term validity: RFC 3161 timestamps on release records (PAdES B-T) from the test TSA the
// tests start themselves; records judged as of their timestamp; every way a TSA can fail.
#include <catch2/catch.hpp>

#include <openssl/cms.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "crypto/cms.hpp"
#include "crypto/sha256.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "pdf/dss.hpp"
#include "pdf/object.hpp"
#include "pdf/verify_record.hpp"
#include "test_support.hpp"
#include "tsa/client.hpp"
#include "tsa_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::TempDir;
using test::TestTsa;

namespace {

namespace fs = std::filesystem;
const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kRecord = "A999926000147-S1234V00-A0.pdf";

std::string src(const std::string& relative) {
  return test::source(relative);
}

std::string dose_a0() {
  return "=A999926000147" + isbt128::din_check_flags("A999926000147") + "=<S1234VA0";
}

// A trust directory: certs/trust plus the long-term test releasers and, optionally, the CRL
// that revokes two of them (qa-ca.lt.crl.pem, issued 2026-12-02), without tsa/ if asked.
std::string trust_dir(const TempDir& dir, const std::string& name, bool lt_crl, bool tsa = true) {
  const fs::path t = dir.path / name;
  fs::copy(src("certs/trust"), t, fs::copy_options::recursive);
  for (const char* r : {"releaser-short", "releaser-left", "releaser-compromised"})
    fs::copy_file(pki(std::string(r) + ".cert.pem"), t / "releasers" / (std::string(r) + ".pem"));
  if (lt_crl) fs::copy_file(pki("qa-ca.lt.crl.pem"), t / "crls" / "qa-ca.lt.crl.pem");
  if (!tsa) fs::remove_all(t / "tsa");
  return t.string();
}

test::CliResult release(const TempDir& dir, const std::string& trust, const std::string& releaser,
                        const std::string& now, const std::vector<std::string>& more = {},
                        const std::string& coa = "samples/coa-pass.xml") {
  std::vector<std::string> args{"release",  coa.front() == '/' ? coa : src(coa),
                                "--trust",  trust,
                                "--key",    pki(releaser + ".key.pem"),
                                "--cert",   pki(releaser + ".cert.pem"),
                                "--chain",  pki("qa-chain.pem"),
                                "--out",    dir.file("out"),
                                "--ledger", dir.file("ledger.sqlite"),
                                "--quiet"};
  args.insert(args.end(), more.begin(), more.end());
  return test::run_cli_at(args, now);
}

test::CliResult confirm(const TempDir& dir, const std::string& trust, const std::string& now,
                        const std::string& record = kRecord) {
  return test::run_cli_at(
      {"confirm", dir.file("out/" + record), "--trust", trust, "--dose", dose_a0(), "--ledger",
       dir.file("ledger.sqlite"), "--staff", "nurse-17", "--json"},
      now);
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path().filename().string());
  return out;
}

// The release's failure left nothing: no record, no .pending file, no release in the ledger.
void require_nothing_released(const TempDir& dir) {
  for (const auto& f : files_in(dir.file("out"))) CHECK_FALSE(contains(f, ".pdf"));
  if (fs::exists(dir.file("ledger.sqlite"))) {
    const auto h =
        test::run_cli({"history", "--ledger", dir.file("ledger.sqlite"), "--format", "json"});
    CHECK_FALSE(contains(h.out, "\"release\""));
    CHECK_FALSE(contains(h.out, "\"records\""));
  }
}

// The CMS in a record's /Contents (its hex string, trailing zero padding dropped).
std::string record_cms(const std::string& pdf) {
  const auto at = pdf.find("/Contents <");
  const auto end = pdf.find('>', at);
  std::string hex = pdf.substr(at + 11, end - at - 11);
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  // The DER's own length says where it ends.
  const auto* p = reinterpret_cast<const unsigned char*>(out.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(out.size()));
  REQUIRE(cms);
  CMS_ContentInfo_free(cms);
  return out.substr(
      0, static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(out.data())));
}

// The record with `cms` in place of its signature (the /Contents string is outside the signed
// byte ranges: anyone can do this without a key).
std::string with_cms(std::string pdf, const std::string& cms) {
  const auto at = pdf.find("/Contents <") + 11;
  const auto end = pdf.find('>', at);
  static const char* hex = "0123456789abcdef";
  std::string h;
  for (unsigned char c : cms) {
    h += hex[c >> 4];
    h += hex[c & 15];
  }
  REQUIRE(h.size() <= end - at);
  h.resize(end - at, '0');
  pdf.replace(at, end - at, h);
  return pdf;
}

// The signature-time-stamp token of a CMS signature, DER.
std::string token_of(const std::string& cms_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(cms_der.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size()));
  REQUIRE(cms);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
  const int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  REQUIRE(i >= 0);
  ASN1_TYPE* t = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, i), 0);
  std::string out(reinterpret_cast<const char*>(t->value.sequence->data),
                  static_cast<std::size_t>(t->value.sequence->length));
  CMS_ContentInfo_free(cms);
  return out;
}

// The CMS without its unsigned attributes (a B-T signature turned back into B-B).
std::string without_timestamp(const std::string& cms_der) {
  const auto* p = reinterpret_cast<const unsigned char*>(cms_der.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size()));
  REQUIRE(cms);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
  while (CMS_unsigned_get_attr_count(si) > 0) X509_ATTRIBUTE_free(CMS_unsigned_delete_attr(si, 0));
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  return out;
}

std::string decision(const test::CliResult& r) {
  const auto at = r.out.find("\"decision\": \"");
  if (at == std::string::npos) return "";
  return r.out.substr(at + 13, r.out.find('"', at + 13) - at - 13);
}

// The "source" of the CRL of the CA named `ca_cn` for `chain` ("signer", "timestamp" or
// "document-timestamp") in a --json answer's "crls" list; "" when the list names no such CRL.
std::string crl_source(const std::string& json, const std::string& chain,
                       const std::string& ca_cn) {
  const std::string start = "\"chain\": \"" + chain + "\"";
  for (auto at = json.find(start); at != std::string::npos; at = json.find(start, at + 1)) {
    const auto end = json.find('}', at);
    const auto object = json.substr(at, end - at);
    if (!contains(object, "\"issuer\": \"CN=" + ca_cn + ",")) continue;
    const auto src = object.find("\"source\": \"");
    if (src == std::string::npos) return "";
    return object.substr(src + 11, object.find('"', src + 11) - src - 11);
  }
  return "";
}

const std::string kQaCa = "dosegate Test QA Issuing CA";
const std::string kRootCa = "dosegate Test Root CA";

}  // namespace

TEST_CASE("release --tsa: every record carries a timestamp that openssl ts, pdfsig and qpdf accept",
          "[timestamp][interop]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r =
      release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--no-validation-data"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Timestamped (PAdES B-T) by CN=dosegate Test TSA"));
  CHECK(contains(r.out, "at 2026-11-21T12:00:00Z"));
  for (const auto& name : {kRecord, std::string("A999926000147-S1234V00-B0.pdf")}) {
    const std::string pdf = test::read_file_text(dir.file("out/" + name));
    const std::string cms = record_cms(pdf);
    // openssl ts -verify: the token is over the SHA-256 of the signature value.
    std::ofstream(dir.file("token.der"), std::ios::binary) << token_of(cms);
    const auto digest = crypto::sha256_hex(crypto::cms_signature_value(cms));
    const auto v = test::run_process("openssl ts -verify -token_in -in " + dir.file("token.der") +
                                     " -digest " + digest + " -CAfile " + pki("root-ca.cert.pem") +
                                     " -untrusted " + pki("tsa.cert.pem"));
    INFO(v.output);
    CHECK(v.code == 0);
    CHECK(contains(v.output, "Verification: OK"));
    // The token is for this signature and no other: another digest fails.
    const auto other =
        test::run_process("openssl ts -verify -token_in -in " + dir.file("token.der") +
                          " -digest " + crypto::sha256_hex("another signature") + " -CAfile " +
                          pki("root-ca.cert.pem") + " -untrusted " + pki("tsa.cert.pem"));
    CHECK(contains(other.output, "Verification: FAILED"));
  }
  // pdfsig (poppler) with the test root in an NSS database; qpdf --check.
  const auto db = dir.file("nss");
  fs::create_directories(db);
  REQUIRE(test::run_process("certutil -N -d sql:" + db + " --empty-password").code == 0);
  REQUIRE(test::run_process("certutil -A -d sql:" + db + " -n root -t CT,C,C -i " +
                            pki("root-ca.cert.pem"))
              .code == 0);
  const auto sig =
      test::run_process("pdfsig -nssdir sql:" + db + " -no-ocsp " + dir.file("out/" + kRecord));
  INFO(sig.output);
  CHECK(contains(sig.output, "Signature is Valid"));
  CHECK(contains(sig.output, "Certificate is Trusted"));
  CHECK(contains(sig.output, "Total document signed"));
  const auto q = test::run_process("qpdf --check " + dir.file("out/" + kRecord));
  CHECK(q.code == 0);
  CHECK(contains(q.output, "No syntax or stream encoding errors"));
  // confirm says which time the signature was judged at.
  const auto c = confirm(dir, trust, "2026-11-22T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(contains(c.out, "\"profile\": \"B-T\""));
  CHECK(contains(c.out, "\"judged_at\": \"2026-11-21T12:00:00Z\""));
  CHECK(contains(c.out, "\"timestamp\": \"2026-11-21T12:00:00Z\""));
}

TEST_CASE("a record without a timestamp is judged at the time of the check", "[timestamp]") {
  TempDir dir;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased).code == 0);
  const auto c = confirm(dir, trust, "2026-11-22T09:00:00Z");
  CHECK(c.code == 0);
  CHECK(contains(c.out, "\"profile\": \"B-B\""));
  CHECK(contains(c.out, "\"judged_at\": \"2026-11-22T09:00:00Z\""));
}

TEST_CASE("a releaser certificate that expires before the lot: a warning, recorded, without a TSA",
          "[timestamp]") {
  TempDir dir;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser-short", kReleased);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Warning [release.certificate-expires-before-lot]"));
  CHECK(contains(r.out, "2026-12-01T00:00:00Z"));
  const auto h =
      test::run_cli({"history", "--ledger", dir.file("ledger.sqlite"), "--format", "json"});
  CHECK(contains(h.out, "release.certificate-expires-before-lot"));
  // The day after the certificate expired the B-B record is NO-GO.
  const auto c = confirm(dir, trust, "2026-12-15T09:00:00Z");
  CHECK(c.code == 1);
  CHECK(test::error_codes(c.out).count("signature.certificate-expired") == 1);
}

TEST_CASE("a releaser certificate that expires before the lot: no warning with a TSA, and GO after",
          "[timestamp]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser-short", kReleased, {"--tsa", tsa.url()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.out, "release.certificate-expires-before-lot"));
  const auto c = confirm(dir, trust, "2026-12-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(decision(c) == "go");
  // Stripping the timestamp (no key needed: /Contents is outside the signed bytes) makes it B-B
  // again, judged today: NO-GO, never GO.
  const std::string path = dir.file("out/" + kRecord);
  const std::string pdf = test::read_file_text(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      << with_cms(pdf, without_timestamp(record_cms(pdf)));
  const auto stripped = confirm(dir, trust, "2026-12-15T09:00:00Z");
  CHECK(stripped.code == 1);
  CHECK(test::error_codes(stripped.out).count("signature.certificate-expired") == 1);
}

TEST_CASE(
    "a releaser revoked after the timestamp (cessationOfOperation): B-T GO with the "
    "revocation shown, B-B NO-GO",
    "[timestamp]") {
  TempDir dir;
  TempDir plain;
  TestTsa tsa;
  const auto at_release = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, at_release, "releaser-left", kReleased, {"--tsa", tsa.url()}).code == 0);
  REQUIRE(release(plain, at_release, "releaser-left", kReleased).code == 0);
  const auto later = trust_dir(dir, "trust-later", true);  // holds the revocation of 2026-12-01
  const auto c = confirm(dir, later, "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(contains(c.out, "signature.revoked-later"));
  CHECK(contains(c.out, "cessationOfOperation"));
  const auto b = confirm(plain, later, "2027-01-15T09:00:00Z");
  CHECK(b.code == 1);
  CHECK(test::error_codes(b.out).count("signature.revoked") == 1);
}

TEST_CASE("a releaser revoked for keyCompromise before the timestamp is NO-GO, after it shown",
          "[timestamp]") {
  // Revoked 2026-11-01 (keyCompromise); the CRL saying so is issued 2026-12-02.
  TempDir before;
  TestTsa tsa;  // its clock: 2026-11-21, after the compromise
  const auto at_release = trust_dir(before, "trust", false);
  REQUIRE(
      release(before, at_release, "releaser-compromised", kReleased, {"--tsa", tsa.url()}).code ==
      0);
  const auto later = trust_dir(before, "trust-later", true);
  const auto c = confirm(before, later, "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 1);
  CHECK(test::error_codes(c.out).count("signature.revoked") == 1);
  CHECK(contains(c.out, "keyCompromise"));

  TempDir after;
  // The records' tokens (requests 3 and 4, after the probe and the release entry's) say
  // 2026-10-20, before the compromise; the ledger entries' say the release's time.
  TestTsa early("ok", kReleased, "tsa",
                {"--other-time", "2026-10-20T12:00:00Z", "--other-requests", "3-4"});
  const auto at_early = trust_dir(after, "trust", false);
  const auto e =
      release(after, at_early, "releaser-compromised", kReleased, {"--tsa", early.url()});
  INFO(e.out << e.err);
  REQUIRE(e.code == 0);
  const auto later2 = trust_dir(after, "trust-later", true);
  // The record alone: the ledger entries, timestamped after the compromise, do not hold.
  const auto d = test::run_cli_at({"confirm", after.file("out/" + kRecord), "--trust", later2,
                                   "--dose", dose_a0(), "--record-only", "--json"},
                                  "2027-01-15T09:00:00Z");
  INFO(d.out);
  CHECK(d.code == 0);
  CHECK(contains(d.out, "signature.revoked-later"));
  CHECK(contains(d.out, "keyCompromise"));
}

TEST_CASE("a timestamp that cannot be trusted is signature.timestamp-invalid, never GO",
          "[timestamp][attack]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser-short", kReleased, {"--tsa", tsa.url()}).code == 0);
  const std::string path = dir.file("out/" + kRecord);
  const std::string original = test::read_file_text(path);
  const std::string cms = record_cms(original);
  const std::string bare = without_timestamp(cms);
  const auto check_at = [&](const std::string& pdf, const std::string& trust_path) {
    const crypto::TrustStore store(trust_path);
    return pdf::verify_record(pdf, store, *parse_utc_instant("2026-12-15T09:00:00Z"));
  };
  const auto has = [](const pdf::RecordCheck& c, const std::string& code) {
    for (const auto& f : c.findings)
      if (f.code == code) return true;
    return false;
  };
  REQUIRE(check_at(original, trust).findings.empty());

  SECTION("the token of another record's signature") {
    const std::string other =
        record_cms(test::read_file_text(dir.file("out/A999926000147-S1234V00-B0.pdf")));
    const auto forged = with_cms(original, crypto::add_signature_timestamp(bare, token_of(other)));
    CHECK(has(check_at(forged, trust), "signature.timestamp-invalid"));
  }
  SECTION("a token from a TSA that is not in tsa/ (a backdating attacker's own TSA)") {
    TestTsa rogue("ok", "2026-11-21T12:00:00Z", "tsa-untrusted");
    const auto req = crypto::timestamp_request(crypto::cms_signature_value(bare));
    const auto answer = tsa::post_query(rogue.url(), req.der, std::chrono::seconds(10));
    // The token itself, taken from the response.
    const auto* p = reinterpret_cast<const unsigned char*>(answer.data());
    TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(answer.size()));
    REQUIRE(resp);
    unsigned char* der = nullptr;
    const int len = i2d_PKCS7(TS_RESP_get_token(resp), &der);
    const std::string token(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    TS_RESP_free(resp);
    const auto forged = with_cms(original, crypto::add_signature_timestamp(bare, token));
    const auto c = check_at(forged, trust);
    CHECK(has(c, "signature.timestamp-invalid"));
    CHECK(contains(c.findings.front().message, "tsa/"));
  }
  SECTION("two timestamps") {
    const auto forged = with_cms(original, crypto::add_signature_timestamp(cms, token_of(cms)));
    CHECK(has(check_at(forged, trust), "signature.timestamp-invalid"));
  }
  SECTION("a trust directory without tsa/ accepts no timestamp") {
    const auto no_tsa = trust_dir(dir, "trust-no-tsa", false, false);
    CHECK(has(check_at(original, no_tsa), "signature.timestamp-invalid"));
  }
}

TEST_CASE(
    "a TSA that fails or answers wrongly stops the release: nothing written, the URL and "
    "the reason named",
    "[timestamp][tsa]") {
  struct Case {
    std::string mode;
    std::string key;
    std::vector<std::string> more;
    std::string reason;
  };
  const std::vector<Case> cases{
      {"bad-imprint", "tsa", {}, "message imprint"},
      {"wrong-nonce", "tsa", {}, "nonce"},
      {"ok", "tsa-untrusted", {}, "is not in"},
      {"http-500", "tsa", {}, "HTTP status 500"},
      {"garbage", "tsa", {}, "not an RFC 3161 TimeStampResp"},
      {"refuse", "tsa", {}, "refused"},
      {"wrong-type", "tsa", {}, "Content-Type"},
      {"slow", "tsa", {"--delay-ms", "3000"}, "no answer in time"},
  };
  for (const auto& k : cases) {
    DYNAMIC_SECTION(k.mode << " " << k.key) {
      TempDir dir;
      TestTsa tsa(k.mode, kReleased, k.key, k.more);
      const auto trust = trust_dir(dir, "trust", false);
      const auto r =
          release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--tsa-timeout", "1"});
      INFO(r.out << r.err);
      CHECK(r.code == 2);
      CHECK(contains(r.err, tsa.url()));
      CHECK(contains(r.err, k.reason));
      require_nothing_released(dir);
    }
  }
  SECTION("nobody listening") {
    TempDir dir;
    int port = 0;
    {
      TestTsa gone;
      port = gone.port();
    }
    const auto trust = trust_dir(dir, "trust", false);
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", url});
    CHECK(r.code == 2);
    CHECK(contains(r.err, url));
    require_nothing_released(dir);
  }
  SECTION("not an http URL") {
    TempDir dir;
    const auto trust = trust_dir(dir, "trust", false);
    const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", "file:///etc/passwd"});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "not an http:// or https:// URL"));
    require_nothing_released(dir);
  }
}

TEST_CASE("a TSA that fails in the middle of a release: rolled back, no record left",
          "[timestamp][tsa]") {
  TempDir dir;
  // The probe, the release entry and one record get tokens; the second record does not.
  TestTsa tsa("fail-after", kReleased, "tsa", {"--ok", "3"});
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()});
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "HTTP status 500"));
  require_nothing_released(dir);
  CHECK(files_in(dir.file("out")).size() <= 1);  // at most the release lock file
}

TEST_CASE("tokens are requested concurrently, at most 8 at once", "[timestamp][tsa]") {
  TempDir dir;
  // A lot of 40 doses from the passing sample, signed by the test laboratory.
  auto text = test::read_file_text(src("samples/coa-pass.xml"));
  const auto sig = text.find("<Signature xmlns=");
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  text.replace(text.find("<Code>S1234V00</Code>"), 21, "<Code>S1234V99</Code>");
  const auto start = text.find("<Doses>") + 7;
  std::string doses;
  for (int i = 1; i <= 40; ++i) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "<Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                  "<Volume unit=\"mL\">5.0</Volume></Dose>\n",
                  i);
    doses += buf;
  }
  text.replace(start, text.find("</Doses>") - start, doses);
  std::ofstream(dir.file("lot-unsigned.xml")) << text;
  REQUIRE(test::run_cli({"sign-coa", dir.file("lot-unsigned.xml"), "--key", pki("lab-ec.key.pem"),
                         "--cert", pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"), "--out",
                         dir.file("lot.xml")})
              .code == 0);
  TestTsa tsa("slow", kReleased, "tsa", {"--delay-ms", "150"});
  const auto trust = trust_dir(dir, "trust", false);
  const auto started = std::chrono::steady_clock::now();
  const auto r =
      release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}, dir.file("lot.xml"));
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(files_in(dir.file("out")).size() == 41);  // 40 records and the lock file
  // One at a time, 43 requests of 150 ms (the probe, the 40 records and the two ledger entries)
  // would take 6.5 s.
  CHECK(took < std::chrono::seconds(4));
  const auto most = test::run_process("curl -s http://127.0.0.1:" + std::to_string(tsa.port()) +
                                      "/max-in-flight");
  INFO(most.output);
  const int in_flight = std::stoi(most.output);
  CHECK(in_flight > 1);
  CHECK(in_flight <= 8);
}

namespace {

// certs/trust with qa-ca's CRL replaced by the refreshed one of 2026-12-02 (a routine refresh:
// the CRL current at the release is gone), or with no qa-ca CRL at all.
std::string refreshed_trust(const TempDir& dir, const std::string& name, bool any_qa_crl = true) {
  const auto t = trust_dir(dir, name, any_qa_crl);
  fs::remove(fs::path(t) / "crls" / "qa-ca.crl.pem");
  return t;
}

test::CliResult audit(const TempDir& dir, const std::string& trust) {
  return test::run_cli({"audit", "--trust", trust, "--ledger", dir.file("ledger.sqlite")});
}

// Runs `statements` on the SQLite ledger as someone with the file but no key would: the
// append-only trigger dropped for the change and made again, exactly as dosegate makes it.
std::string sqlite(const std::string& ledger, const std::string& statements) {
  return test::run_process(
             "sqlite3 " + test::quote_arg(ledger) + " " +
             test::quote_arg(
                 "DROP TRIGGER entries_append_only_update; " + statements +
                 " CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries BEGIN "
                 "SELECT RAISE(ABORT, 'the dosegate ledger is append-only: entries cannot be "
                 "changed'); END;"))
      .output;
}

// The ledger as a dosegate before schema 5 left it: no entry keeps revocation data.
void forget_entry_crls(const std::string& ledger) {
  sqlite(ledger, "UPDATE entries SET crls = NULL;");
}

std::string hex_of(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A certificate a CRL revokes: certs/test-pki/NAME.cert.pem, on `date`, for `reason` (an RFC
// 5280 CRLReason code: 1 keyCompromise, 5 cessationOfOperation, ...), and with an invalidity
// date when `invalid_since` is not empty (times as YYYYMMDDHHMMSSZ).
struct Revoked {
  std::string name;
  std::string date;
  long reason = 0;
  std::string invalid_since;
};

// A CRL (DER) in the name of the CA `ca` (certs/test-pki/CA.cert.pem) that revokes `revoked`
// (nothing by default), valid from `this_update` to `next_update`, signed with the key of
// `signer` (the CA's own, or another one: a forgery).
std::string make_crl(const std::string& ca, const std::string& signer,
                     const std::string& this_update,
                     const std::string& next_update = "20750101000000Z",
                     const std::vector<Revoked>& revoked = {}) {
  BIO* cb = BIO_new_file(pki(ca + ".cert.pem").c_str(), "r");
  X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
  BIO_free(cb);
  BIO* kb = BIO_new_file(pki(signer + ".key.pem").c_str(), "r");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
  BIO_free(kb);
  REQUIRE(cert);
  REQUIRE(key);
  X509_CRL* crl = X509_CRL_new();
  ASN1_TIME* from = ASN1_TIME_new();
  ASN1_TIME* to = ASN1_TIME_new();
  REQUIRE(ASN1_TIME_set_string_X509(from, this_update.c_str()) == 1);
  REQUIRE(ASN1_TIME_set_string_X509(to, next_update.c_str()) == 1);
  REQUIRE(X509_CRL_set_version(crl, 1) == 1);
  REQUIRE(X509_CRL_set_issuer_name(crl, X509_get_subject_name(cert)) == 1);
  REQUIRE(X509_CRL_set1_lastUpdate(crl, from) == 1);
  REQUIRE(X509_CRL_set1_nextUpdate(crl, to) == 1);
  for (const auto& r : revoked) {
    BIO* b = BIO_new_file(pki(r.name + ".cert.pem").c_str(), "r");
    X509* c = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    REQUIRE(c);
    X509_REVOKED* rev = X509_REVOKED_new();
    REQUIRE(X509_REVOKED_set_serialNumber(rev, X509_get_serialNumber(c)) == 1);
    ASN1_TIME* when = ASN1_TIME_new();
    REQUIRE(ASN1_TIME_set_string_X509(when, r.date.c_str()) == 1);
    REQUIRE(X509_REVOKED_set_revocationDate(rev, when) == 1);
    ASN1_ENUMERATED* reason = ASN1_ENUMERATED_new();
    REQUIRE(ASN1_ENUMERATED_set(reason, r.reason) == 1);
    REQUIRE(X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0) == 1);
    if (!r.invalid_since.empty()) {
      ASN1_GENERALIZEDTIME* since = ASN1_GENERALIZEDTIME_new();
      REQUIRE(ASN1_GENERALIZEDTIME_set_string(since, r.invalid_since.c_str()) == 1);
      REQUIRE(X509_REVOKED_add1_ext_i2d(rev, NID_invalidity_date, since, 0, 0) == 1);
      ASN1_GENERALIZEDTIME_free(since);
    }
    REQUIRE(X509_CRL_add0_revoked(crl, rev) == 1);
    ASN1_ENUMERATED_free(reason);
    ASN1_TIME_free(when);
    X509_free(c);
  }
  REQUIRE(X509_CRL_sort(crl) == 1);
  REQUIRE(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
  unsigned char* der = nullptr;
  const int len = i2d_X509_CRL(crl, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ASN1_TIME_free(from);
  ASN1_TIME_free(to);
  X509_CRL_free(crl);
  EVP_PKEY_free(key);
  X509_free(cert);
  return out;
}

void write_pem_crl(const std::string& path, const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(crl);
  BIO* b = BIO_new_file(path.c_str(), "w");
  REQUIRE(PEM_write_bio_X509_CRL(b, crl) == 1);
  BIO_free(b);
  X509_CRL_free(crl);
}

// certs/trust after a routine refresh of every CRL the releasers and the TSA need: qa-ca's
// refreshed CRL of 2026-12-02 and a root CRL issued the same day; the CRLs current at the
// release are gone. Without `any`, no CRL of qa-ca or the root at all.
std::string all_refreshed_trust(const TempDir& dir, const std::string& name, bool any = true) {
  const auto t = trust_dir(dir, name, any);
  fs::remove(fs::path(t) / "crls" / "qa-ca.crl.pem");
  fs::remove(fs::path(t) / "crls" / "root-ca.crl.pem");
  if (any)
    write_pem_crl((fs::path(t) / "crls" / "root-ca.refreshed.crl.pem").string(),
                  make_crl("root-ca", "root-ca", "20261202000000Z"));
  return t;
}

}  // namespace

TEST_CASE("audit after a CRL refresh is INTACT, a revocation dated before an entry still fails it",
          "[timestamp][ledger]") {
  TempDir dir;
  const auto at_release = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, at_release, "releaser", kReleased).code == 0);
  REQUIRE(audit(dir, at_release).code == 0);
  const auto refreshed = refreshed_trust(dir, "trust-refreshed");
  const auto a = audit(dir, refreshed);
  INFO(a.out);
  CHECK(a.code == 0);
  CHECK(contains(a.out, "INTACT"));

  SECTION("a releaser who left after signing: still INTACT") {
    TempDir left;
    REQUIRE(release(left, trust_dir(left, "trust", false), "releaser-left", kReleased).code == 0);
    const auto b = audit(left, refreshed_trust(left, "trust-refreshed"));
    INFO(b.out);
    CHECK(b.code == 0);
  }
  SECTION("a key compromised before the entries were signed: TAMPERED, the revocation named") {
    TempDir bad;
    REQUIRE(release(bad, trust_dir(bad, "trust", false), "releaser-compromised", kReleased).code ==
            0);
    const auto b = audit(bad, refreshed_trust(bad, "trust-refreshed"));
    INFO(b.out);
    CHECK(b.code == 1);
    CHECK(contains(b.out, "TAMPERED"));
    CHECK(contains(b.out, "ledger.signature-invalid"));
    CHECK(contains(b.out, "keyCompromise"));
  }
  SECTION("no CRL of the releasers' CA at all: the entries' own CRLs speak for them") {
    const auto none = refreshed_trust(dir, "trust-no-qa-crl", false);
    const auto b = audit(dir, none);
    INFO(b.out);
    CHECK(b.code == 0);
    CHECK(contains(b.out, "INTACT"));
  }
  SECTION(
      "no CRL at all, and entries that keep none (written before schema 5): could not "
      "check, exit 2, never TAMPERED") {
    const auto none = refreshed_trust(dir, "trust-no-qa-crl", false);
    forget_entry_crls(dir.file("ledger.sqlite"));
    const auto b = audit(dir, none);
    INFO(b.out);
    CHECK(b.code == 2);
    CHECK(contains(b.out, "COULD NOT CHECK"));
    CHECK(contains(b.out, "ledger.could-not-check"));
    CHECK_FALSE(contains(b.out, "TAMPERED"));
    const auto j =
        test::run_cli({"audit", "--trust", none, "--ledger", dir.file("ledger.sqlite"), "--json"});
    CHECK(contains(j.out, "\"decision\": \"could-not-check\""));
  }
}

TEST_CASE(
    "signed ledger entries keep their token and the CRLs current at signing: audit needs "
    "neither the old CRLs nor the trust directory's current ones",
    "[timestamp][ledger]") {
  TempDir dir;
  const auto at_release = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, at_release, "releaser", kReleased).code == 0);
  const std::string recalled_at = "2026-11-25T08:00:00Z";
  {
    TestTsa tsa("ok", recalled_at);
    const auto r = test::run_cli_at(
        {"recall", "A999926000147", "--reason", "sterility retest positive", "--trust", at_release,
         "--key", pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--chain",
         pki("qa-chain.pem"), "--ledger", dir.file("ledger.sqlite"), "--tsa", tsa.url()},
        recalled_at);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  const auto ledger_path = dir.file("ledger.sqlite");
  {
    const auto entries = ledger::Ledger::open(ledger_path, false).entries();
    REQUIRE(entries.size() == 3);
    const auto der_of = [](const std::string& name) {
      const auto pem = test::read_source("certs/test-pki/" + name);
      BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
      X509_CRL* crl = PEM_read_bio_X509_CRL(b, nullptr, nullptr, nullptr);
      BIO_free(b);
      unsigned char* der = nullptr;
      const int len = i2d_X509_CRL(crl, &der);
      std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
      OPENSSL_free(der);
      X509_CRL_free(crl);
      return out;
    };
    const auto qa = der_of("qa-ca.crl.pem");
    const auto root = der_of("root-ca.crl.pem");
    for (const auto& e : entries) {
      INFO("entry " << e.seq);
      // The signer's CA's CRL and the root's: the trust directory's, current at signing.
      CHECK(std::find(e.crls.begin(), e.crls.end(), qa) != e.crls.end());
      CHECK(std::find(e.crls.begin(), e.crls.end(), root) != e.crls.end());
    }
    CHECK(crypto::may_carry_timestamp(entries[2].signature));
  }
  SECTION("every CRL refreshed (the old ones gone): INTACT") {
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-refreshed"));
    INFO(a.out);
    CHECK(a.code == 0);
    CHECK(contains(a.out, "INTACT"));
  }
  SECTION("no CRL of the releasers' CA or the root at all: INTACT") {
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-none", false));
    INFO(a.out);
    CHECK(a.code == 0);
    CHECK(contains(a.out, "INTACT"));
  }
  SECTION("the same ledger without its kept CRLs: could not check, exit 2, never TAMPERED") {
    forget_entry_crls(ledger_path);
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-none", false));
    INFO(a.out);
    CHECK(a.code == 2);
    CHECK(contains(a.out, "COULD NOT CHECK"));
    CHECK(contains(a.out, "entry 3: its timestamped signature cannot be checked"));
    CHECK_FALSE(contains(a.out, "TAMPERED"));
    // With the refreshed CRLs it is checked again.
    CHECK(audit(dir, all_refreshed_trust(dir, "trust-refreshed")).code == 0);
  }
  SECTION("another signature's token in the entry's place: TAMPERED") {
    // The recall entry's token swapped for a token over another signature value: a record's.
    TestTsa tsa("ok", recalled_at);
    TempDir other;
    REQUIRE(release(other, trust_dir(other, "trust", false), "releaser", recalled_at,
                    {"--tsa", tsa.url(), "--no-validation-data"})
                .code == 0);
    const auto foreign = token_of(record_cms(test::read_file_text(other.file("out/" + kRecord))));
    const auto entries = ledger::Ledger::open(ledger_path, false).entries();
    const auto swapped =
        crypto::add_signature_timestamp(without_timestamp(entries[2].signature), foreign);
    sqlite(ledger_path, "UPDATE entries SET signature = X'" + hex_of(swapped) + "' WHERE seq = 3;");
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-refreshed"));
    INFO(a.out);
    CHECK(a.code == 1);
    CHECK(contains(a.out, "TAMPERED"));
    CHECK(contains(a.out, "entry 3"));
    CHECK(contains(a.out, "another signature"));
  }
}

TEST_CASE(
    "a ledger entry's kept CRLs cannot hide a revocation: a forged CRL is ignored, an old "
    "one loses to a fresher one",
    "[timestamp][ledger]") {
  TempDir dir;
  // Released by a key whose compromise (2026-11-01) was not yet known: the trust directory's
  // CRL then (qa-ca.crl.pem) does not list it, and that is the CRL the entries keep.
  const auto at_release = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, at_release, "releaser-compromised", kReleased).code == 0);
  const auto ledger_path = dir.file("ledger.sqlite");
  SECTION("the refreshed CRL lists the revocation: TAMPERED despite the old CRL kept") {
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-refreshed"));
    INFO(a.out);
    CHECK(a.code == 1);
    CHECK(contains(a.out, "keyCompromise"));
  }
  SECTION(
      "a fresher CRL that omits the revocation, not signed by the CA, put in the entries: "
      "ignored, TAMPERED") {
    const auto forged = make_crl("qa-ca", "root-ca", "20261203000000Z");
    const auto root = make_crl("root-ca", "root-ca", "20261202000000Z");
    sqlite(ledger_path, "UPDATE entries SET crls = X'" + hex_of(forged + root) + "';");
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-refreshed"));
    INFO(a.out);
    CHECK(a.code == 1);
    CHECK(contains(a.out, "keyCompromise"));
    // Alone (no CRL of qa-ca in the trust directory), the forgery speaks for nothing: the
    // signature cannot be checked, which is never INTACT.
    const auto b = audit(dir, all_refreshed_trust(dir, "trust-none", false));
    INFO(b.out);
    CHECK(b.code == 2);
    CHECK(contains(b.out, "COULD NOT CHECK"));
  }
  SECTION("the CA's own CRL, but one that expired before the entries were signed: not used") {
    const auto old_qa = make_crl("qa-ca", "qa-ca", "20240101000000Z", "20250101000000Z");
    const auto root = make_crl("root-ca", "root-ca", "20261202000000Z");
    sqlite(ledger_path, "UPDATE entries SET crls = X'" + hex_of(old_qa + root) + "';");
    const auto a = audit(dir, all_refreshed_trust(dir, "trust-none", false));
    INFO(a.out);
    CHECK(a.code == 2);
    CHECK(contains(a.out, "COULD NOT CHECK"));
    CHECK_FALSE(contains(a.out, "INTACT"));
  }
}

TEST_CASE("a bedside device whose trust directory has only the refreshed CRL: B-T record GO",
          "[timestamp][ledger]") {
  TempDir dir;
  TestTsa tsa;
  REQUIRE(
      release(dir, trust_dir(dir, "trust", false), "releaser-left", kReleased, {"--tsa", tsa.url()})
          .code == 0);
  const auto c = confirm(dir, refreshed_trust(dir, "trust-refreshed"), "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(contains(c.out, "signature.revoked-later"));
}

namespace {

// `base` with one more incremental update holding `objects` (number, body without obj/endobj;
// a body may be a stream), a cross-reference section and a trailer, as any PDF tool writes one.
std::string append_update(const std::string& base,
                          const std::vector<std::pair<int, std::string>>& objects, int size) {
  const pdf::Document doc(base);
  std::string update;
  std::string xref = "xref\n";
  for (const auto& [num, body] : objects) {
    char entry[32];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", base.size() + update.size());
    xref += std::to_string(num) + " 1\n" + entry;
    update += std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
  }
  const auto xref_at = base.size() + update.size();
  const pdf::Object trailer = pdf::Object::dict(doc.trailer());  // kept: `info` points into it
  const auto* info = trailer.get("Info");
  update += xref + "trailer\n<< /Size " + std::to_string(size) + " /Root " +
            std::to_string(trailer.get("Root")->as_ref()->num) + " 0 R /Prev " +
            std::to_string(doc.startxref()) +
            (info ? " /Info " + std::to_string(info->as_ref()->num) + " 0 R" : std::string()) +
            " >>\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
  return base + update;
}

std::string stream_body(const std::string& data) {
  return "<< /Length " + std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

bool has_code(const pdf::RecordCheck& c, const std::string& code) {
  for (const auto& f : c.findings)
    if (f.code == code) return true;
  return false;
}

}  // namespace

TEST_CASE("release --tsa writes validation data (PAdES B-LT) that pdfsig and qpdf accept",
          "[timestamp][validation-data][interop]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "PAdES B-LT, with validation data"));
  const std::string path = dir.file("out/" + kRecord);
  const std::string pdf = test::read_file_text(path);
  CHECK(contains(pdf, "/Type /DSS /Certs ["));
  const auto c = confirm(dir, trust, "2026-11-22T09:00:00Z");
  CHECK(c.code == 0);
  // pdfsig: the signature and certificate hold; it says the signature does not cover the DSS
  // update ("Not total document signed"), as it says for every later revision.
  const auto db = dir.file("nss");
  fs::create_directories(db);
  REQUIRE(test::run_process("certutil -N -d sql:" + db + " --empty-password").code == 0);
  REQUIRE(test::run_process("certutil -A -d sql:" + db + " -n root -t CT,C,C -i " +
                            pki("root-ca.cert.pem"))
              .code == 0);
  const auto sig = test::run_process("pdfsig -nssdir sql:" + db + " -no-ocsp " + path);
  INFO(sig.output);
  CHECK(contains(sig.output, "Signature is Valid"));
  CHECK(contains(sig.output, "Certificate is Trusted"));
  CHECK(contains(sig.output, "Not total document signed"));
  const auto q = test::run_process("qpdf --check " + path);
  CHECK(q.code == 0);
  CHECK(contains(q.output, "No syntax or stream encoding errors"));
  // The B-T record (--no-validation-data) has no DSS and is totally signed.
  TempDir bt;
  REQUIRE(release(bt, trust_dir(bt, "trust", false), "releaser", kReleased,
                  {"--tsa", tsa.url(), "--no-validation-data"})
              .code == 0);
  CHECK_FALSE(contains(test::read_file_text(bt.file("out/" + kRecord)), "/DSS"));
}

TEST_CASE("a trust directory without the CA's CRL: the record's embedded CRL speaks for it",
          "[timestamp][validation-data]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  TempDir bt;
  REQUIRE(release(bt, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--no-validation-data"})
              .code == 0);
  // A bedside device whose qa-ca CRL is gone (stale and removed).
  const auto stale = refreshed_trust(dir, "trust-stale", false);
  const crypto::TrustStore store(stale);
  const auto at = *parse_utc_instant("2027-01-15T09:00:00Z");
  const auto lt = pdf::verify_record(test::read_file_text(dir.file("out/" + kRecord)), store, at);
  INFO((lt.findings.empty() ? "" : lt.findings.front().message));
  CHECK(lt.findings.empty());
  CHECK(lt.validation_data);
  const auto t = pdf::verify_record(test::read_file_text(bt.file("out/" + kRecord)), store, at);
  CHECK(has_code(t, "signature.crl-missing"));
  // On the command line, from the record alone.
  const auto c = test::run_cli_at({"confirm", dir.file("out/" + kRecord), "--trust", stale,
                                   "--dose", dose_a0(), "--record-only"},
                                  "2027-01-15T09:00:00Z");
  INFO(c.out << c.err);
  CHECK(c.code == 0);
}

TEST_CASE(
    "after the signature only the DSS update is accepted: anything sneaked in is "
    "record.modified-after-signing",
    "[timestamp][validation-data][attack]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  TempDir bt;
  REQUIRE(release(bt, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--no-validation-data"})
              .code == 0);
  const std::string lt = test::read_file_text(dir.file("out/" + kRecord));
  const std::string signed_only = test::read_file_text(bt.file("out/" + kRecord));
  const crypto::TrustStore store(trust);
  const auto at = *parse_utc_instant("2026-11-22T09:00:00Z");
  const auto check = [&](const std::string& bytes) { return pdf::verify_record(bytes, store, at); };
  REQUIRE(check(lt).findings.empty());
  REQUIRE(check(signed_only).findings.empty());
  const pdf::Document doc(signed_only);
  const int root = pdf::Object::dict(doc.trailer()).get("Root")->as_ref()->num;
  const pdf::Object catalog = doc.load(root);
  const int size = doc.size();
  // The attachment's embedded file stream, through the catalog's /AF.
  const int filespec = catalog.get("AF")->as_array()->front().as_ref()->num;
  const int file = doc.load(filespec).get("EF")->get("F")->as_ref()->num;
  const std::string forged_json = "{\"format\": \"dosegate-release-data\", \"forged\": true}";
  const auto with_dss = [&](const std::string& extra_catalog) {
    std::string cat = pdf::serialize(catalog);
    cat.insert(cat.size() - 2, " /DSS " + std::to_string(size + 1) + " 0 R" + extra_catalog);
    return cat;
  };
  const std::string cert = test::read_file_text(pki("root-ca.cert.pem"));

  SECTION("a DSS update that also replaces the release data attachment") {
    const auto forged = append_update(
        signed_only,
        {{size, stream_body(cert)},
         {size + 1, "<< /Type /DSS /Certs [" + std::to_string(size) + " 0 R] /CRLs [] >>"},
         {root, with_dss("")},
         {file, "<< /Type /EmbeddedFile /Length " + std::to_string(forged_json.size()) +
                    " >>\nstream\n" + forged_json + "\nendstream"}},
        size + 2);
    const auto c = check(forged);
    CHECK(has_code(c, "record.modified-after-signing"));
    CHECK_FALSE(c.release_data);
  }
  SECTION("a DSS update whose catalog also gains an action") {
    const auto forged = append_update(
        signed_only,
        {{size, stream_body(cert)},
         {size + 1, "<< /Type /DSS /Certs [" + std::to_string(size) + " 0 R] /CRLs [] >>"},
         {root, with_dss(" /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")}},
        size + 2);
    CHECK(has_code(check(forged), "record.modified-after-signing"));
  }
  SECTION("a changed page after the DSS update") {
    const int page = catalog.get("Pages") ? doc.load(catalog.get("Pages")->as_ref()->num)
                                                .get("Kids")
                                                ->as_array()
                                                ->front()
                                                .as_ref()
                                                ->num
                                          : 0;
    REQUIRE(page > 0);
    std::string page_dict = pdf::serialize(doc.load(page));
    page_dict.insert(page_dict.size() - 2, " /Rotate 180");
    const pdf::Document lt_doc(lt);
    const auto forged = append_update(lt, {{page, page_dict}}, lt_doc.size());
    CHECK(has_code(check(forged), "record.modified-after-signing"));
  }
  SECTION("the DSS update itself changed in place (same length)") {
    std::string forged = lt;
    const auto at_names = forged.rfind("(release-data.json)");
    REQUIRE(at_names > signed_only.size() - 100);
    forged.replace(at_names, 19, "(release-data.jsoX)");
    CHECK(has_code(check(forged), "record.modified-after-signing"));
  }
  SECTION("the DSS update removed: a valid B-T record again") {
    const auto signed_end = lt.rfind("%%EOF\n", lt.size() - 7) + 6;
    const auto stripped = check(lt.substr(0, signed_end));
    CHECK(stripped.findings.empty());
    CHECK_FALSE(stripped.validation_data);
    CHECK(check(lt).validation_data);
  }
}

TEST_CASE("recall --tsa: the recall entry's signature carries a token that audit checks",
          "[timestamp][ledger][recall]") {
  TempDir dir;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased).code == 0);
  const std::string recalled_at = "2026-11-25T08:00:00Z";
  const auto recall = [&](const std::string& url) {
    return test::run_cli_at(
        {"recall", "A999926000147", "--reason", "sterility retest positive", "--trust", trust,
         "--key", pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--chain",
         pki("qa-chain.pem"), "--ledger", dir.file("ledger.sqlite"), "--tsa", url},
        recalled_at);
  };
  const auto history = [&] {
    return test::run_cli({"history", "--ledger", dir.file("ledger.sqlite"), "--format", "json"})
        .out;
  };

  SECTION("a TSA that fails: nothing recorded") {
    TestTsa broken("http-500", recalled_at);
    const auto r = recall(broken.url());
    CHECK(r.code == 2);
    CHECK(contains(r.err, "HTTP status 500"));
    CHECK_FALSE(contains(history(), "\"recall\""));
  }
  SECTION("a TSA whose clock disagrees with ours: nothing recorded") {
    TestTsa skewed("ok", "2026-11-21T12:00:00Z");
    const auto r = recall(skewed.url());
    CHECK(r.code == 2);
    CHECK(contains(r.err, "give or take 5 minutes"));
    CHECK_FALSE(contains(history(), "\"recall\""));
  }
  SECTION("recorded with its token; audit INTACT, and TAMPERED when the token is not trusted") {
    TestTsa tsa("ok", recalled_at);
    const auto r = recall(tsa.url());
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    CHECK(contains(history(), "\"recall\""));
    const auto a = audit(dir, trust);
    INFO(a.out);
    CHECK(a.code == 0);
    // Without tsa/ the token cannot be trusted: the recall's signature does not hold.
    const auto no_tsa = trust_dir(dir, "trust-no-tsa", false, false);
    const auto b = audit(dir, no_tsa);
    INFO(b.out);
    CHECK(b.code == 1);
    CHECK(contains(b.out, "entry 3"));
    CHECK(contains(b.out, "timestamp"));
  }
}

namespace {

// `cms` with `token` added as its signature-time-stamp attribute by OpenSSL (decoded, the
// attribute added, encoded again): what add_signature_timestamp must give byte for byte.
std::string openssl_with_token(const std::string& cms_der, const std::string& token) {
  const auto* p = reinterpret_cast<const unsigned char*>(cms_der.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(cms_der.size()));
  REQUIRE(cms);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
  REQUIRE(CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                        token.data(), static_cast<int>(token.size())) == 1);
  unsigned char* der = nullptr;
  const int len = i2d_CMS_ContentInfo(cms, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  return out;
}

// The token of a TimeStampResp, DER.
std::string token_of_response(const std::string& answer) {
  const auto* p = reinterpret_cast<const unsigned char*>(answer.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(answer.size()));
  REQUIRE(resp);
  unsigned char* der = nullptr;
  const int len = i2d_PKCS7(TS_RESP_get_token(resp), &der);
  std::string token(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  TS_RESP_free(resp);
  return token;
}

std::string error_code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code() + ": " + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE(
    "a release's own signatures read as DER: the signature value and the added token as "
    "OpenSSL has them",
    "[timestamp][cache]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  const std::string cms = record_cms(test::read_file_text(dir.file("out/" + kRecord)));
  const std::string bare = without_timestamp(cms);
  const std::string token = token_of(cms);

  CHECK(crypto::own_signature_value(bare) == crypto::cms_signature_value(bare));
  CHECK(crypto::own_signature_value(cms) == crypto::cms_signature_value(cms));
  CHECK(crypto::add_signature_timestamp(bare, token) == openssl_with_token(bare, token));
  // A signature that already has an unsigned attribute: OpenSSL adds the second one.
  CHECK(crypto::add_signature_timestamp(cms, token) == openssl_with_token(cms, token));
  SECTION("what is not one DER SignedData with one signer is refused") {
    for (const std::string& bad :
         {std::string("not DER"), bare.substr(0, bare.size() - 1), std::string()}) {
      INFO(bad.size());
      CHECK(contains(error_code_of([&] { crypto::own_signature_value(bad); }), "crypto.failure"));
      CHECK(contains(error_code_of([&] { crypto::add_signature_timestamp(bad, token); }),
                     "crypto.failure"));
    }
    // Bytes after the structure: where would the attribute go?
    CHECK(contains(error_code_of([&] { crypto::own_signature_value(bare + std::string(1, '\0')); }),
                   "crypto.failure"));
    // An indefinite length (BER, not DER) in the outermost header.
    std::string ber = bare;
    ber[1] = static_cast<char>(0x80);
    CHECK(contains(error_code_of([&] { crypto::own_signature_value(ber); }), "crypto.failure"));
  }
}

TEST_CASE("validation data computed once per list of certificates, the same as computed alone",
          "[timestamp][cache]") {
  TempDir dir;
  TestTsa tsa;
  TestTsa rogue("ok", kReleased, "tsa-untrusted");
  const auto trust_path = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust_path, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  const std::string a0 = record_cms(test::read_file_text(dir.file("out/" + kRecord)));
  const std::string b0 =
      record_cms(test::read_file_text(dir.file("out/A999926000147-S1234V00-B0.pdf")));
  // The same signature timestamped by another TSA: another certificate in its token.
  const std::string bare = without_timestamp(a0);
  const auto req = crypto::timestamp_request(crypto::cms_signature_value(bare));
  const std::string by_rogue = crypto::add_signature_timestamp(
      bare, token_of_response(tsa::post_query(rogue.url(), req.der, std::chrono::seconds(10))));

  const crypto::TrustStore trust(trust_path);
  const Instant at = *parse_utc_instant(kReleased);
  crypto::ValidationMaterialCache cache(trust, at);
  const auto same = [](const crypto::ValidationMaterial& x, const crypto::ValidationMaterial& y) {
    return x.certs == y.certs && x.crls == y.crls;
  };
  const auto first = cache.get(a0);
  CHECK(same(first, crypto::validation_material(a0, trust, at)));
  CHECK(first.certs.size() >= 4);  // releaser, qa-ca, TSA, root
  CHECK_FALSE(first.crls.empty());
  CHECK(cache.computed() == 1);
  CHECK(same(cache.get(b0), crypto::validation_material(b0, trust, at)));
  CHECK(cache.computed() == 1);  // the same certificates: from the cache
  const auto other = cache.get(by_rogue);
  CHECK(cache.computed() == 2);  // another TSA certificate: computed
  CHECK(same(other, crypto::validation_material(by_rogue, trust, at)));
  CHECK_FALSE(same(other, first));
  CHECK(same(cache.get(bare), crypto::validation_material(bare, trust, at)));  // no token
  CHECK(cache.computed() == 3);
  CHECK(contains(error_code_of([&] { cache.get("not DER"); }), "crypto.failure"));
}

TEST_CASE(
    "a TSA certificate whose chain passed once: later tokens are still checked in full "
    "where they differ",
    "[timestamp][cache]") {
  TempDir dir;
  TestTsa tsa;
  TestTsa rogue("ok", kReleased, "tsa-untrusted");  // the same genTime, a certificate not in tsa/
  const crypto::TrustStore trust(trust_dir(dir, "trust", false));
  crypto::TsaChainCache chains;
  const auto ask = [&](const TestTsa& t, const std::string& data) {
    auto req = crypto::timestamp_request(data);
    return std::pair{req, tsa::post_query(t.url(), req.der, std::chrono::seconds(10))};
  };
  const auto [req1, answer1] = ask(tsa, "first");
  const auto ts1 = crypto::accept_timestamp_response(answer1, req1, trust, &chains);
  CHECK_FALSE(ts1.tsa.sha256.empty());  // the full check describes the certificate
  const auto [req2, answer2] = ask(tsa, "second");
  const auto ts2 = crypto::accept_timestamp_response(answer2, req2, trust, &chains);
  CHECK(ts2.tsa.sha256.empty());  // from the cache: the subject only
  CHECK(ts2.tsa.subject == ts1.tsa.subject);

  SECTION("a token from a TSA certificate not in tsa/") {
    const auto [req, answer] = ask(rogue, "third");
    const auto e =
        error_code_of([&] { crypto::accept_timestamp_response(answer, req, trust, &chains); });
    CHECK(contains(e, "tsa.bad-response"));
    CHECK(contains(e, "is not in"));
  }
  SECTION("a token of the cached certificate whose signature is broken") {
    auto [req, answer] = ask(tsa, "third");
    answer.back() = static_cast<char>(answer.back() ^ 0x01);  // the last byte of ECDSA's s
    const auto e =
        error_code_of([&] { crypto::accept_timestamp_response(answer, req, trust, &chains); });
    CHECK(contains(e, "tsa.bad-response"));
    CHECK(contains(e, "does not verify"));
  }
  SECTION("a token of the cached certificate for another request (imprint, nonce)") {
    const auto [req, answer] = ask(tsa, "third");
    const auto other = crypto::timestamp_request("third");  // same data, another nonce
    CHECK(contains(
        error_code_of([&] { crypto::accept_timestamp_response(answer, other, trust, &chains); }),
        "nonce"));
    const auto elsewhere = crypto::timestamp_request("fourth");
    CHECK(contains(error_code_of([&] {
                     crypto::accept_timestamp_response(answer, elsewhere, trust, &chains);
                   }),
                   "message imprint"));
  }
}

namespace {

// A token from `tsa` over `data`, taken from its answer unchecked (a forger's token).
std::string token_over(const TestTsa& tsa, const std::string& data) {
  const auto req = crypto::timestamp_request(data);
  const auto answer = tsa::post_query(tsa.url(), req.der, std::chrono::seconds(10));
  const auto* p = reinterpret_cast<const unsigned char*>(answer.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(answer.size()));
  REQUIRE(resp);
  PKCS7* token = TS_RESP_get_token(resp);
  REQUIRE(token);
  unsigned char* der = nullptr;
  const int len = i2d_PKCS7(token, &der);
  REQUIRE(len > 0);
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  TS_RESP_free(resp);
  return out;
}

// The last /ByteRange [a b c d] of `pdf`, and the bytes it covers.
std::string last_covered(const std::string& pdf) {
  const auto at = pdf.rfind("/ByteRange [");
  std::size_t r[4];
  std::sscanf(pdf.c_str() + at, "/ByteRange [%zu %zu %zu %zu]", &r[0], &r[1], &r[2], &r[3]);
  return pdf.substr(r[0], r[1]) + pdf.substr(r[2], r[3]);
}

// The DER token in the last /Contents of `pdf` (its own length says where it ends).
std::string last_token(const std::string& pdf) {
  const auto at = pdf.rfind("/Contents <") + 11;
  const auto end = pdf.find('>', at);
  std::string out;
  for (std::size_t i = at; i + 1 < end; i += 2)
    out += static_cast<char>(std::stoi(pdf.substr(i, 2), nullptr, 16));
  const auto* p = reinterpret_cast<const unsigned char*>(out.data());
  PKCS7* t = d2i_PKCS7(nullptr, &p, static_cast<long>(out.size()));
  REQUIRE(t);
  PKCS7_free(t);
  return out.substr(
      0, static_cast<std::size_t>(p - reinterpret_cast<const unsigned char*>(out.data())));
}

}  // namespace

TEST_CASE(
    "release --tsa --lta adds a document timestamp (PAdES B-LTA) that openssl ts, pdfsig "
    "and qpdf accept",
    "[timestamp][validation-data][lta][interop]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--lta"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "PAdES B-LTA, with validation data and a document timestamp"));
  const std::string path = dir.file("out/" + kRecord);
  const std::string pdf = test::read_file_text(path);
  CHECK(contains(pdf, "/Type /DSS /Certs ["));
  CHECK(contains(pdf, "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161"));
  CHECK(pdf.find("/Type /DSS") < pdf.find("/Type /DocTimeStamp"));
  const crypto::TrustStore store(trust);
  const auto v = pdf::verify_record(pdf, store, *parse_utc_instant("2026-11-22T09:00:00Z"));
  INFO((v.findings.empty() ? "" : v.findings.front().message));
  CHECK(v.findings.empty());
  CHECK(v.validation_data);
  CHECK(v.document_timestamp == std::optional<std::string>("2026-11-21T12:00:00Z"));
  CHECK(v.release_data);
  const auto c = confirm(dir, trust, "2026-11-22T09:00:00Z");
  INFO(c.out << c.err);
  CHECK(c.code == 0);
  // The CRLs each chain was judged by: the document timestamp's TSA chain too.
  CHECK(crl_source(c.out, "signer", kQaCa) != "");
  CHECK(crl_source(c.out, "timestamp", kRootCa) != "");
  CHECK(crl_source(c.out, "document-timestamp", kRootCa) != "");
  // openssl ts -verify: the document timestamp is over the bytes its ByteRange covers.
  std::ofstream(dir.file("doc-ts.der"), std::ios::binary) << last_token(pdf);
  std::ofstream(dir.file("covered.bin"), std::ios::binary) << last_covered(pdf);
  const auto o = test::run_process("openssl ts -verify -token_in -in " + dir.file("doc-ts.der") +
                                   " -data " + dir.file("covered.bin") + " -CAfile " +
                                   pki("root-ca.cert.pem") + " -untrusted " + pki("tsa.cert.pem"));
  INFO(o.output);
  CHECK(o.code == 0);
  CHECK(contains(o.output, "Verification: OK"));
  std::ofstream(dir.file("other.bin"), std::ios::binary) << last_covered(pdf) << "x";
  const auto other =
      test::run_process("openssl ts -verify -token_in -in " + dir.file("doc-ts.der") + " -data " +
                        dir.file("other.bin") + " -CAfile " + pki("root-ca.cert.pem") +
                        " -untrusted " + pki("tsa.cert.pem"));
  CHECK(contains(other.output, "Verification: FAILED"));
  const auto q = test::run_process("qpdf --check " + path);
  INFO(q.output);
  CHECK(q.code == 0);
  CHECK(contains(q.output, "No syntax or stream encoding errors"));
  // pdfsig: the release signature is valid and trusted; the document timestamp is listed as a
  // second signature that covers the whole file.
  const auto db = dir.file("nss");
  fs::create_directories(db);
  REQUIRE(test::run_process("certutil -N -d sql:" + db + " --empty-password").code == 0);
  REQUIRE(test::run_process("certutil -A -d sql:" + db + " -n root -t CT,C,C -i " +
                            pki("root-ca.cert.pem"))
              .code == 0);
  const auto sig = test::run_process("pdfsig -nssdir sql:" + db + " -no-ocsp " + path);
  INFO(sig.output);
  const auto second = sig.output.find("Signature #2");
  REQUIRE(second != std::string::npos);
  const std::string first_sig = sig.output.substr(0, second);
  const std::string doc_ts = sig.output.substr(second);
  CHECK(contains(first_sig, "Signature Field Name: Release signature"));
  CHECK(contains(first_sig, "Signature is Valid"));
  CHECK(contains(first_sig, "Certificate is Trusted"));
  CHECK(contains(doc_ts, "Signature Field Name: Document timestamp"));
  CHECK(contains(doc_ts, "dosegate Test TSA"));
  CHECK(contains(doc_ts, "Total document signed"));
}

TEST_CASE("release --lta without --tsa or with --no-validation-data is a usage error",
          "[timestamp][lta]") {
  TempDir dir;
  const auto trust = trust_dir(dir, "trust", false);
  const auto a = release(dir, trust, "releaser", kReleased, {"--lta"});
  CHECK(a.code == 2);
  CHECK(contains(a.err, "--lta goes with --tsa URL"));
  const auto b = release(dir, trust, "releaser", kReleased,
                         {"--tsa", "http://127.0.0.1:1/", "--no-validation-data", "--lta"});
  CHECK(b.code == 2);
  CHECK(contains(b.err, "--lta needs the validation data"));
  require_nothing_released(dir);
}

TEST_CASE("after the DSS update only dosegate's document timestamp update is accepted",
          "[timestamp][validation-data][lta][attack]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  TempDir bt;
  REQUIRE(release(bt, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--no-validation-data"})
              .code == 0);
  TempDir lta_dir;
  REQUIRE(release(lta_dir, trust, "releaser", kReleased, {"--tsa", tsa.url(), "--lta"}).code == 0);
  const std::string lt = test::read_file_text(dir.file("out/" + kRecord));
  const std::string signed_only = test::read_file_text(bt.file("out/" + kRecord));
  const std::string lta = test::read_file_text(lta_dir.file("out/" + kRecord));
  const crypto::TrustStore store(trust);
  const auto at = *parse_utc_instant("2026-11-22T09:00:00Z");
  const auto check = [&](const std::string& bytes) { return pdf::verify_record(bytes, store, at); };
  REQUIRE(check(lta).findings.empty());
  const std::size_t room = 8192;
  // A document timestamp update as dosegate writes it, with a real token from `from` over
  // `imprinted` (by default the bytes its ByteRange covers).
  const auto stamped = [&](const std::string& before, const TestTsa& from,
                           const std::optional<std::string>& imprinted = std::nullopt) {
    auto u = pdf::doc_timestamp_update(before, room);
    const std::string covered = pdf::doc_timestamp_covered(before, u);
    pdf::fill_doc_timestamp(u, before, token_over(from, imprinted.value_or(covered)));
    return before + u.bytes;
  };
  SECTION("dosegate's own update, rebuilt here, holds") {
    const auto c = check(stamped(lt, tsa));
    INFO((c.findings.empty() ? "" : c.findings.front().message));
    CHECK(c.findings.empty());
    CHECK(c.document_timestamp);
  }
  SECTION("a document timestamp update that also changes a page object") {
    // The same update with the page's dictionary (rotated) among its objects, its ByteRange
    // and token correct for the changed bytes: only the rebuild sees it.
    const pdf::Document doc(lt);
    const int root = pdf::Object::dict(doc.trailer()).get("Root")->as_ref()->num;
    const pdf::Object catalog = doc.load(root);
    const int page = doc.load(catalog.get("Pages")->as_ref()->num)
                         .get("Kids")
                         ->as_array()
                         ->front()
                         .as_ref()
                         ->num;
    std::string page_dict = pdf::serialize(doc.load(page));
    page_dict.insert(page_dict.size() - 2, " /Rotate 180");
    auto u = pdf::doc_timestamp_update(lt, room);
    // Insert the page object before the catalog and rebuild the xref from the objects.
    const auto xref_at = u.bytes.find("xref\n");
    std::string body = u.bytes.substr(0, xref_at);
    const auto cat_at = body.find(std::to_string(root) + " 0 obj\n");
    body.insert(cat_at, pdf::indirect_object(page, page_dict));
    std::map<int, std::size_t> offsets;
    for (std::size_t p = 0; p < body.size();) {
      const auto e = body.find(" 0 obj\n", p);
      if (e == std::string::npos) break;
      const auto s = body.rfind('\n', e);
      const auto start = s == std::string::npos || s < p ? p : s + 1;
      offsets[std::stoi(body.substr(start, e - start))] = lt.size() + start;
      p = body.find("endobj\n", e) + 7;
    }
    const std::string trailer = u.bytes.substr(u.bytes.find("trailer\n"));
    std::string rest = pdf::xref_section(offsets) +
                       trailer.substr(0, trailer.find("startxref\n") + 10) +
                       std::to_string(lt.size() + body.size()) + "\n%%EOF\n";
    std::string tail = body + rest;
    char range[64];
    std::snprintf(range, sizeof range, "[0 %010zu %010zu %010zu]", u.contents_at, u.contents_end,
                  lt.size() + tail.size() - u.contents_end);
    tail.replace(tail.find("[0 "), std::strlen(range), range);
    std::string forged = lt + tail;
    const std::string covered = last_covered(forged);
    pdf::DocTimestampUpdate f{tail, u.contents_at, u.contents_end};
    pdf::fill_doc_timestamp(f, lt, token_over(tsa, covered));
    forged = lt + f.bytes;
    const auto c = check(forged);
    CHECK(has_code(c, "record.modified-after-signing"));
    CHECK_FALSE(c.document_timestamp);
  }
  SECTION("an attachment added after the document timestamp") {
    const pdf::Document doc(lta);
    const int size = doc.size();
    const auto forged = append_update(lta, {{size, stream_body("{\"forged\": true}")}}, size + 1);
    CHECK(has_code(check(forged), "record.modified-after-signing"));
  }
  SECTION("a document timestamp whose imprint is not over its ByteRange") {
    const auto c = check(stamped(lt, tsa, std::string("some other file")));
    REQUIRE(has_code(c, "record.document-timestamp-invalid"));
    CHECK(contains(c.findings.front().message, "message imprint"));
  }
  SECTION("a document timestamp from a TSA not in tsa/") {
    TestTsa unlisted("ok", kReleased, "tsa-untrusted");
    const auto c = check(stamped(lt, unlisted));
    REQUIRE(has_code(c, "record.document-timestamp-invalid"));
    CHECK(contains(c.findings.front().message, "/tsa/"));
  }
  SECTION("two document timestamps") {
    CHECK(has_code(check(stamped(lta, tsa)), "record.modified-after-signing"));
  }
  SECTION("a document timestamp without the DSS update, or before it") {
    const auto ts_only = stamped(signed_only, tsa);
    CHECK(has_code(check(ts_only), "record.modified-after-signing"));
    const auto m = crypto::validation_material(record_cms(signed_only), store, at);
    const auto ts_then_dss = ts_only + pdf::dss_update(ts_only, {m.certs, m.crls});
    CHECK(has_code(check(ts_then_dss), "record.modified-after-signing"));
  }
}

TEST_CASE(
    "release --tsa timestamps the release's own ledger entries: audit judges them as of their "
    "tokens, INTACT after every CRL of the trust directory is refreshed",
    "[timestamp][ledger]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  const auto r = release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto ledger_path = dir.file("ledger.sqlite");
  {
    const auto entries = ledger::Ledger::open(ledger_path, false).entries();
    REQUIRE(entries.size() == 2);  // the release and its records
    for (const auto& e : entries) {
      INFO("entry " << e.seq);
      CHECK(crypto::may_carry_timestamp(e.signature));
      CHECK_FALSE(token_of(e.signature).empty());
    }
  }
  const auto audit_json = [&](const std::string& t) {
    return test::run_cli({"audit", "--trust", t, "--ledger", ledger_path, "--json"});
  };
  SECTION("every CRL refreshed: INTACT, judged by the refreshed CRLs") {
    const auto a = audit_json(all_refreshed_trust(dir, "trust-refreshed"));
    INFO(a.out);
    CHECK(a.code == 0);
    CHECK(contains(a.out, "\"decision\": \"intact\""));
    CHECK(crl_source(a.out, "signer", kQaCa) == "trust-directory");
    CHECK(crl_source(a.out, "timestamp", kRootCa) == "trust-directory");
    CHECK(contains(a.out, "\"this_update\": \"2026-12-02T00:00:00Z\""));
    CHECK(contains(a.out, "\"first_entry\": 1"));
    CHECK(contains(a.out, "\"last_entry\": 2"));
  }
  SECTION("no CRL of the releasers' CA or the root in the trust directory: the entries' own") {
    const auto a = audit_json(all_refreshed_trust(dir, "trust-none", false));
    INFO(a.out);
    CHECK(a.code == 0);
    CHECK(crl_source(a.out, "signer", kQaCa) == "ledger");
    CHECK(crl_source(a.out, "signer", kRootCa) == "ledger");
    CHECK(crl_source(a.out, "timestamp", kRootCa) == "ledger");
  }
  SECTION("the token not trusted (no tsa/): TAMPERED at the release entry") {
    const auto a = audit(dir, trust_dir(dir, "trust-no-tsa", false, false));
    INFO(a.out);
    CHECK(a.code == 1);
    CHECK(contains(a.out, "entry 1"));
    CHECK(contains(a.out, "timestamp"));
  }
}

TEST_CASE("a TSA that fails for the release's ledger entry: nothing written",
          "[timestamp][tsa][ledger]") {
  TempDir dir;
  SECTION("its answer fails after the probe") {
    TestTsa tsa("fail-after", kReleased, "tsa", {"--ok", "1"});  // the probe only
    const auto r =
        release(dir, trust_dir(dir, "trust", false), "releaser", kReleased, {"--tsa", tsa.url()});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, tsa.url()));
    CHECK(contains(r.err, "HTTP status 500"));
    require_nothing_released(dir);
  }
  SECTION("its clock is not this one's: the entry would look back-dated") {
    TestTsa tsa("ok", "2026-11-21T11:00:00Z");
    const auto r =
        release(dir, trust_dir(dir, "trust", false), "releaser", kReleased, {"--tsa", tsa.url()});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "give or take 5 minutes"));
    require_nothing_released(dir);
  }
  SECTION("a rejected lot: the rejection entry is timestamped too") {
    TestTsa tsa;
    const auto r = release(dir, trust_dir(dir, "trust", false), "releaser", kReleased,
                           {"--tsa", tsa.url()}, "samples/coa-marker-failed.xml");
    INFO(r.out << r.err);
    CHECK(r.code == 1);
    const auto entries = ledger::Ledger::open(dir.file("ledger.sqlite"), false).entries();
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].kind == "rejection");
    CHECK(crypto::may_carry_timestamp(entries[0].signature));
  }
}

TEST_CASE("confirm --json names the CRL each CA was judged by and where it came from",
          "[timestamp][validation-data][json]") {
  TempDir dir;
  TestTsa tsa;
  const auto trust = trust_dir(dir, "trust", false);
  REQUIRE(release(dir, trust, "releaser", kReleased, {"--tsa", tsa.url()}).code == 0);
  const std::string at = "2027-01-15T09:00:00Z";
  const auto confirm_json = [&](const TempDir& d, const std::string& t) {
    return test::run_cli_at({"confirm", d.file("out/" + kRecord), "--trust", t, "--dose", dose_a0(),
                             "--record-only", "--json"},
                            at);
  };
  SECTION("the trust directory's CRLs current: trust-directory, for both chains") {
    const auto c = confirm_json(dir, trust);
    INFO(c.out);
    CHECK(c.code == 0);
    CHECK(contains(c.out, "\"judged_at\": \"" + kReleased + "\""));
    CHECK(crl_source(c.out, "signer", kQaCa) == "trust-directory");
    CHECK(crl_source(c.out, "signer", kRootCa) == "trust-directory");
    CHECK(crl_source(c.out, "timestamp", kRootCa) == "trust-directory");
    CHECK(contains(c.out, "\"this_update\": \"2025-01-01T00:00:00Z\""));
    CHECK(contains(c.out, "\"next_update\": \"2075-01-01T00:00:00Z\""));
  }
  SECTION("the trust directory's qa-ca CRL stale, the record's fresh: record") {
    const auto stale = refreshed_trust(dir, "trust-stale", false);
    write_pem_crl((fs::path(stale) / "crls" / "qa-ca.old.crl.pem").string(),
                  make_crl("qa-ca", "qa-ca", "20240101000000Z", "20250101000000Z"));
    const auto c = confirm_json(dir, stale);
    INFO(c.out);
    CHECK(c.code == 0);
    CHECK(crl_source(c.out, "signer", kQaCa) == "record");
    // The root's CRL is in both; the trust directory's copy is named.
    CHECK(crl_source(c.out, "signer", kRootCa) == "trust-directory");
  }
  SECTION("a B-B record: judged now, by the trust directory's CRLs") {
    TempDir bb;
    REQUIRE(release(bb, trust_dir(bb, "trust", false), "releaser", kReleased).code == 0);
    const auto c = confirm_json(bb, trust);
    INFO(c.out);
    CHECK(c.code == 0);
    CHECK(contains(c.out, "\"profile\": \"B-B\""));
    CHECK(crl_source(c.out, "signer", kQaCa) == "trust-directory");
    CHECK(crl_source(c.out, "signer", kRootCa) == "trust-directory");
    CHECK(crl_source(c.out, "timestamp", kRootCa).empty());
  }
}

namespace {

// certs/trust with the long-term releasers, its CRL of `ca` (qa-ca or root-ca) replaced by
// `crl` (DER), as a refresh after the release would bring it.
std::string trust_with_crl(const TempDir& dir, const std::string& name, const std::string& ca,
                           const std::string& crl) {
  const auto t = trust_dir(dir, name, false);
  fs::remove(fs::path(t) / "crls" / (ca + ".crl.pem"));
  write_pem_crl((fs::path(t) / "crls" / (ca + ".refreshed.crl.pem")).string(), crl);
  return t;
}

}  // namespace

TEST_CASE(
    "a releaser revoked after the timestamp but invalid since before it (invalidity date) is "
    "NO-GO",
    "[timestamp][revocation][attack]") {
  // Revoked on 2026-12-01 for keyCompromise; the key is known compromised since the date in
  // the CRL entry. The timestamp says 2026-11-21.
  TempDir dir;
  TestTsa tsa;
  REQUIRE(release(dir, trust_dir(dir, "trust", false), "releaser", kReleased, {"--tsa", tsa.url()})
              .code == 0);
  const auto revoked_since = [&](const std::string& name, const std::string& since) {
    return trust_with_crl(dir, name, "qa-ca",
                          make_crl("qa-ca", "qa-ca", "20261202000000Z", "20750101000000Z",
                                   {Revoked{"releaser", "20261201000000Z", 1, since}}));
  };
  // Compromised since 2026-11-01, before the timestamp: the signature may be the thief's.
  auto c = confirm(dir, revoked_since("trust-before", "20261101000000Z"), "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 1);
  CHECK(decision(c) == "no-go");
  CHECK(test::error_codes(c.out).count("signature.revoked") == 1);
  CHECK(contains(c.out, "as invalid since 2026-11-01T00:00:00Z"));
  // Compromised since 2026-11-25, after the timestamp: the signature made before stays valid.
  c = confirm(dir, revoked_since("trust-after", "20261125000000Z"), "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(contains(c.out, "signature.revoked-later"));
  CHECK(contains(c.out, "as invalid since 2026-11-25T00:00:00Z"));
  // No invalidity date: the revocation date counts.
  c = confirm(dir, revoked_since("trust-no-date", ""), "2027-01-15T09:00:00Z");
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(contains(c.out, "signature.revoked-later"));
}

TEST_CASE(
    "a TSA revoked for keyCompromise after its token's time proves no time, retired "
    "(cessationOfOperation) it still does",
    "[timestamp][revocation][attack]") {
  // Records of a releaser revoked on 2026-12-01 (cessationOfOperation, qa-ca.lt.crl.pem) and of
  // one never revoked, timestamped 2026-11-21 by the test TSA, which is revoked on 2026-12-01.
  TempDir left;
  TempDir kept;
  TestTsa tsa;
  REQUIRE(release(left, trust_dir(left, "trust", false), "releaser-left", kReleased,
                  {"--tsa", tsa.url()})
              .code == 0);
  REQUIRE(
      release(kept, trust_dir(kept, "trust", false), "releaser", kReleased, {"--tsa", tsa.url()})
          .code == 0);
  const auto tsa_revoked = [&](const TempDir& dir, const std::string& name, long reason) {
    const auto t =
        trust_with_crl(dir, name, "root-ca",
                       make_crl("root-ca", "root-ca", "20261202000000Z", "20750101000000Z",
                                {Revoked{"tsa", "20261201000000Z", reason, ""}}));
    fs::copy_file(pki("qa-ca.lt.crl.pem"), fs::path(t) / "crls" / "qa-ca.lt.crl.pem");
    return t;
  };
  const std::string later = "2027-01-15T09:00:00Z";
  // Compromised (1), or no reason given (0): the key may be in other hands, so the token proves
  // no time and each signature is judged now, as one without a timestamp.
  for (const long reason : {1L, 0L}) {
    CAPTURE(reason);
    const auto name = "trust-" + std::to_string(reason);
    auto c = confirm(left, tsa_revoked(left, name, reason), later);
    INFO(c.out);
    CHECK(c.code == 1);
    CHECK(decision(c) == "no-go");
    CHECK(test::error_codes(c.out).count("signature.revoked") == 1);
    CHECK(contains(c.out, "signature.timestamp-unproven"));
    CHECK(contains(c.out, "proves no time"));
    CHECK_FALSE(contains(c.out, "signature.revoked-later"));
    const auto trust_kept = tsa_revoked(kept, name, reason);
    c = confirm(kept, trust_kept, later);
    INFO(c.out);
    CHECK(c.code == 0);
    CHECK(decision(c) == "go");
    CHECK(contains(c.out, "signature.timestamp-unproven"));
    CHECK(contains(c.out, "\"judged_at\": \"2027-01-15T09:00:00Z\""));
    // The ledger's timestamped entries are judged as unstamped ones are: at their own time.
    const auto a = test::run_cli_at(
        {"audit", "--trust", trust_kept, "--ledger", kept.file("ledger.sqlite")}, later);
    INFO(a.out << a.err);
    CHECK(a.code == 0);
    CHECK(contains(a.out, "INTACT"));
  }
  // A document timestamp (B-LTA) of the compromised TSA is not believed: NO-GO.
  {
    TempDir lta;
    REQUIRE(release(lta, trust_dir(lta, "trust", false), "releaser", kReleased,
                    {"--tsa", tsa.url(), "--lta"})
                .code == 0);
    const auto c = confirm(lta, tsa_revoked(lta, "trust-compromised", 1), later);
    INFO(c.out);
    CHECK(c.code == 1);
    CHECK(test::error_codes(c.out).count("record.document-timestamp-invalid") == 1);
    CHECK(contains(c.out, "proves no time"));
  }
  // Retired: the tokens it gave before stay proof of their time.
  const auto c = confirm(left, tsa_revoked(left, "trust-retired", 5), later);
  INFO(c.out);
  CHECK(c.code == 0);
  CHECK(decision(c) == "go");
  CHECK(contains(c.out, "the TSA: "));
  CHECK(contains(c.out, "cessationOfOperation"));
}
