// Bedside confirmation: GO only for the right dose of a valid, unexpired, unrecalled release;
// every failure named; the answer on the first line.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dosegate/isbt128.hpp"
#include "dosegate/version.hpp"
#include "pdf/object.hpp"
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
const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kBedside = "2026-11-22T09:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

// The pending-mycoplasma lot (A999926000154, doses A0 and B0) released into its own ledger.
struct Released {
  TempDir dir;
  std::string ledger = dir.file("ledger.sqlite");
  Released() {
    const auto r = test::run_cli_at(
        {"release", src("samples/coa-pending-mycoplasma.xml"), "--trust", src("certs/trust"),
         "--key", pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"), "--chain",
         pki("qa-chain.pem"), "--out", dir.file("records"), "--ledger", ledger, "--quiet"},
        kReleased);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  std::string record(const std::string& division) const {
    return dir.file("records/A999926000154-S1234V00-" + division + ".pdf");
  }
};

test::CliResult confirm(const Released& lot, const std::string& record, const std::string& dose,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"confirm", record,     "--trust",  src("certs/trust"), "--dose",
                                dose,      "--ledger", lot.ledger, "--staff",          "nurse-17"};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, kBedside);  // the clock, so that the confirmation is recorded
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

void require_no_go(const test::CliResult& r, const std::string& reason) {
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(first_line(r.out).rfind("NO-GO: ", 0) == 0);
  CHECK(contains(first_line(r.out), reason));
}

const std::string kDoseB0 = "=A99992600015400=<S1234VB0";

}  // namespace

TEST_CASE("confirm: the right dose is GO, with its pending test on the GO line", "[confirm]") {
  Released lot;
  auto r = confirm(lot, lot.record("B0"), kDoseB0);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(first_line(r.out) == "GO, 1 test pending: mycoplasma, expected 2026-11-30");
  // The eye-readable form of the same label.
  r = confirm(lot, lot.record("B0"), "A9999 26 000154 B S1234VB0");
  CHECK(r.code == 0);
  // Flags carrying the check value are accepted too.
  r = confirm(lot, lot.record("B0"),
              "=A999926000154" + isbt128::din_check_flags("A999926000154") + "=<S1234VB0");
  CHECK(r.code == 0);
}

TEST_CASE("confirm: another division is NO-GO", "[confirm]") {
  Released lot;
  require_no_go(confirm(lot, lot.record("A0"), kDoseB0),
                "wrong dose: the record is for dose A0, the bag is dose B0");
}

TEST_CASE("confirm: another lot is NO-GO", "[confirm]") {
  Released lot;
  require_no_go(confirm(lot, lot.record("B0"), "=A99992600014700=<S1234VB0"), "wrong lot");
}

TEST_CASE("confirm: an expired lot is NO-GO", "[confirm]") {
  Released lot;
  require_no_go(confirm(lot, lot.record("B0"), kDoseB0, {"--at", "2027-11-03T00:00:00Z"}),
                "the lot expired at 2027-11-02T23:59:00Z");
}

TEST_CASE("confirm: the thaw window", "[confirm]") {
  Released lot;
  CHECK(confirm(lot, lot.record("B0"), kDoseB0, {"--thawed-at", "2026-11-22T07:30:00Z"}).code == 0);
  require_no_go(confirm(lot, lot.record("B0"), kDoseB0, {"--thawed-at", "2026-11-22T07:29:59Z"}),
                "thaw window passed");
}

TEST_CASE("confirm: a thaw time after the confirmation is NO-GO", "[confirm]") {
  Released lot;
  require_no_go(confirm(lot, lot.record("B0"), kDoseB0, {"--thawed-at", "2026-11-22T09:30:00Z"}),
                "is after now");
}

TEST_CASE("confirm: a recalled lot is NO-GO, with the recall's reason", "[confirm]") {
  Released lot;
  REQUIRE(test::run_cli_at({"recall", "A999926000154", "--reason", "Mycoplasma detected", "--trust",
                            src("certs/trust"), "--key", pki("releaser.key.pem"), "--cert",
                            pki("releaser.cert.pem"), "--ledger", lot.ledger},
                           "2026-11-22T08:00:00Z")
              .code == 0);
  require_no_go(confirm(lot, lot.record("B0"), kDoseB0), "Mycoplasma detected");
}

TEST_CASE("confirm: a record with one byte changed is NO-GO", "[confirm]") {
  Released lot;
  auto bytes = test::read_file_text(lot.record("B0"));
  const auto at = bytes.find("\"viable_cells\": \"");
  REQUIRE(at != std::string::npos);
  bytes[at + 17] = '9';
  TempDir dir;
  std::ofstream(dir.file("changed.pdf"), std::ios::binary) << bytes;
  require_no_go(confirm(lot, dir.file("changed.pdf"), kDoseB0), "does not match");
}

TEST_CASE("confirm: an unsigned incremental update appended after signing is NO-GO", "[confirm]") {
  Released lot;
  const auto original = test::read_file_text(lot.record("A0"));
  const pdf::Document doc(original);
  const std::string json = "{\"format\":\"dosegate-release-data\",\"dose\":{\"division\":\"B0\"}}";
  const int num = doc.size();
  std::string update = std::to_string(num) + " 0 obj\n<< /Length " + std::to_string(json.size()) +
                       " >>\nstream\n" + json + "\nendstream\nendobj\n";
  char entry[32];
  std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", original.size());
  const auto xref_at = original.size() + update.size();
  update += "xref\n" + std::to_string(num) + " 1\n" + entry + "trailer\n<< /Size " +
            std::to_string(num + 1) + " /Root " +
            std::to_string(pdf::Object::dict(doc.trailer()).get("Root")->as_ref()->num) +
            " 0 R /Prev " + std::to_string(doc.startxref()) + " >>\nstartxref\n" +
            std::to_string(xref_at) + "\n%%EOF\n";
  TempDir dir;
  std::ofstream(dir.file("shadow.pdf"), std::ios::binary) << original + update;
  require_no_go(confirm(lot, dir.file("shadow.pdf"), "=A99992600015400=<S1234VA0"),
                "changed or extended (an incremental update) after it was signed");
}

TEST_CASE("confirm: a record signed by a key outside releasers/ is NO-GO", "[confirm]") {
  Released lot;
  TempDir dir;
  // A trust directory in which the laboratory's key may release, to make such a record.
  fs::copy(src("certs/trust"), dir.file("lenient"), fs::copy_options::recursive);
  fs::copy_file(pki("lab-ec.cert.pem"), dir.file("lenient/releasers/lab-ec.pem"));
  REQUIRE(test::run_cli_at({"release", src("samples/coa-pending-mycoplasma.xml"), "--trust",
                            dir.file("lenient"), "--key", pki("lab-ec.key.pem"), "--cert",
                            pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"), "--out",
                            dir.file("records"), "--ledger", dir.file("other.sqlite"), "--quiet"},
                           kReleased)
              .code == 0);
  require_no_go(confirm(lot, dir.file("records/A999926000154-S1234V00-B0.pdf"), kDoseB0),
                "is allowed to sign CoAs");
}

TEST_CASE("confirm: a malformed scan, a wrong check character or flag: exit 2", "[confirm]") {
  Released lot;
  auto r = confirm(lot, lot.record("B0"), "A99992600015400");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--dose"));
  r = confirm(lot, lot.record("B0"), "A9999 26 000154 C S1234VB0");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "check character 'C' does not match DIN A999926000154 (expected 'B')"));
  r = confirm(lot, lot.record("B0"), "=A99992600015461=<S1234VB0");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "do not carry the DIN's check value"));
  r = confirm(lot, lot.record("B0"), "=A99992600015400=<S1234VB");
  CHECK(r.code == 2);
  r = confirm(lot, lot.record("none"), kDoseB0);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "cannot read"));
}

TEST_CASE("confirm: without a readable ledger, NO-GO unless --no-recall-check", "[confirm]") {
  Released lot;
  TempDir dir;
  std::vector<std::string> args{"confirm", lot.record("B0"), "--trust",  src("certs/trust"),
                                "--dose",  kDoseB0,          "--ledger", dir.file("missing.sqlite"),
                                "--at",    kBedside};
  auto r = run_cli(args);
  require_no_go(r, "recall status unknown");
  args.push_back("--no-recall-check");
  r = run_cli(args);
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(contains(first_line(r.out), "GO, 1 test pending"));
  CHECK(contains(first_line(r.out), "[RECALL NOT CHECKED]"));
  CHECK(contains(r.out, "not recorded"));
}

TEST_CASE("confirm: every confirmation is in the ledger with the staff id", "[confirm]") {
  Released lot;
  REQUIRE(confirm(lot, lot.record("B0"), kDoseB0).code == 0);
  REQUIRE(confirm(lot, lot.record("A0"), kDoseB0).code == 1);
  const auto h =
      run_cli({"history", "--ledger", lot.ledger, "--kind", "confirm", "--format", "json"});
  CHECK(contains(h.out, "\"decision\": \"go\""));
  CHECK(contains(h.out, "\"decision\": \"no-go\""));
  CHECK(contains(h.out, "\"actor\": \"nurse-17\""));
  CHECK(contains(h.out, "\"reason\": \"confirm.wrong-dose\""));  // named once
  CHECK_FALSE(contains(h.out, "confirm.wrong-product"));
  const auto audited = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", lot.ledger});
  INFO(audited.out);
  CHECK(audited.code == 0);
}

TEST_CASE("confirm: --json", "[confirm]") {
  Released lot;
  const auto r = confirm(lot, lot.record("A0"), kDoseB0, {"--json"});
  CHECK(r.code == 1);
  CHECK(r.out.rfind("{\n  \"version\": 1,\n", 0) == 0);
  CHECK(contains(r.out, "\"decision\": \"no-go\""));
  CHECK(contains(r.out, "\"code\": \"confirm.wrong-dose\""));
}

TEST_CASE("one dynamically linked executable runs every command", "[cli]") {
  const auto r = run_process("readelf -d " + quote_arg(DOSEGATE_BINARY));
  INFO(r.output);
  REQUIRE(r.code == 0);
  // The distribution's shared libraries, so their security fixes reach dosegate.
  for (const char* lib : {"libstdc++.so", "libboost_program_options.so", "libcrypto.so"})
    CHECK(contains(r.output, lib));
  CHECK_FALSE(contains(r.output, "dosegate-commands"));

  // The executable alone, copied elsewhere, answers --version, --help and a command.
  TempDir bin;
  const auto exe = bin.file("dosegate");
  fs::copy_file(DOSEGATE_BINARY, exe);
  fs::permissions(exe, fs::perms::owner_all);
  auto v = run_process(quote_arg(exe) + " --version");
  CHECK(v.code == 0);
  CHECK(v.output.rfind("dosegate " + std::string(version()), 0) == 0);
  v = run_process(quote_arg(exe) + " verify " + quote_arg(src("samples/coa-pass.xml")) +
                  " --trust " + quote_arg(src("certs/trust")) + " --as-of 2026-11-21T12:00:00Z");
  INFO(v.output);
  CHECK(v.code == 0);
  CHECK(contains(v.output, "RELEASABLE"));
}

TEST_CASE("the benchmark's OpenSSL-only lower bound verifies what confirm verifies", "[bench]") {
  Released lot;
  const auto floor = [&](const std::string& record) {
    return run_process(quote_arg(DOSEGATE_OPENSSL_FLOOR) + " " + quote_arg(record) + " " +
                       quote_arg(src("certs/trust")));
  };
  auto r = floor(lot.record("B0"));
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output == "verified\n");

  // One byte changed in the signed part: not verified.
  std::string bytes = test::read_file_text(lot.record("B0"));
  bytes[2000] = static_cast<char>(bytes[2000] ^ 1);
  const auto changed = lot.dir.file("changed.pdf");
  std::ofstream(changed, std::ios::binary) << bytes;
  r = floor(changed);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output == "NOT verified\n");

  // Not a signed PDF, /Contents that is not hex, /Contents that is not CMS: exit 2, named.
  r = floor(src("samples/coa-pass.xml"));
  CHECK(r.code == 2);
  CHECK(contains(r.output, "no usable /ByteRange"));
  const auto contents = bytes.find("/Contents <") + 11;
  std::string not_hex = test::read_file_text(lot.record("B0"));
  not_hex[contents] = 'x';
  std::ofstream(lot.dir.file("not-hex.pdf"), std::ios::binary) << not_hex;
  r = floor(lot.dir.file("not-hex.pdf"));
  CHECK(r.code == 2);
  CHECK(contains(r.output, "/Contents is not hex"));
  std::string not_cms = test::read_file_text(lot.record("B0"));
  not_cms.replace(contents, 4, "0000");
  std::ofstream(lot.dir.file("not-cms.pdf"), std::ios::binary) << not_cms;
  r = floor(lot.dir.file("not-cms.pdf"));
  CHECK(r.code == 2);
  CHECK(contains(r.output, "/Contents is not CMS"));
  CHECK(floor("").code == 2);
  CHECK(run_process(quote_arg(DOSEGATE_OPENSSL_FLOOR)).code == 2);
}
