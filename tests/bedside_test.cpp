// The bedside rules that a validly signed record alone cannot satisfy: the ledger must know the
// release, a dose goes to one recipient, an overdue pending test stops the dose, and a device
// without a ledger says so.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::releaser;
using test::run_cli;
using test::run_process;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kBedside = "2026-11-22T09:00:00Z";
const std::string kDoseA0 = "=A99992600015400=<S1234VA0";
const std::string kDoseB0 = "=A99992600015400=<S1234VB0";

std::string src(const std::string& relative) {
  return test::source(relative);
}

test::CliResult release(const std::string& coa, const std::string& out, const std::string& ledger) {
  std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  return test::run_cli_at(args, kReleased);
}

// The pending-mycoplasma lot (A999926000154, doses A0 and B0, mycoplasma expected
// 2026-11-30) released into its own ledger.
struct Released {
  TempDir dir;
  std::string ledger = dir.file("ledger.sqlite");
  Released() {
    const auto r = release("samples/coa-pending-mycoplasma.xml", dir.file("records"), ledger);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  std::string record(const std::string& division) const {
    return dir.file("records/A999926000154-S1234V00-" + division + ".pdf");
  }
};

test::CliResult confirm(const std::string& record, const std::string& ledger,
                        const std::string& dose, std::vector<std::string> extra = {},
                        const std::string& at = kBedside) {
  std::vector<std::string> args{"confirm", record,     "--trust", src("certs/trust"), "--dose",
                                dose,      "--ledger", ledger,    "--staff",          "nurse-17"};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, at);
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

std::set<std::string> codes(const test::CliResult& r) {
  return test::error_codes(r.out);
}

long long entries(const std::string& ledger) {
  const auto h = run_cli({"history", "--ledger", ledger, "--format", "csv"});
  long long n = 0;
  for (std::size_t at = 0; (at = h.out.find("\r\n", at)) != std::string::npos; ++at) ++n;
  return n - 2;  // the header and the chain head
}

}  // namespace

TEST_CASE("bedside: a record is NO-GO against a ledger that never saw its release",
          "[bedside][release-known]") {
  Released lot;
  // Another site's ledger: it knows another lot, not this one, so it holds no recall of it.
  TempDir other;
  const auto site_b = other.file("siteB.sqlite");
  REQUIRE(release("samples/coa-pass.xml", other.file("records"), site_b).code == 0);
  auto r = confirm(lot.record("B0"), site_b, kDoseB0, {"--json"});
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(codes(r) == std::set<std::string>{"confirm.release-unknown"});
  CHECK(contains(r.out, "this ledger has no record of this release"));
  CHECK(contains(r.out, "use the releasing site's ledger"));
  // The releasing site's ledger knows it.
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--json"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"release_known\": true"));
}

TEST_CASE("bedside: the complete, signed record an interrupted release left behind is NO-GO",
          "[bedside][release-known]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  // A first lot makes the ledger exist; the second release dies just before its commit.
  REQUIRE(release("samples/coa-pass.xml", dir.file("first"), ledger).code == 0);
  std::string cmd = "DOSEGATE_TEST_NOW=" + kReleased + " DOSEGATE_TEST_CRASH_AT=before-commit " +
                    quote_arg(DOSEGATE_BINARY) + " release " +
                    quote_arg(src("samples/coa-pending-mycoplasma.xml")) + " --trust " +
                    quote_arg(src("certs/trust")) + " --out " + quote_arg(dir.file("out")) +
                    " --ledger " + quote_arg(ledger) + " --quiet";
  for (const auto& a : releaser()) cmd += " " + quote_arg(a);
  REQUIRE(run_process(cmd).code == 86);
  const auto pending = dir.file("out/A999926000154-S1234V00-B0.pdf.pending");
  REQUIRE(fs::exists(pending));
  const auto copied = dir.file("B0.pdf");
  fs::copy_file(pending, copied);
  const auto r = confirm(copied, ledger, kDoseB0, {"--json"});
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(codes(r).count("confirm.release-unknown") == 1);
  // The same file answered from the record alone would have been GO: the ledger is what stops it.
  const auto alone = test::run_cli_at(
      {"confirm", copied, "--trust", src("certs/trust"), "--dose", kDoseB0, "--record-only"},
      kBedside);
  CHECK(alone.code == 0);
}

TEST_CASE("bedside: an empty or unrelated file given as the ledger is NO-GO and left untouched",
          "[bedside][release-known]") {
  Released lot;
  TempDir dir;
  const auto empty = dir.file("empty.sqlite");
  std::ofstream(empty).close();
  const auto other = dir.file("other.sqlite");
  REQUIRE(run_process("sqlite3 " + quote_arg(other) + " 'CREATE TABLE t(x);'").code == 0);
  const auto other_size = fs::file_size(other);
  for (const auto& path : {empty, other}) {
    INFO(path);
    const auto r = confirm(lot.record("B0"), path, kDoseB0, {"--json"});
    INFO(r.out << r.err);
    CHECK(r.code == 1);
    CHECK(codes(r) == std::set<std::string>{"confirm.ledger-unreadable"});
    CHECK(contains(r.out, "not a dosegate ledger"));
  }
  CHECK(fs::file_size(empty) == 0);
  CHECK(fs::file_size(other) == other_size);
  // A path with no file at all is not created either.
  const auto none = dir.file("none.sqlite");
  CHECK(confirm(lot.record("B0"), none, kDoseB0).code == 1);
  CHECK_FALSE(fs::exists(none));
}

TEST_CASE("bedside: --record-only answers from the record alone and says so on the answer line",
          "[bedside][record-only]") {
  Released lot;
  // Recalled in the ledger, which --record-only does not see: that is what the flag means.
  std::vector<std::string> recall{"recall",  "A999926000154",    "--reason", "sterility positive",
                                  "--trust", src("certs/trust"), "--ledger", lot.ledger};
  for (const auto& a : releaser()) recall.push_back(a);
  REQUIRE(test::run_cli_at(recall, "2026-11-22T08:00:00Z").code == 0);
  const auto before = entries(lot.ledger);
  auto r = test::run_cli_at({"confirm", lot.record("B0"), "--trust", src("certs/trust"), "--dose",
                             kDoseB0, "--record-only"},
                            kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(first_line(r.out), "[LEDGER NOT CONSULTED]"));
  CHECK(contains(r.out, "not recorded: --record-only"));
  CHECK(entries(lot.ledger) == before);
  r = test::run_cli_at({"confirm", lot.record("B0"), "--trust", src("certs/trust"), "--dose",
                        kDoseB0, "--record-only", "--json"},
                       kBedside);
  CHECK(contains(r.out, "\"ledger_consulted\": false"));
  CHECK(contains(r.out, "\"code\": \"confirm.ledger-not-consulted\""));
  // By default the ledger is required, and the recall is seen.
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0);
  require_no_go(r, "lot recalled");
  // The flag and a ledger together are a contradiction; the old flag is named with its
  // replacement.
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--record-only"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--record-only answers without a ledger"));
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--no-recall-check"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "replaced by --record-only"));
}

TEST_CASE("bedside: a dose confirmed for one recipient is NO-GO for another",
          "[bedside][recipient]") {
  Released lot;
  auto r = confirm(lot.record("B0"), lot.ledger, kDoseB0,
                   {"--recipient", "MRN-0001", "--second-staff", "nurse-42"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Recipient MRN-0001"));
  CHECK(contains(r.out, "Checked   by nurse-17 and nurse-42"));
  // The same recipient again: GO, and it says so.
  r = test::run_cli_at(
      {"confirm", lot.record("B0"), "--trust", src("certs/trust"), "--dose", kDoseB0, "--ledger",
       lot.ledger, "--staff", "nurse-9", "--recipient", "MRN-0001"},
      "2026-11-22T09:10:00Z");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(first_line(r.out), "confirmed before at 2026-11-22T09:00:00Z by nurse-17"));
  // Another recipient: NO-GO, naming when and by whom, not who received it.
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--recipient", "MRN-0002", "--json"},
              "2026-11-22T09:20:00Z");
  CHECK(r.code == 1);
  CHECK(codes(r) == std::set<std::string>{"confirm.dose-already-given"});
  CHECK(contains(r.out,
                 "already confirmed for another recipient at 2026-11-22T09:00:00Z by "
                 "nurse-17"));
  CHECK_FALSE(contains(r.out, "MRN-0001"));
  // No recipient at all is not the same recipient either.
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {}, "2026-11-22T09:30:00Z");
  require_no_go(r, "already confirmed for another recipient");
  // The other dose of the lot is free for the second recipient.
  r = confirm(lot.record("A0"), lot.ledger, kDoseA0, {"--recipient", "MRN-0002"},
              "2026-11-22T09:40:00Z");
  CHECK(r.code == 0);
  // The ledger keeps recipient, second checker and thaw time.
  r = confirm(lot.record("A0"), lot.ledger, kDoseA0,
              {"--recipient", "MRN-0002", "--thawed-at", "2026-11-22T09:35:00Z"},
              "2026-11-22T09:50:00Z");
  CHECK(r.code == 0);
  const auto h =
      run_cli({"history", "--ledger", lot.ledger, "--kind", "confirm", "--format", "json"});
  CHECK(contains(h.out, "\"recipient\": \"MRN-0001\""));
  CHECK(contains(h.out, "\"second_staff\": \"nurse-42\""));
  CHECK(contains(h.out, "\"thawed_at\": \"2026-11-22T09:35:00Z\""));
  CHECK(contains(h.out, "\"refers_to\": 1"));
  const auto audited = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", lot.ledger});
  INFO(audited.out);
  CHECK(audited.code == 0);
}

TEST_CASE("bedside: without a recipient the confirmation warns that look-back cannot find it",
          "[bedside][recipient]") {
  Released lot;
  const auto r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--json"});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"code\": \"confirm.no-recipient\""));
  CHECK(contains(r.out, "\"severity\": \"warning\""));
}

TEST_CASE("bedside: recipient and second-staff ids are checked", "[bedside][recipient]") {
  Released lot;
  auto r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--second-staff", "nurse-17"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "a second check needs another person"));
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--recipient", "Jane Doe"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--recipient takes printable ASCII without spaces"));
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--recipient", "MRN\x1b[2K"});
  CHECK(r.code == 2);
  r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--recipient", std::string(65, '7')});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "1 to 64 characters"));
  CHECK(entries(lot.ledger) == 2);  // the release and its records: nothing was confirmed
}

TEST_CASE("bedside: a pending test past its expected date without a late result is NO-GO",
          "[bedside][overdue]") {
  Released lot;
  // Mycoplasma is expected 2026-11-30: on that day the dose is still GO with the pending line.
  auto r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {}, "2026-11-30T23:00:00Z");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(first_line(r.out), "1 test pending: mycoplasma, expected 2026-11-30"));
  // The day after: NO-GO, naming the test and the date, with the ledger and without it.
  r = confirm(lot.record("A0"), lot.ledger, kDoseA0, {"--json"}, "2026-12-01T00:00:01Z");
  CHECK(r.code == 1);
  CHECK(codes(r) == std::set<std::string>{"confirm.pending-overdue"});
  CHECK(contains(r.out, "pending test mycoplasma is overdue: expected 2026-11-30"));
  r = test::run_cli_at({"confirm", lot.record("A0"), "--trust", src("certs/trust"), "--dose",
                        kDoseA0, "--record-only"},
                       "2026-12-01T00:00:01Z");
  CHECK(r.code == 1);
  CHECK(contains(first_line(r.out), "overdue"));
}

TEST_CASE(
    "bedside: a late result written into the ledger without a key does not clear an "
    "overdue test",
    "[bedside][overdue][tamper]") {
  Released lot;
  {
    auto l = ledger::Ledger::open(lot.ledger, false);
    ledger::Entry e;
    e.kind = "results";
    e.decision = "complete";
    e.at = "2026-11-30T12:00:00Z";
    e.actor = "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE";
    e.din = "A999926000154";
    e.refers_to = 1;
    e.reason = "mycoplasma: not-detected";
    l.append_alone(e);  // no signature: anyone with write access to the file can do this
  }
  const auto r = confirm(lot.record("B0"), lot.ledger, kDoseB0, {"--json"}, "2026-12-01T08:00:00Z");
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  const auto c = codes(r);
  CHECK(c.count("confirm.ledger-tampered") == 1);
  CHECK(c.count("confirm.pending-overdue") == 1);
  CHECK(contains(r.out, "\"late_results\": \"\""));
}

TEST_CASE("bedside: the library refuses a bad recipient or second staff id whoever calls it",
          "[bedside][recipient]") {
  Released lot;
  ConfirmOptions o;
  o.record_path = lot.record("B0");
  o.trust_dir = src("certs/trust");
  o.scans = {kDoseB0};
  o.ledger_path = lot.ledger;
  o.staff = "nurse-17";
  o.at = *parse_utc_instant(kBedside);
  o.recipient = "MRN\x1b[2K";
  CHECK_THROWS_AS(dosegate::confirm(o), UsageError);
  o.recipient = "MRN-1";
  o.second_staff = "nurse-17";
  CHECK_THROWS_WITH(dosegate::confirm(o), Catch::Contains("a second check needs another person"));
  o.second_staff = "";
  CHECK(dosegate::confirm(o).go);
  CHECK(entries(lot.ledger) == 3);  // only the last one was recorded
  CHECK(id_problem("recipient", "MRN 1")->find("printable ASCII without spaces") !=
        std::string::npos);
  CHECK_FALSE(id_problem("recipient", "MRN-1"));
}
