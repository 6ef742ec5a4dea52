// Bedside confirmation: GO only for the right dose of a valid, unexpired, unrecalled release;
// every failure named; the answer on the first line.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "dosegate/isbt128.hpp"
#include "dosegate/version.hpp"
#include "pdf/object.hpp"
#include "test_support.hpp"
#include "util/json_read.hpp"

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

// confirm with one --dose per scan (or "-" and `input` as standard input).
test::CliResult confirm_scans(const Released& lot, const std::string& record,
                              const std::vector<std::string>& doses,
                              const std::string& input = "") {
  std::vector<std::string> args{"confirm",  record,     "--trust", src("certs/trust"),
                                "--ledger", lot.ledger, "--staff", "nurse-17"};
  for (const auto& dose : doses) {
    args.push_back("--dose");
    args.push_back(dose);
  }
  return test::run_cli_at(args, kBedside, input);
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
  CHECK(first_line(r.out).rfind("GO, 1 test pending: mycoplasma, expected 2026-11-30", 0) == 0);
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
  // A wrong check character or wrong check flags are named, and the right ones are not shown.
  r = confirm(lot, lot.record("B0"), "A9999 26 000154 C S1234VB0");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "wrong check character 'C' for DIN A999926000154"));
  CHECK_FALSE(contains(r.err, "'B'"));
  CHECK_FALSE(contains(r.err, "A9999 26 000154 B"));
  r = confirm(lot, lot.record("B0"), "=A99992600015461=<S1234VB0");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "wrong check character: the flag characters '61' of DIN A999926000154"));
  CHECK_FALSE(contains(r.err, isbt128::din_check_flags("A999926000154")));
  r = confirm(lot, lot.record("B0"), "=A99992600015400=<S1234VB");
  CHECK(r.code == 2);
  r = confirm(lot, lot.record("none"), kDoseB0);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "cannot read"));
}

TEST_CASE("confirm: the DIN and the product code scanned apart, in either order, are GO",
          "[confirm][scan]") {
  Released lot;
  for (const auto& doses : std::vector<std::vector<std::string>>{
           {"=A99992600015400", "=<S1234VB0"}, {"=<S1234VB0", "=A99992600015400"}}) {
    const auto r = confirm_scans(lot, lot.record("B0"), doses);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(first_line(r.out).rfind("GO, 1 test pending: mycoplasma, expected 2026-11-30", 0) == 0);
  }
  // Apart, the other dose's product code is still the other dose.
  require_no_go(confirm_scans(lot, lot.record("A0"), {"=<S1234VB0", "=A99992600015400"}),
                "wrong dose: the record is for dose A0, the bag is dose B0");
  // Two bags' bar codes are not one dose: could not check.
  const auto r = confirm_scans(lot, lot.record("B0"), {"=A99992600015400", "=A99992600014700"});
  CHECK(r.code == 2);
  CHECK(contains(r.err,
                 "--dose: two different DINs, A999926000154 (scan 1) and A999926000147 "
                 "(scan 2)"));
}

TEST_CASE("confirm: what scanners send is GO: line ends, symbology identifiers, DataMatrix",
          "[confirm][scan]") {
  Released lot;
  for (const auto& doses :
       std::vector<std::vector<std::string>>{{"=A99992600015400=<S1234VB0\r\n"},
                                             {"]C0=A99992600015400\r", "]C0=<S1234VB0\r"},
                                             {"]C4=A99992600015400=<S1234VB0\n"},
                                             {"]d1=+03000=A99992600015471=%5100=<S1234VB0\r\n"}}) {
    const auto r = confirm_scans(lot, lot.record("B0"), doses);
    INFO(r.out << r.err);
    CHECK(r.code == 0);
    CHECK(first_line(r.out).rfind("GO", 0) == 0);
  }
  auto r = confirm_scans(lot, lot.record("B0"), {"]Q1=A99992600015400=<S1234VB0"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "the symbology identifier ']Q1' (QR Code)"));
  r = confirm_scans(lot, lot.record("B0"), {"]d1=+02000=A99992600015471=%5100=<S1234VB0"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "announces 2 data structures, but 3 follow"));
}

TEST_CASE("confirm: --dose - reads the scans from standard input, one per line",
          "[confirm][scan]") {
  Released lot;
  auto r =
      confirm_scans(lot, lot.record("B0"), {"-"}, "]C0=A99992600015400\r\n\r\n]C0=<S1234VB0\r\n");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(first_line(r.out).rfind("GO, 1 test pending: mycoplasma, expected 2026-11-30", 0) == 0);
  // Mixed with --dose values; the eye-readable entry too.
  CHECK(confirm_scans(lot, lot.record("B0"), {"=<S1234VB0", "-"}, "=A99992600015400\n").code == 0);
  CHECK(confirm_scans(lot, lot.record("B0"), {"-"}, "A9999 26 000154 B S1234VB0\n").code == 0);

  // Bounded: more scans than a dose has, an overlong line, nothing, or - twice: exit 2.
  r = confirm_scans(lot, lot.record("B0"), {"-"}, "=A99992600015400\n=<S1234VB0\na\nb\nc\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--dose -: standard input holds more than 4 scans"));
  r = confirm_scans(lot, lot.record("B0"), {"-"}, std::string(100000, '='));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--dose -: line 1 of standard input is longer than 200 characters"));
  r = confirm_scans(lot, lot.record("B0"), {"-"}, "\n\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--dose -: standard input holds no scan"));
  r = confirm_scans(lot, lot.record("B0"), {"-", "-"}, "=A99992600015400\n=<S1234VB0\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "standard input is read once"));

  // The executable reads its own standard input.
  TempDir dir;
  std::ofstream(dir.file("scans.txt"), std::ios::binary)
      << "]C0=<S1234VB0\r\n]C0=A99992600015400\r\n";
  const auto p = run_process("DOSEGATE_TEST_NOW=" + kBedside + " " + quote_arg(DOSEGATE_BINARY) +
                             " confirm " + quote_arg(lot.record("B0")) + " --trust " +
                             quote_arg(src("certs/trust")) + " --ledger " + quote_arg(lot.ledger) +
                             " --staff nurse-17 --dose - < " + quote_arg(dir.file("scans.txt")));
  INFO(p.output);
  CHECK(p.code == 0);
  CHECK(p.output.rfind("GO, 1 test pending", 0) == 0);
}

TEST_CASE("confirm: the record's own bar codes, as zbarimg and dmtxread read them, exit 2",
          "[confirm][scan][interop]") {
  Released lot;
  TempDir dir;
  const auto page = dir.file("page");
  REQUIRE(run_process("pdftoppm -r 300 -f 1 -l 1 -singlefile -png " + quote_arg(lot.record("B0")) +
                      " " + quote_arg(page))
              .code == 0);
  const auto linear = run_process("zbarimg --nodbus --raw -q -Sdisable -Scode128.enable " +
                                  quote_arg(page + ".png"));
  const auto matrix = run_process("dmtxread -N1 " + quote_arg(page + ".png"));
  INFO(linear.output << matrix.output);
  REQUIRE(linear.code == 0);
  REQUIRE(matrix.code == 0);
  const auto id = isbt128::record_barcode_data("A999926000154-S1234V00-B0");
  CHECK(linear.output == id + "\n");  // zbarimg ends its line, as a scanner would
  CHECK(matrix.output == id);
  // Scanning the paper record instead of the bag: could not check, never GO.
  for (const auto& scan : {linear.output, matrix.output, "]d1" + matrix.output + "\r\n"}) {
    const auto r = confirm(lot, lot.record("B0"), scan);
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "--dose: this is the release record's bar code; scan the bag label"));
    CHECK(r.out.empty());
  }
  const auto r = confirm_scans(lot, lot.record("B0"), {"=A99992600015400", matrix.output});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "this is the release record's bar code; scan the bag label (scan 2)"));
}

TEST_CASE("confirm: without a readable ledger, NO-GO", "[confirm]") {
  Released lot;
  TempDir dir;
  std::vector<std::string> args{"confirm", lot.record("B0"), "--trust",  src("certs/trust"),
                                "--dose",  kDoseB0,          "--ledger", dir.file("missing.sqlite"),
                                "--at",    kBedside};
  auto r = run_cli(args);
  require_no_go(r, "recall status unknown");
  CHECK(contains(r.out, "with --record-only"));
  CHECK(contains(r.out, "not recorded"));
}

namespace {
// `dosegate confirm` as a process of its own (so that the test's lock is another process's),
// stopped by timeout(1) after 60 s, with the seconds it took.
struct Timed {
  test::ProcessResult result;
  double seconds = 0;
};
Timed confirm_process(const Released& lot) {
  const auto start = std::chrono::steady_clock::now();
  Timed t;
  // The clock of the process (test builds), so that the confirmation is recorded.
  t.result =
      run_process("DOSEGATE_TEST_NOW=" + std::string(kBedside) + " timeout 60 " +
                  quote_arg(DOSEGATE_BINARY) + " confirm " + quote_arg(lot.record("B0")) +
                  " --trust " + quote_arg(src("certs/trust")) + " --dose " + quote_arg(kDoseB0) +
                  " --ledger " + quote_arg(lot.ledger) + " --staff nurse-17 --json");
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return t;
}

long long confirmations(const std::string& ledger) {
  const auto h = run_cli({"history", "--ledger", ledger, "--kind", "confirm", "--format", "csv"});
  long long n = 0;
  for (std::size_t at = 0; (at = h.out.find(",confirm,", at)) != std::string::npos; ++at) ++n;
  return n;
}
}  // namespace

TEST_CASE("confirm: a ledger another process holds locked is NO-GO within 5 s",
          "[confirm][concurrency]") {
  Released lot;
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(lot.ledger.c_str(), &holder) == SQLITE_OK);
  // An exclusive lock: nobody else may even read (PRAGMA locking_mode=EXCLUSIVE in WAL mode
  // holds the file's lock from the first read until the connection closes).
  REQUIRE(sqlite3_exec(holder,
                       "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                       "SELECT count(*) FROM entries;",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  const auto t = confirm_process(lot);
  INFO(t.result.output << "\nseconds: " << t.seconds);
  CHECK(t.result.code == 1);
  CHECK(contains(t.result.output, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(t.result.output).count("confirm.ledger-busy") == 1);
  CHECK(contains(t.result.output, "recall status unknown: the ledger stayed locked"));
  CHECK(t.seconds < 10);  // the bound is 5 s of waiting, plus the process's own work
  CHECK(t.seconds > 4);   // it did wait for the lock to be released
  sqlite3_exec(holder, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  CHECK(confirmations(lot.ledger) == 0);
}

TEST_CASE("confirm: a confirmation that cannot be recorded is NO-GO, never GO",
          "[confirm][concurrency]") {
  Released lot;
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(lot.ledger.c_str(), &holder) == SQLITE_OK);
  // An ordinary write transaction: the recalls can be read, the confirmation cannot be written.
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE; SELECT count(*) FROM entries;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  const auto t = confirm_process(lot);
  INFO(t.result.output << "\nseconds: " << t.seconds);
  CHECK(t.result.code == 1);
  CHECK(contains(t.result.output, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(t.result.output) == std::set<std::string>{"confirm.not-recorded"});
  CHECK(contains(t.result.output, "the confirmation could not be recorded in the ledger"));
  CHECK(t.seconds < 10);
  sqlite3_exec(holder, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  CHECK(confirmations(lot.ledger) == 0);
  // With the lock gone, the same scan is GO and recorded.
  const auto again = confirm_process(lot);
  INFO(again.result.output);
  CHECK(again.result.code == 0);
  CHECK(contains(again.result.output, "\"decision\": \"go\""));
  CHECK(confirmations(lot.ledger) == 1);
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

TEST_CASE("terminal escapes in a staff id are shown, never obeyed, in confirm and history",
          "[confirm][escape]") {
  Released lot;
  // Erase the line and move up: would hide the line above (a recall) from a terminal.
  const std::string staff = "\x1b[2K\x1b[1A";
  const std::string shown = "\\x1b[2K\\x1b[1A";
  const auto r = test::run_cli_at({"confirm", lot.record("B0"), "--trust", src("certs/trust"),
                                   "--dose", kDoseB0, "--ledger", lot.ledger, "--staff", staff},
                                  kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.out, "\x1b"));
  CHECK(contains(r.out, "(staff " + shown + ")"));

  const auto table = run_cli({"history", "--ledger", lot.ledger});
  REQUIRE(table.code == 0);
  CHECK_FALSE(contains(table.out, "\x1b"));
  CHECK(contains(table.out, "confirm"));
  CHECK(contains(table.out, "  " + shown + "\n"));  // the ACTOR column, the line's last

  // CSV keeps the stored value (it is data, quoted for spreadsheets); JSON escapes it and stays
  // valid JSON that gives back the exact staff id.
  const auto csv = run_cli({"history", "--ledger", lot.ledger, "--format", "csv"});
  CHECK(contains(csv.out, "," + staff + ","));
  const auto json = run_cli({"history", "--ledger", lot.ledger, "--format", "json"});
  REQUIRE(json.code == 0);
  CHECK_FALSE(contains(json.out, "\x1b"));
  CHECK(contains(json.out, "\"actor\": \"\\u001b[2K\\u001b[1A\""));
  const auto doc = json::parse(json.out);
  const auto* entries = doc.get("entries") ? doc.get("entries")->array() : nullptr;
  REQUIRE(entries);
  REQUIRE(entries->size() == 3);
  CHECK(entries->back().text("actor") == staff);
  CHECK(entries->back().text("kind") == "confirm");
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
