// Release records: one signed PDF per dose, proven with the real tools (pdfsig with an NSS
// database trusting the test root, qpdf, pdftotext, pdfdetach, openssl cms) and with
// dosegate's own record verifier.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "pdf/flate.hpp"
#include "pdf/object.hpp"
#include "pdf/verify_record.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
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

// The files of a directory, but for its dot files (the release lock).
std::vector<std::string> pdfs_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] != '.') out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Each release gets a ledger of its own beside its output directory: a lot is released once
// per ledger.
test::CliResult release(const std::string& coa, const std::string& out,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      "release",  src(coa),
      "--trust",  src("certs/trust"),
      "--key",    pki("releaser.key.pem"),
      "--cert",   pki("releaser.cert.pem"),
      "--chain",  pki("qa-chain.pem"),
      "--out",    out,
      "--ledger", (fs::path(out).parent_path() / "ledger.sqlite").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, kAsOf);
}

// One released lot shared by the read-only tests (releasing takes a moment).
const TempDir& released_lot() {
  static TempDir dir;
  static bool done = false;
  if (!done) {
    const auto r = release("samples/coa-pending-mycoplasma.xml", dir.file("records"));
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    done = true;
  }
  return dir;
}

std::string record(const std::string& division) {
  return released_lot().file("records/A999926000154-S1234V00-" + division + ".pdf");
}

// An NSS database trusting only the test root, for pdfsig.
const std::string& nss_db() {
  static TempDir dir;
  static bool done = false;
  if (!done) {
    const std::string db = "sql:" + dir.path.string();
    REQUIRE(run_process("certutil -N -d " + quote_arg(db) + " --empty-password").code == 0);
    REQUIRE(run_process("certutil -A -d " + quote_arg(db) + " -n dosegate-test-root -t CT,C,C -i " +
                        quote_arg(pki("root-ca.cert.pem")))
                .code == 0);
    done = true;
  }
  static const std::string db = "sql:" + dir.path.string();
  return db;
}

pdf::RecordCheck check_record(const std::string& bytes) {
  const crypto::TrustStore trust(src("certs/trust"));
  return pdf::verify_record(bytes, trust, *parse_utc_instant(kAsOf));
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

// The font of a record's first page (the one font every page uses).
pdf::Object page_font(const pdf::Document& doc, const pdf::Object& pages) {
  const auto page = doc.resolve(pages.get("Kids")->as_array()->front());
  const auto fonts = doc.resolve(*doc.resolve(*page.get("Resources")).get("Font"));
  return doc.resolve(fonts.as_dict()->front().second);
}

// What zbarimg (Code 128) and dmtxread (DataMatrix) read from page 1 of a record at 300 dpi.
std::pair<std::string, std::string> decode_record_barcodes(const std::string& pdf) {
  TempDir dir;
  const auto page = dir.file("page");
  REQUIRE(run_process("pdftoppm -r 300 -f 1 -l 1 -singlefile -png " + quote_arg(pdf) + " " +
                      quote_arg(page))
              .code == 0);
  const auto linear = run_process("zbarimg --nodbus --raw -q -Sdisable -Scode128.enable " +
                                  quote_arg(page + ".png"));
  INFO(linear.output);
  CHECK(linear.code == 0);
  const auto matrix = run_process("dmtxread -N1 " + quote_arg(page + ".png"));
  INFO(matrix.output);
  CHECK(matrix.code == 0);
  return {linear.output, matrix.output};
}

}  // namespace

TEST_CASE("release writes one record per dose, named by lot and division", "[release]") {
  CHECK(pdfs_in(released_lot().file("records")) ==
        std::vector<std::string>{"A999926000154-S1234V00-A0.pdf", "A999926000154-S1234V00-B0.pdf"});
}

TEST_CASE("pdfsig: every record's signature is valid, trusted and covers the whole document",
          "[release][interop]") {
  for (const auto* division : {"A0", "B0"}) {
    INFO(division);
    const auto r = run_process("pdfsig -nssdir " + quote_arg(nss_db()) + " -no-ocsp " +
                               quote_arg(record(division)));
    INFO(r.output);
    CHECK(contains(r.output, "Signature is Valid."));
    CHECK(contains(r.output, "Certificate is Trusted."));
    CHECK(contains(r.output, "Total document signed"));
    CHECK(contains(r.output, "ETSI.CAdES.detached"));
  }
}

TEST_CASE("qpdf --check passes on every record", "[release][interop]") {
  for (const auto* division : {"A0", "B0"}) {
    const auto r = run_process("qpdf --check " + quote_arg(record(division)));
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(contains(r.output, "No syntax or stream encoding errors found"));
  }
}

TEST_CASE("the CMS has signingCertificateV2 and no signingTime", "[release][interop]") {
  const auto bytes = test::read_file_text(record("A0"));
  const pdf::Document doc(bytes);
  const auto catalog = doc.resolve(*pdf::Object::dict(doc.trailer()).get("Root"));
  const auto form = doc.resolve(*catalog.get("AcroForm"));
  const auto field = doc.resolve(form.get("Fields")->as_array()->front());
  const auto sig = doc.resolve(*field.get("V"));
  TempDir dir;
  write(dir.file("sig.der"), sig.get("Contents")->as_string()->bytes);
  const auto r =
      run_process("openssl cms -cmsout -print -inform DER -in " + quote_arg(dir.file("sig.der")));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "id-smime-aa-signingCertificateV2"));
  CHECK_FALSE(contains(r.output, "signingTime"));
  CHECK(contains(r.output, "Alex Example"));
  CHECK(contains(sig.get("M")->as_string()->bytes, "D:20261121120000Z"));
}

TEST_CASE("the page shows the manifestation, the DIN with its check character, the dose",
          "[release][interop]") {
  const auto r = run_process("pdftotext -layout " + quote_arg(record("B0")) + " -");
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK(contains(r.output, "A9999 26 000154"));
  CHECK(contains(r.output, "check character"));
  CHECK(contains(r.output, "Alex Example, QA Release"));
  CHECK(contains(r.output, "Released for clinical use"));
  CHECK(contains(r.output, "2026-11-21T12:00:00Z (UTC)"));
  CHECK(contains(r.output, "Quality Assurance, lot release"));
  CHECK(contains(r.output, "not a regulatory approval"));
  CHECK(contains(r.output, "Page 1 of"));
  CHECK(contains(r.output, "B0"));
  CHECK(contains(r.output, "Dose 2 of 2"));
  CHECK(contains(r.output, "mycoplasma"));
  CHECK(contains(r.output, "\u2265 95 %"));
}

TEST_CASE("the release data attachment is in the signed revision and names the dose",
          "[release][interop]") {
  const auto check = check_record(test::read_file_text(record("B0")));
  INFO((check.findings.empty() ? "" : check.findings[0].message));
  REQUIRE(check.findings.empty());
  REQUIRE(check.release_data);
  CHECK(contains(*check.release_data, "\"division\": \"B0\""));
  CHECK(contains(*check.release_data, "\"din\": \"A999926000154\""));
  CHECK(contains(*check.release_data, "\"decision\": \"releasable-pending\""));
  CHECK(contains(*check.release_data, "\"test\": \"mycoplasma\""));
  const auto listed = run_process("pdfdetach -list " + quote_arg(record("B0")));
  CHECK(contains(listed.output, "release-data.json"));
}

TEST_CASE("dosegate's verifier rejects a record with one byte changed", "[release][negative]") {
  auto bytes = test::read_file_text(record("A0"));
  const auto at = bytes.find("/Type /EmbeddedFile");
  REQUIRE(at != std::string::npos);
  const auto data_at =
      bytes.find("\"B0\"") != std::string::npos ? bytes.find("\"B0\"") : bytes.find("\"A0\"");
  REQUIRE(data_at != std::string::npos);
  bytes[data_at + 1] = 'Z';
  const auto check = check_record(bytes);
  REQUIRE_FALSE(check.findings.empty());
  CHECK(check.findings[0].code == "signature.invalid");
  CHECK_FALSE(check.release_data);
}

TEST_CASE("dosegate's verifier rejects an incremental update appended after signing",
          "[release][negative]") {
  const auto original = test::read_file_text(record("A0"));
  const pdf::Document doc(original);
  // The shadow attack: a new revision that replaces the attachment's bytes.
  const std::string json = "{\"format\": \"dosegate-release-data\", \"forged\": true}";
  const int num = doc.size();
  std::string update = std::to_string(num) + " 0 obj\n<< /Length " + std::to_string(json.size()) +
                       " >>\nstream\n" + json + "\nendstream\nendobj\n";
  const auto obj_at = original.size();
  const auto xref_at = obj_at + update.size();
  char entry[32];
  std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", obj_at);
  update += "xref\n" + std::to_string(num) + " 1\n" + entry + "trailer\n<< /Size " +
            std::to_string(num + 1) + " /Root " +
            std::to_string(pdf::Object::dict(doc.trailer()).get("Root")->as_ref()->num) +
            " 0 R /Prev " + std::to_string(doc.startxref()) + " >>\nstartxref\n" +
            std::to_string(xref_at) + "\n%%EOF\n";
  TempDir dir;
  const auto shadow = dir.file("shadow.pdf");
  write(shadow, original + update);
  const auto check = check_record(original + update);
  REQUIRE_FALSE(check.findings.empty());
  CHECK(check.findings[0].code == "record.modified-after-signing");
  // poppler still calls the signature valid, only noting that it is not total.
  const auto r =
      run_process("pdfsig -nssdir " + quote_arg(nss_db()) + " -no-ocsp " + quote_arg(shadow));
  INFO(r.output);
  CHECK(contains(r.output, "Signature is Valid."));
  CHECK(contains(r.output, "Not total document signed"));
}

TEST_CASE("a rejected lot writes no record", "[release][negative]") {
  TempDir dir;
  const auto r = release("samples/coa-viability-90.xml", dir.file("out"));
  CHECK(r.code == 1);
  CHECK(contains(r.out, "No release records written."));
  CHECK(pdfs_in(dir.file("out")).empty());
}

TEST_CASE("a key outside releasers/ is refused and writes nothing", "[release][negative]") {
  TempDir dir;
  const auto r = test::run_cli_at(
      {"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--key",
       pki("lab-ec.key.pem"), "--cert", pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"),
       "--out", dir.file("out"), "--ledger", dir.file("ledger.sqlite")},
      kAsOf);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "signature.wrong-role"));
  CHECK(pdfs_in(dir.file("out")).empty());
}

TEST_CASE("a PKCS#12 releaser key signs records", "[release]") {
  TempDir dir;
  const auto r = test::run_cli_at(
      {"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--key",
       pki("releaser.p12"), "--passphrase-file", pki("releaser.p12.passphrase"), "--out",
       dir.file("out"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
      kAsOf);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  const auto files = pdfs_in(dir.file("out"));
  REQUIRE(files.size() == 2);
  CHECK(check_record(test::read_file_text(dir.file("out/" + files[0]))).findings.empty());
}

TEST_CASE("existing records are never overwritten", "[release][negative]") {
  TempDir dir;
  REQUIRE(release("samples/coa-pass.xml", dir.file("out"), {"--quiet"}).code == 0);
  const auto before = test::read_file_text(dir.file("out/A999926000147-S1234V00-A0.pdf"));
  auto again = release("samples/coa-pass.xml", dir.file("out"), {"--quiet"});
  CHECK(again.code == 2);
  CHECK(contains(again.err, "release.already-released"));
  // Even a re-issue of the lot's records never replaces a record under its name.
  again = release("samples/coa-pass.xml", dir.file("out"),
                  {"--quiet", "--again", "--reason", "records lost"});
  CHECK(again.code == 2);
  CHECK(contains(again.err, "already exists"));
  CHECK(test::read_file_text(dir.file("out/A999926000147-S1234V00-A0.pdf")) == before);
  for (const auto& f : pdfs_in(dir.file("out"))) CHECK_FALSE(contains(f, ".pending"));
}

namespace {
// A signed lot of `n` doses with 6-digit Product Divisions, made from the passing sample.
std::string signed_lot(const TempDir& dir, int n) {
  auto text = test::read_file_text(src("samples/coa-pass.xml"));
  const auto sig = text.find("<Signature xmlns=");
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  text.replace(text.find("<Code>S1234V00</Code>"), 21, "<Code>S1234V99</Code>");
  const auto start = text.find("<Doses>") + 7;
  const auto end = text.find("</Doses>");
  std::string doses;
  for (int i = 1; i <= n; ++i) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "<Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                  "<Volume unit=\"mL\">5.0</Volume></Dose>\n",
                  i);
    doses += buf;
  }
  text.replace(start, end - start, doses);
  write(dir.file("lot-unsigned.xml"), text);
  const auto r = run_cli({"sign-coa", dir.file("lot-unsigned.xml"), "--key", pki("lab-ec.key.pem"),
                          "--cert", pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"),
                          "--out", dir.file("lot.xml")});
  REQUIRE(r.code == 0);
  return dir.file("lot.xml");
}
}  // namespace

TEST_CASE("a long release shows progress and names records by 6-digit division", "[release]") {
  TempDir dir;
  const auto lot = signed_lot(dir, 120);
  const auto r =
      test::run_cli_at({"release", lot, "--trust", src("certs/trust"), "--key",
                        pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--out",
                        dir.file("out"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
                       kAsOf);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.err, "100 of 120 records written"));
  CHECK(contains(r.err, "120 of 120 records written"));
  const auto files = pdfs_in(dir.file("out"));
  REQUIRE(files.size() == 120);
  CHECK(files.front() == "A999926000147-S1234V99-000001.pdf");
  CHECK(files.back() == "A999926000147-S1234V99-000120.pdf");
  const auto check = check_record(test::read_file_text(dir.file("out/" + files.back())));
  REQUIRE(check.findings.empty());
  CHECK(contains(*check.release_data, "\"division\": \"000120\""));
  CHECK(contains(*check.release_data, "\"index\": 120"));
}

TEST_CASE("a Product Divisions record's bar codes decode to its record id", "[release][interop]") {
  TempDir dir;
  const auto lot = signed_lot(dir, 1);
  const auto r =
      test::run_cli_at({"release", lot, "--trust", src("certs/trust"), "--key",
                        pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--out",
                        dir.file("out"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
                       kAsOf);
  INFO(r.err);
  REQUIRE(r.code == 0);
  // The longest record id, so the narrowest Code 128 modules a record prints.
  const auto [linear, matrix] =
      decode_record_barcodes(dir.file("out/A999926000147-S1234V99-000001.pdf"));
  CHECK(linear == "dosegate-record:A999926000147-S1234V99-000001\n");
  CHECK(matrix == "dosegate-record:A999926000147-S1234V99-000001");
}

TEST_CASE("a release killed midway leaves only complete, valid records under final names",
          "[release][negative]") {
  TempDir dir;
  const auto lot = signed_lot(dir, 600);
  const std::string out = dir.file("out");
  // Kill the real process at some point during its work; whenever that is, every file with a
  // final name must be a complete record that verifies.
  const auto r =
      run_process("DOSEGATE_TEST_NOW=" + std::string(kAsOf) + " timeout -s KILL 0.3 " +
                  quote_arg(DOSEGATE_BINARY) + " release " + quote_arg(lot) + " --trust " +
                  quote_arg(src("certs/trust")) + " --key " + quote_arg(pki("releaser.key.pem")) +
                  " --cert " + quote_arg(pki("releaser.cert.pem")) + " --out " + quote_arg(out) +
                  " --ledger " + quote_arg(dir.file("ledger.sqlite")) + " --quiet");
  INFO(r.output);
  for (const auto& f : pdfs_in(out)) {
    if (f.size() < 4 || f.compare(f.size() - 4, 4, ".pdf") != 0) continue;  // not a final name
    INFO(f);
    CHECK(check_record(test::read_file_text(out + "/" + f)).findings.empty());
  }
}

TEST_CASE("the record's Code 128 and DataMatrix decode to its record id, not the bag's data",
          "[release][interop]") {
  const auto [linear, matrix] = decode_record_barcodes(record("B0"));
  CHECK(linear == "dosegate-record:A999926000154-S1234V00-B0\n");
  CHECK(matrix == "dosegate-record:A999926000154-S1234V00-B0");
  CHECK_FALSE(contains(linear + matrix, "=A999926000154"));
  // The dose's identity stays on the page as text: the DIN with its check character and the
  // product code with the division.
  const auto text = run_process("pdftotext -f 1 -l 1 " + quote_arg(record("B0")) + " -");
  CHECK(contains(text.output, "A9999 26 000154 B S1234VB0"));
}

TEST_CASE("UTF-8 text prints with the embedded font: accents and the micro sign",
          "[release][interop]") {
  TempDir dir;
  auto text = test::read_file_text(src("samples/coa-pass.xml"));
  const auto sig = text.find("<Signature xmlns=");
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  text.replace(text.find("Example QC Laboratory GmbH"), 26, "Laboratoire Qualité Zoë");
  text.replace(text.find("umol/L"), 6, "µmol/L");
  write(dir.file("coa-unsigned.xml"), text);
  REQUIRE(run_cli({"sign-coa", dir.file("coa-unsigned.xml"), "--key", pki("lab-ec.key.pem"),
                   "--cert", pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"), "--out",
                   dir.file("coa.xml")})
              .code == 0);
  const auto r = test::run_cli_at(
      {"release", dir.file("coa.xml"), "--trust", src("certs/trust"), "--key",
       pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--out", dir.file("out"),
       "--ledger", dir.file("ledger.sqlite"), "--quiet", "--reason", "Batch of the Zoë protocol",
       "--role", "Responsable qualité", "--meaning", "Libéré pour usage clinique"},
      kAsOf);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto txt = run_process("pdftotext -layout " +
                               quote_arg(dir.file("out/A999926000147-S1234V00-A0.pdf")) + " -");
  INFO(txt.output);
  CHECK(contains(txt.output, "Laboratoire Qualité Zoë"));
  CHECK(contains(txt.output, "µmol/L"));
  CHECK(contains(txt.output, "Batch of the Zoë protocol"));   // --reason
  CHECK(contains(txt.output, "Responsable qualité"));         // --role
  CHECK(contains(txt.output, "Libéré pour usage clinique"));  // --meaning
  // The signature dictionary's /Reason is a PDF text string: UTF-16BE with a byte order mark
  // (raw UTF-8 bytes there would be read as PDFDocEncoding: "LibÃ©rÃ©").
  const auto record = test::read_file_text(dir.file("out/A999926000147-S1234V00-A0.pdf"));
  CHECK(contains(record, "/Reason <FEFF004C0069006200E9007200E9"));
  const auto fonts =
      run_process("pdffonts " + quote_arg(dir.file("out/A999926000147-S1234V00-A0.pdf")));
  INFO(fonts.output);
  CHECK(contains(fonts.output, "DejaVuSans"));
  CHECK(contains(fonts.output, "yes yes yes"));  // embedded, subset, ToUnicode
}

TEST_CASE("the record parser refuses deeply nested objects instead of exhausting the stack",
          "[release][negative]") {
  const std::string nested = "%PDF-1.7\n1 0 obj\n" + std::string(100000, '[') +
                             "\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n"
                             "trailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n";
  const auto xref_at = nested.find("xref");
  const std::string pdf = nested + std::to_string(xref_at) + "\n%%EOF\n";
  const auto check = check_record(pdf);
  REQUIRE_FALSE(check.findings.empty());
  CHECK(check.findings[0].code == "record.malformed");
  CHECK(contains(check.findings[0].message, "excessively deeply nested"));
}

TEST_CASE("without --chain the intermediates come from the verified path and are embedded",
          "[release][interop]") {
  TempDir dir;
  const auto r =
      test::run_cli_at({"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"),
                        "--key", pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"),
                        "--out", dir.file("out"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
                       kAsOf);
  REQUIRE(r.code == 0);
  const auto sig = run_process("pdfsig -nssdir " + quote_arg(nss_db()) + " -no-ocsp " +
                               quote_arg(dir.file("out/A999926000147-S1234V00-A0.pdf")));
  INFO(sig.output);
  CHECK(contains(sig.output, "Certificate is Trusted."));
}

TEST_CASE("the ledger's digest of each record is the SHA-256 of the file written", "[release]") {
  auto l = ledger::Ledger::open(released_lot().file("ledger.sqlite"), false);
  ledger::Filter f;
  f.kind = "records";
  const auto entries = l.entries(f);
  REQUIRE(entries.size() == 1);
  REQUIRE(entries[0].records.size() == 2);
  for (const auto& r : entries[0].records) {
    INFO(r.file);
    CHECK(r.sha256 ==
          crypto::sha256_hex(test::read_file_text(released_lot().file("records/" + r.file))));
  }
}

TEST_CASE("an RSA 3072 releaser's records fit their signature room and verify",
          "[release][interop]") {
  TempDir dir;
  const auto r =
      test::run_cli_at({"release", src("samples/coa-pass.xml"), "--trust", src("certs/trust"),
                        "--key", pki("releaser-rsa.key.pem"), "--cert",
                        pki("releaser-rsa.cert.pem"), "--chain", pki("qa-chain.pem"), "--out",
                        dir.file("out"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
                       kAsOf);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto path = dir.file("out/A999926000147-S1234V00-A0.pdf");
  CHECK(check_record(test::read_file_text(path)).findings.empty());
  const auto sig =
      run_process("pdfsig -nssdir " + quote_arg(nss_db()) + " -no-ocsp " + quote_arg(path));
  INFO(sig.output);
  CHECK(contains(sig.output, "Signature is Valid."));
  CHECK(contains(sig.output, "Certificate is Trusted."));
  CHECK(contains(sig.output, "Total document signed"));
}

TEST_CASE("the record's font has the width of every character its pages show, and no other",
          "[release]") {
  const auto bytes = test::read_file_text(record("B0"));
  const pdf::Document doc(bytes);
  const auto catalog = doc.resolve(*pdf::Object::dict(doc.trailer()).get("Root"));
  const auto pages = doc.resolve(*catalog.get("Pages"));
  // Every character code in a hex string of a page's content streams (one font, Identity-H).
  std::set<long long> shown;
  for (const auto& kid : *pages.get("Kids")->as_array()) {
    const auto page = doc.resolve(kid);
    std::vector<pdf::Object> contents;
    if (const auto* list = page.get("Contents")->as_array())
      contents = *list;
    else
      contents.push_back(*page.get("Contents"));
    for (const auto& c : contents) {
      std::string data;
      doc.load(c.as_ref()->num, &data);
      const auto text = pdf::inflate(data, 1 << 24);
      for (auto at = text.find('<'); at != std::string::npos; at = text.find('<', at + 1)) {
        if (text[at + 1] == '<') {
          ++at;
          continue;
        }
        const auto end = text.find('>', at);
        for (auto k = at + 1; k + 4 <= end; k += 4)
          shown.insert(std::stoll(text.substr(k, 4), nullptr, 16));
      }
    }
  }
  const auto font = doc.resolve(page_font(doc, pages).get("DescendantFonts")->as_array()->front());
  std::map<long long, long long> widths;
  const auto& w = *font.get("W")->as_array();
  for (std::size_t i = 0; i + 1 < w.size(); i += 2) {
    const auto first = *w[i].as_int();
    const auto& run = *w[i + 1].as_array();
    for (std::size_t k = 0; k < run.size(); ++k)
      widths[first + static_cast<long long>(k)] = *run[k].as_int();
  }
  CHECK(shown.count(0x2265));  // the page's greater-than-or-equal sign
  std::set<long long> listed;
  for (const auto& [code, width] : widths) listed.insert(code);
  CHECK(listed == shown);
  // DejaVu Sans's own widths, as libharu measured them.
  CHECK(widths.at(' ') == 317);
  CHECK(widths.at('A') == 684);
  CHECK(widths.at(0x2265) == 837);
}

TEST_CASE("a record is at most 80 KiB", "[release]") {
  // The layout's font keeps only what the pages show and the signature room is the key's
  // bound (about 40 KB in all); a record of the full font (145 KB) fails here.
  for (const auto* division : {"A0", "B0"}) {
    INFO(division);
    CHECK(std::filesystem::file_size(record(division)) <= 80 * 1024);
  }
}
