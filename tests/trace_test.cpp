// The look-back (`dosegate trace`): every dose of a lot, whether and to whom it was given, from a
// ledger that verifies; the recall's count of doses already given; history's confirmation and
// late-result fields. Confirmations are appended as `confirm` appends them (unsigned, a staff
// id as actor), with the bedside fields of ledger schema 3.
#include <catch2/catch.hpp>

#include <algorithm>

#include <optional>

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release/recall.hpp"
#include "ledger/audit.hpp"
#include "ledger/trace.hpp"
#include "ledger_store.hpp"
#include "test_support.hpp"
#include "util/json_read.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::releaser;
using test::run_cli;
using test::run_process;
using test::TempDir;

namespace {

std::string src(const std::string& relative) {
  return test::source(relative);
}

const std::string kLot = "A999926000147";  // samples/coa-pass.xml: doses A0 and B0
const std::string kReleaser = "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE";

struct Bedside {
  std::string division;
  std::string decision = "go";
  std::string recipient;
  std::string staff = "nurse-17";
  std::string second_staff;
  std::string thawed_at;
  std::string at = "2026-11-21T14:00:00Z";
  std::string reason;
  long long refers_to = 1;
};

// One confirmation, appended as `confirm` does: unsigned, the staff id as actor.
void confirmation(const std::string& ledger, const Bedside& b) {
  auto l = ledger::Ledger::open(ledger, false);
  ledger::Entry e;
  e.kind = "confirm";
  e.decision = b.decision;
  e.at = b.at;
  e.actor = b.staff;
  e.din = kLot;
  e.divisions = {b.division};
  e.records = {{kLot + "-S1234V00-" + b.division + ".pdf", std::string(64, 'c')}};
  e.reason = b.reason;
  e.refers_to = b.refers_to;
  e.recipient = b.recipient;
  e.second_staff = b.second_staff;
  e.thawed_at = b.thawed_at;
  l.append_alone(e);
}

// A late result, signed by the releaser as `dosegate complete` signs it.
void late_result(const std::string& ledger, const std::string& at) {
  const crypto::TrustStore trust(src("certs/trust"));
  const auto key =
      crypto::load_releaser(pki("releaser.key.pem"), pki("releaser.cert.pem"), pki("qa-chain.pem"),
                            std::nullopt, {}, trust, *parse_utc_instant(at));
  auto l = ledger::Ledger::open(ledger, false);
  ledger::Entry e;
  e.kind = "results";
  e.decision = "complete";
  e.at = at;
  e.actor = key.signer.subject;
  e.actor_sha256 = key.signer.sha256;
  e.din = kLot;
  e.divisions = {"A0", "B0"};
  e.refers_to = 1;
  e.reason = "mycoplasma: not detected (NAT)\nsterility: no growth after 14 days";
  l.append_alone(e,
                 [&](const std::string& bytes) { return crypto::cades_detached(bytes, key.key); });
}

test::CliResult recall_cli(const std::string& ledger) {
  std::vector<std::string> args{
      "recall",           kLot,       "--reason", "Sterility retest positive", "--trust",
      src("certs/trust"), "--ledger", ledger};
  for (const auto& a : releaser()) args.push_back(a);
  return test::run_cli_at(args, "2026-11-22T08:00:00Z");
}

// samples/coa-pass.xml released at 2026-11-21T12:00:00Z: entries 1 (release) and 2 (records).
void release_lot(const TempDir& dir, const std::string& ledger) {
  std::vector<std::string> args{"release",  src("samples/coa-pass.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("out"),
                                "--ledger", ledger,
                                "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  const auto r = test::run_cli_at(args, "2026-11-21T12:00:00Z");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

// The lot released (entries 1 and 2), dose A0 given to P-0001 after a NO-GO (3, 4), a late
// result (5), the lot recalled (6); dose B0 never confirmed.
struct Traced {
  TempDir dir;
  std::string ledger;
  // `location`: a ledger to use instead of DIR/ledger.sqlite (a PostgreSQL URI).
  explicit Traced(const std::string& recipient = "P-0001", const std::string& location = "")
      : ledger(location.empty() ? dir.file("ledger.sqlite") : location) {
    release_lot(dir, ledger);
    confirmation(ledger, {"A0", "no-go", recipient, "nurse-17", "nurse-22", "2026-11-21T12:50:00Z",
                          "2026-11-21T13:55:00Z", "confirm.thaw-window-passed", 1});
    confirmation(ledger, {"A0", "go", recipient, "nurse-17", "nurse-22", "2026-11-21T13:40:00Z",
                          "2026-11-21T14:00:00Z", "", 1});
    late_result(ledger, "2026-11-21T16:00:00Z");
    const auto rc = recall_cli(ledger);
    INFO(rc.out << rc.err);
    REQUIRE(rc.code == 0);
  }
  test::CliResult trace(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"trace", kLot, "--trust", src("certs/trust"), "--ledger", ledger};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
  }
};

std::string sql(const std::string& db, const std::string& statements) {
  return run_process("sqlite3 " + quote_arg(db) + " " + quote_arg(statements)).output;
}

// Where `needle` starts in `haystack`, for checking the order of keys and lines.
std::size_t at(const std::string& haystack, const std::string& needle) {
  const auto p = haystack.find(needle);
  INFO(needle);
  CHECK(p != std::string::npos);
  return p;
}

}  // namespace

LEDGER_TEST_CASE("trace: each dose of the lot, whether and to whom it was given", "[trace]") {
  Traced lot("P-0001", store.postgresql() ? test::pg_new_database() : "");
  const auto r = lot.trace();
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const std::string eye = isbt128::din_eye_readable(kLot);
  CHECK(r.out.rfind("Look-back: lot " + eye + " (" + kLot + ")\n", 0) == 0);
  CHECK(contains(r.out, ", verified for this lot"));
  CHECK(contains(r.out, "RECALLED: entry 6 at 2026-11-22T08:00:00Z by " + kReleaser +
                            ": Sterility retest positive\n"));
  CHECK(contains(r.out,
                 "Doses: 2; given: 1 (1 distinct recipient, 0 GO confirmations without a "
                 "recipient); not given (NO-GO only): 0; not confirmed: 1\n"));
  // The release: when, by whom, which specification.
  CHECK(contains(r.out, "  1      2026-11-21T12:00:00Z  " + kReleaser +
                            "  releasable  wj-msc version 1  COA-QCL01-2026-0147  A0 B0"));
  // The late results, their decision and reason lines.
  CHECK(contains(r.out,
                 "complete  release entry 1  mycoplasma: not detected (NAT); sterility: "
                 "no growth after 14 days"));
  // Dose A0: its two confirmations, in order, with every bedside field.
  const auto a0 = at(r.out, "Dose A0 (release entry 1): GIVEN to P-0001\n");
  const auto no_go = at(r.out,
                        "  3      2026-11-21T13:55:00Z  NO-GO   P-0001     nurse-17  "
                        "nurse-22      2026-11-21T12:50:00Z  confirm.thaw-window-passed");
  const auto go = at(r.out,
                     "  4      2026-11-21T14:00:00Z  GO      P-0001     nurse-17  "
                     "nurse-22      2026-11-21T13:40:00Z  -");
  const auto b0 = at(r.out, "Dose B0 (release entry 1): not confirmed\n");
  CHECK(a0 < no_go);
  CHECK(no_go < go);
  CHECK(go < b0);
  CHECK(contains(r.out, "\nChain head: entry 6, SHA-256 "));
}

LEDGER_TEST_CASE(
    "trace --format json: the lot, releases, doses with confirmations, results, recalls",
    "[trace]") {
  Traced lot("P-0001", store.postgresql() ? test::pg_new_database() : "");
  confirmation(lot.ledger, {"B0", "no-go", "P-0002", "nurse-18", "", "", "2026-11-22T09:00:00Z",
                            "confirm.recalled", 1});
  const auto r = lot.trace({"--format", "json"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  // Stable key order.
  const auto keys = {
      "\"version\": 1",  "\"command\": \"trace\"", "\"ledger\": ",   "\"decision\": \"verified\"",
      "\"lot\": {",      "\"recalled\": true",     "\"summary\": {", "\"releases\": [",
      "\"doses\": [",    "\"results\": [",         "\"recalls\": [", "\"chain_head\": {",
      "\"findings\": []"};
  std::size_t last = 0;
  for (const char* k : keys) {
    const auto p = at(r.out, k);
    CHECK(p >= last);
    last = p;
  }
  const auto doc = json::parse(r.out);
  CHECK(doc.get("lot")->text("din") == kLot);
  CHECK(doc.get("lot")->text("check_character") ==
        std::string(1, isbt128::din_check_character(kLot)));
  const auto* summary = doc.get("summary");
  CHECK(summary->get("doses")->integer() == 2);
  CHECK(summary->get("given")->integer() == 1);
  CHECK(summary->get("not_given")->integer() == 1);
  CHECK(summary->get("not_confirmed")->integer() == 0);
  CHECK(summary->get("recipients")->integer() == 1);
  const auto& releases = *doc.get("releases")->array();
  REQUIRE(releases.size() == 1);
  CHECK(releases[0].text("spec_id") == "wj-msc");
  CHECK(releases[0].text("spec_version") == "1");
  CHECK(releases[0].text("actor") == kReleaser);
  const auto& doses = *doc.get("doses")->array();
  REQUIRE(doses.size() == 2);
  CHECK(doses[0].text("division") == "A0");
  CHECK(doses[0].text("status") == "given");
  CHECK(doses[1].text("status") == "not-given");
  const auto& confirmations = *doses[0].get("confirmations")->array();
  REQUIRE(confirmations.size() == 2);
  const auto& given = confirmations[1];
  CHECK(given.get("seq")->integer() == 4);
  CHECK(given.text("decision") == "go");
  CHECK(given.text("recipient") == "P-0001");
  CHECK(given.text("staff") == "nurse-17");
  CHECK(given.text("second_staff") == "nurse-22");
  CHECK(given.text("thawed_at") == "2026-11-21T13:40:00Z");
  CHECK(given.get("refers_to")->integer() == 1);
  CHECK(given.get("signed")->boolean() == false);
  CHECK(confirmations[0].get("reasons")->array()->front().string() == "confirm.thaw-window-passed");
  const auto& results = *doc.get("results")->array();
  REQUIRE(results.size() == 1);
  CHECK(results[0].text("decision") == "complete");
  CHECK(results[0].get("reasons")->array()->size() == 2);
  CHECK(results[0].get("signed")->boolean() == true);
  const auto& recalls = *doc.get("recalls")->array();
  REQUIRE(recalls.size() == 1);
  CHECK(recalls[0].text("reason") == "Sterility retest positive");
  CHECK(doc.get("chain_head")->get("seq")->integer() == 7);
}

TEST_CASE("trace --format csv: one row per confirmation and per unconfirmed dose, formula-safe",
          "[trace][escape]") {
  Traced lot("=HYPERLINK(\"http://x.example/\",\"P-0001\")");
  const auto r = lot.trace({"--format", "csv"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.rfind("\xEF\xBB\xBF"
                    "din,division,dose_status,release_entry,released_at_utc,released_by,",
                    0) == 0);
  CHECK(r.out.substr(r.out.size() - 2) == "\r\n");
  // Two confirmations of A0 and one row for B0, between the header and the chain head (which
  // starts with the DIN too).
  std::size_t rows = 0;
  for (std::size_t p = 0; (p = r.out.find("\r\n" + kLot + ",", p)) != std::string::npos; ++p)
    ++rows;
  CHECK(rows == 4);
  CHECK(contains(r.out, "\r\n" + kLot + ",A0,given,1,2026-11-21T12:00:00Z,"));
  CHECK(contains(r.out, "\r\n" + kLot + ",B0,not-confirmed,1,2026-11-21T12:00:00Z,"));
  // The recipient a spreadsheet would run as a formula is neutralised and quoted.
  CHECK(contains(r.out, ",go,\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"P-0001\"\")\",nurse-17,"));
  CHECK_FALSE(contains(r.out, ",=HYPERLINK"));
  CHECK_FALSE(contains(r.out, ",\"=HYPERLINK"));
  // The chain head: a row of the header's shape, marked in dose_status, entry and hash last.
  std::vector<std::string> lines;
  for (std::size_t p = 0, q = 0; (q = r.out.find("\r\n", p)) != std::string::npos; p = q + 2)
    lines.push_back(r.out.substr(p, q - p));
  REQUIRE(lines.size() == 5);  // header, three rows, chain head
  const auto commas = [](const std::string& l) { return std::count(l.begin(), l.end(), ','); };
  CHECK(contains(lines[0], ",lot_recalls,chain_head_entry,chain_head_sha256"));
  CHECK(lines[4].rfind(kLot + ",,chain-head,", 0) == 0);
  CHECK(commas(lines[4]) == commas(lines[0]));
  CHECK(lines[4].substr(lines[4].size() - 67, 3) == ",6,");
  CHECK(lines[4].find_first_not_of("0123456789abcdef", lines[4].size() - 64) == std::string::npos);
}

TEST_CASE("trace and history show a hostile recipient id escaped, never obeyed",
          "[trace][escape]") {
  // Erase the line, move up, and a right-to-left override that would reverse the text after it.
  Traced lot("\x1b[2K\x1b[1A\xE2\x80\xAEP-0001");
  const std::string shown = "\\x1b[2K\\x1b[1A\\u202eP-0001";
  const auto r = lot.trace();
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK_FALSE(contains(r.out, "\x1b"));
  CHECK_FALSE(contains(r.out, "\xE2\x80\xAE"));
  CHECK(contains(r.out, "GIVEN to " + shown + "\n"));
  CHECK(contains(r.out, "  GO      " + shown + "  nurse-17"));
  const auto h = run_cli({"history", "--ledger", lot.ledger, "--kind", "confirm"});
  REQUIRE(h.code == 0);
  CHECK_FALSE(contains(h.out, "\x1b"));
  CHECK(contains(h.out, "recipient " + shown + ", second staff nurse-22"));
  // JSON escapes the controls and gives back the exact id.
  const auto j = lot.trace({"--format", "json"});
  CHECK_FALSE(contains(j.out, "\x1b"));
  const auto doc = json::parse(j.out);
  CHECK(doc.get("doses")->array()->front().get("recipients")->array()->front().string() ==
        "\x1b[2K\x1b[1A\xE2\x80\xAEP-0001");
}

TEST_CASE("trace: the DIN as typed or scanned, a wrong check character, a lot never seen",
          "[trace]") {
  Traced lot;
  const std::string eye = isbt128::din_eye_readable(kLot);  // "A9999 26 000147 9"
  auto trace = [&](const std::string& din) {
    return run_cli({"trace", din, "--trust", src("certs/trust"), "--ledger", lot.ledger});
  };
  CHECK(trace(eye).code == 0);
  CHECK(trace("=" + kLot + isbt128::din_check_flags(kLot)).code == 0);
  std::string wrong = eye;
  wrong.back() = wrong.back() == 'Z' ? 'Y' : static_cast<char>(wrong.back() + 1);
  auto r = trace(wrong);
  CHECK(r.code == 2);
  CHECK(contains(
      r.err, "check character '" + std::string(1, wrong.back()) + "' does not match DIN " + kLot));
  r = trace("A99");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "'A99' is not a DIN: give the 13-character DIN"));
  // A lot this ledger never saw: dosegate cannot answer for it (another ledger, a typo).
  r = trace("A999926000999");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "[trace.unknown-lot]"));
  CHECK(contains(r.err, lot.ledger + ": the ledger holds no entry for lot A999926000999"));
  r = run_cli({"trace", kLot, "--ledger", lot.ledger});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --trust DIR"));
  r = run_cli(
      {"trace", kLot, "--trust", src("certs/trust"), "--ledger", lot.dir.file("no.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no.sqlite: no ledger at this path"));
}

TEST_CASE("trace: a lot the ledger only rejected shows no release and no dose", "[trace]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  std::vector<std::string> args{"release",  src("samples/coa-viability-90.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("out"),
                                "--ledger", ledger,
                                "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  REQUIRE(test::run_cli_at(args, "2026-11-21T12:00:00Z").code == 1);
  const auto r =
      run_cli({"trace", "A999926000162", "--trust", src("certs/trust"), "--ledger", ledger});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Not recalled.\n"));
  CHECK(contains(r.out, "Rejections: 1 (dosegate history --lot A999926000162 lists them)\n"));
  CHECK(contains(r.out, "Doses: 0; given: 0"));
  CHECK(contains(r.out, "Releases\n  none: this ledger holds no release of the lot\n"));
  CHECK_FALSE(contains(r.out, "Dose "));
}

TEST_CASE("trace: a dose only a confirmation names is listed, without a release", "[trace]") {
  Traced lot;
  // A record from another site's ledger, confirmed here: the dose is never left out.
  confirmation(lot.ledger,
               {"C0", "go", "P-0009", "nurse-40", "", "", "2026-11-22T09:00:00Z", "", 0});
  const auto r = lot.trace();
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Doses: 3; given: 2 (2 distinct recipients"));
  CHECK(contains(r.out, "\nDose C0 (no release of this dose in this ledger): GIVEN to P-0009\n"));
}

TEST_CASE("trace: a forged unsigned recall makes the ledger not verify, and no look-back is shown",
          "[trace][forgery]") {
  Traced lot;
  {
    // Written into the file by someone without a key: a second recall, unsigned.
    auto l = ledger::Ledger::open(lot.ledger, false);
    ledger::Entry e;
    e.kind = "recall";
    e.decision = "recalled";
    e.at = "2026-11-22T09:00:00Z";
    e.actor = "nurse-9";
    e.din = kLot;
    e.divisions = {"A0", "B0"};
    e.reason = "forged";
    l.append_alone(e);
  }
  auto r = lot.trace();
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(r.out.rfind("NOT VERIFIED: the ledger " + lot.ledger + " does not verify for lot ", 0) ==
        0);
  CHECK(contains(r.out, "  ledger.signature-missing  entry 7: a recall entry must be signed"));
  CHECK_FALSE(contains(r.out, "Dose A0"));
  CHECK_FALSE(contains(r.out, "P-0001"));
  r = lot.trace({"--format", "json"});
  CHECK(r.code == 1);
  const auto doc = json::parse(r.out);
  CHECK(doc.text("decision") == "not-verified");
  CHECK(doc.get("doses") == nullptr);
  CHECK(doc.get("findings")->array()->front().text("code") == "ledger.signature-missing");
  r = lot.trace({"--format", "csv"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "NOT VERIFIED"));
}

TEST_CASE("trace: a recipient changed in the database file is reported, not shown",
          "[trace][tamper]") {
  Traced lot;
  const auto out = sql(lot.ledger,
                       "DROP TRIGGER entries_append_only_update; "
                       "UPDATE entries SET recipient='P-0666' WHERE seq=4;");
  INFO(out);
  REQUIRE(out.empty());
  const auto r = lot.trace();
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "NOT VERIFIED"));
  CHECK(contains(r.out, "ledger.entry-changed  entry 4: its content does not match its hash"));
  CHECK_FALSE(contains(r.out, "P-0666"));
}

TEST_CASE("recall: says how many doses were already given, to how many recipients",
          "[trace][recall]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  release_lot(dir, ledger);
  // A0 given to P-0001, B0 given with no recipient recorded (a confirm before schema 3).
  confirmation(ledger,
               {"A0", "go", "P-0001", "nurse-17", "nurse-22", "", "2026-11-21T14:00:00Z", "", 1});
  confirmation(ledger, {"B0", "go", "", "nurse-18", "", "", "2026-11-21T15:00:00Z", "", 0});
  const auto r = recall_cli(ledger);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out,
                 "Look-back: 2 of the lot's 2 doses were already given (confirmed GO): 1 "
                 "distinct recipient recorded, 1 GO confirmation without a recipient.\n"));
  CHECK(contains(
      r.out, "dosegate trace " + kLot + " --trust " + src("certs/trust") + " --ledger " + ledger));

  // The library: the counts are in RecallResult, read after the recall.
  TempDir other;
  const auto second = other.file("ledger.sqlite");
  release_lot(other, second);
  confirmation(second, {"A0", "no-go", "P-0003", "nurse-17", "", "", "2026-11-21T13:00:00Z",
                        "confirm.wrong-dose", 1});
  confirmation(second, {"A0", "go", "P-0003", "nurse-17", "", "", "2026-11-21T14:00:00Z", "", 1});
  RecallOptions o;
  o.din = kLot;
  o.reason = "Sterility retest positive";
  o.trust_dir = src("certs/trust");
  o.signer.key = pki("releaser.key.pem");
  o.signer.cert = pki("releaser.cert.pem");
  o.signer.chain = pki("qa-chain.pem");
  o.ledger_path = second;
  o.at = *parse_utc_instant("2026-11-22T08:00:00Z");
  const auto result = recall(o, {});
  CHECK(result.look_back.verified());
  CHECK(result.look_back.doses == 2);
  CHECK(result.look_back.doses_given == 1);
  CHECK(result.look_back.go_confirmations == 1);
  CHECK(result.look_back.recipients == 1);
  CHECK(result.look_back.go_without_recipient == 0);
}

TEST_CASE("recall of a lot none of whose doses was given says so", "[trace][recall]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  release_lot(dir, ledger);
  const auto r = recall_cli(ledger);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out,
                 "Look-back: none of the lot's 2 doses were confirmed GO (given) before the "
                 "recall.\n"));
}

TEST_CASE("recall from a ledger that does not verify marks its look-back NOT VERIFIED",
          "[trace][recall][forgery]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  release_lot(dir, ledger);
  confirmation(ledger, {"A0", "go", "P-0001", "nurse-17", "", "", "2026-11-21T14:00:00Z", "", 1});
  {
    // A late result written into the file without a key: results entries must be signed.
    auto l = ledger::Ledger::open(ledger, false);
    ledger::Entry e;
    e.kind = "results";
    e.decision = "complete";
    e.at = "2026-11-21T15:00:00Z";
    e.actor = "QA";
    e.din = kLot;
    e.divisions = {"A0", "B0"};
    e.refers_to = 1;
    l.append_alone(e);
  }
  const auto r = recall_cli(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);  // the recall is recorded whatever the ledger holds before it
  CHECK(contains(r.out,
                 "Look-back NOT VERIFIED: the ledger does not verify for this lot "
                 "(ledger.signature-missing: entry 4: a results entry must be signed"));
  CHECK(contains(r.out, "Look-back: 1 of the lot's 2 doses was already given"));
}

TEST_CASE("history: a confirmation's recipient, second staff and thaw time, a result's release",
          "[trace][ledger]") {
  Traced lot;
  const auto r = run_cli({"history", "--ledger", lot.ledger});
  INFO(r.out);
  REQUIRE(r.code == 0);
  // The actor ends the entry's line; what it recorded beside the reason is on the next one.
  CHECK(contains(r.out,
                 "  nurse-17\n     recipient P-0001, second staff nurse-22, thawed "
                 "2026-11-21T13:40:00Z, release entry 1\n"));
  CHECK(contains(r.out,
                 "recipient P-0001, second staff nurse-22, thawed 2026-11-21T12:50:00Z, "
                 "release entry 1; confirm.thaw-window-passed\n"));
  CHECK(contains(r.out, "results  complete"));
  CHECK(contains(r.out, "release entry 1; mycoplasma: not detected (NAT);sterility: no growth"));
}
