// The ledger: every decision kept, hash-chained and signed; `history`, `audit`, `recall`;
// tampering with the database file directly is caught; nothing is lost when a release is
// killed between its steps; two releases at once both land.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger_store.hpp"
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

std::string src(const std::string& relative) {
  return test::source(relative);
}

test::CliResult release(const std::string& coa, const std::string& out, const std::string& ledger,
                        const std::string& at = "2026-11-21T12:00:00Z",
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, at);
}

test::CliResult audit(const std::string& ledger, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"audit", "--trust", src("certs/trust"), "--ledger", ledger};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

std::string sql(const std::string& db, const std::string& statements) {
  const auto r = run_process("sqlite3 " + quote_arg(db) + " " + quote_arg(statements));
  return r.output;
}

// A ledger with a release (entries 1, 2), a rejection (3) and a recall (4).
// With `protected_key`, the releaser's key is the passphrase-protected PKCS#12 file, so that no
// entry carries the key.unprotected warning (as in ledgers written before schema 3).
void populate(const TempDir& dir, const std::string& ledger, bool protected_key = false) {
  const std::vector<std::string> p12{"--key", test::pki("releaser.p12"), "--passphrase-file",
                                     test::pki("releaser.p12.passphrase")};
  auto signer = protected_key ? p12 : releaser();
  auto with = [&](const std::string& coa, const std::string& at) {
    std::vector<std::string> args{"release",          src(coa), "--trust",
                                  src("certs/trust"), "--out",  dir.file("out"),
                                  "--ledger",         ledger,   "--quiet"};
    args.insert(args.end(), signer.begin(), signer.end());
    return test::run_cli_at(args, at);
  };
  REQUIRE(with("samples/coa-pass.xml", "2026-11-21T12:00:00Z").code == 0);
  REQUIRE(with("samples/coa-viability-90.xml", "2026-11-21T13:00:00Z").code == 1);
  std::vector<std::string> args{
      "recall",  "A999926000147",    "--reason", "Sterility retest positive",
      "--trust", src("certs/trust"), "--ledger", ledger};
  for (const auto& a : signer) args.push_back(a);
  const auto r = test::run_cli_at(args, "2026-11-22T08:00:00Z");
  INFO(r.err);
  REQUIRE(r.code == 0);
}

// One confirmation appended through a connection of its own, as a `confirm` process does.
void append_confirmation(const std::string& ledger, int i) {
  auto l = ledger::Ledger::open(ledger, true);
  l.begin();
  ledger::Entry e;
  e.kind = "confirm";
  e.at = "2026-11-21T12:00:00Z";
  e.actor = "nurse-" + std::to_string(i);
  e.din = "A999926000147";
  e.divisions = {"S1234VA0"};
  e.decision = "go";
  l.prepare(e);
  l.append(e);
  l.commit();
}

std::uintmax_t wal_size(const std::string& ledger) {
  const auto wal = fs::path(ledger + "-wal");
  return fs::exists(wal) ? fs::file_size(wal) : 0;
}

void require_tampered(const std::string& ledger, const std::string& code,
                      const std::string& first) {
  const auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "TAMPERED"));
  CHECK(contains(r.out, code));
  CHECK(contains(r.out, first));
}

}  // namespace

LEDGER_TEST_CASE(
    "every decision is in the ledger: release, records, rejection with reasons, recall",
    "[ledger]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  const auto r = run_cli({"history", "--ledger", ledger, "--format", "json"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "\"kind\": \"release\""));
  CHECK(contains(r.out, "\"kind\": \"records\""));
  CHECK(contains(r.out, "\"kind\": \"rejection\""));
  CHECK(contains(r.out, "criterion.failed: 'viability-post-thaw' is 90.0 %"));
  CHECK(contains(r.out, "\"kind\": \"recall\""));
  CHECK(contains(r.out, "\"reason\": \"Sterility retest positive\""));
  CHECK(contains(r.out, "\"file\": \"A999926000147-S1234V00-A0.pdf\""));
  CHECK(contains(r.out, "\"spec_id\": \"wj-msc\""));
  CHECK(contains(r.out, "\"coa_id\": \"COA-QCL01-2026-0147\""));
  CHECK(contains(r.out, "\"actor_sha256\": \""));
  CHECK(contains(r.out, "\"signed\": true"));
  CHECK(contains(r.out, "\"chain_head\": {\n    \"seq\": 4,"));
  // The records in the ledger are the files written, byte for byte.
  const auto sha =
      run_process("sha256sum " + quote_arg(dir.file("out/A999926000147-S1234V00-B0.pdf")));
  CHECK(contains(r.out, "\"sha256\": \"" + sha.output.substr(0, 64) + "\""));
}

LEDGER_TEST_CASE("the release record shows its ledger entry's number and hash", "[ledger]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  REQUIRE(release("samples/coa-pass.xml", dir.file("out"), ledger).code == 0);
  const auto history =
      run_cli({"history", "--ledger", ledger, "--kind", "release", "--format", "csv"});
  const auto line = history.out.substr(history.out.find("\r\n1,") + 2);
  const auto hash = line.substr(line.find("\r\n") - 64, 64);
  const auto txt = run_process("pdftotext -layout " +
                               quote_arg(dir.file("out/A999926000147-S1234V00-A0.pdf")) + " -");
  CHECK(contains(txt.output, "Ledger entry"));
  CHECK(contains(txt.output, "1, SHA-256 " + hash));
}

LEDGER_TEST_CASE("history: filters, table, and a CSV a spreadsheet opens", "[ledger]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  auto r = run_cli({"history", "--ledger", ledger});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "4 entries shown."));
  CHECK(contains(r.out, "Chain head: entry 4, SHA-256 "));
  r = run_cli({"history", "--ledger", ledger, "--lot", "A999926000162"});
  CHECK(contains(r.out, "1 entry shown."));
  CHECK(contains(r.out, "rejection"));
  CHECK(contains(r.out, "Chain head: entry 4"));  // the whole ledger's head, whatever the filter
  r = run_cli({"history", "--ledger", ledger, "--kind", "recall"});
  CHECK(contains(r.out, "1 entry shown."));
  r = run_cli({"history", "--ledger", ledger, "--since", "2026-11-21T12:30:00Z", "--until",
               "2026-11-21T23:59:59Z"});
  CHECK(contains(r.out, "1 entry shown."));
  r = run_cli({"history", "--ledger", ledger, "--format", "csv"});
  CHECK(r.out.rfind("\xEF\xBB\xBFseq,at_utc,kind,", 0) == 0);
  CHECK(contains(r.out, "\r\n1,2026-11-21T12:00:00Z,release,releasable,A999926000147,A0 B0,"));
  CHECK(contains(r.out, "\"CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE\""));
  CHECK(contains(r.out, "\r\n4,2026-11-22T08:00:00Z,chain-head,,"));
  CHECK(r.out.substr(r.out.size() - 2) == "\r\n");
}

TEST_CASE("history and audit: usage errors and unreadable ledgers exit 2", "[ledger]") {
  TempDir dir;
  auto r = run_cli({"history", "--ledger", dir.file("none.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "none.sqlite: no ledger at this path"));
  r = run_cli({"history", "--ledger", dir.file("none.sqlite"), "--format", "xml"});
  CHECK(r.code == 2);
  r = run_cli({"history", "--ledger", dir.file("none.sqlite"), "--lot", "A99"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is not a 13-character DIN"));
  std::ofstream(dir.file("garbage.sqlite")) << "this is not a database, it is text\n";
  r = run_cli({"history", "--ledger", dir.file("garbage.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "garbage.sqlite"));
  r = run_cli({"audit", "--ledger", dir.file("garbage.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --trust DIR"));
}

LEDGER_TEST_CASE("audit: an intact ledger, and an expected chain head", "[ledger]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "INTACT: 4 entries"));
  const auto json = run_cli({"history", "--ledger", ledger, "--format", "json"});
  const auto at = json.out.rfind("\"hash\": \"") + 9;
  const auto head = json.out.substr(at, 64);
  CHECK(audit(ledger, {"--expect-head", head}).code == 0);
  r = audit(ledger, {"--expect-head", std::string(64, 'a')});
  CHECK(r.code == 1);
  CHECK(contains(r.out, "ledger.head-missing"));
  r = audit(ledger, {"--json"});
  CHECK(contains(r.out, "\"decision\": \"intact\""));
}

LEDGER_TEST_CASE("the database refuses UPDATE and DELETE", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  CHECK(contains(store.sql("UPDATE entries SET reason='x' WHERE seq=3;"), "append-only"));
  CHECK(contains(store.sql("DELETE FROM entries WHERE seq=4;"), "append-only"));
  CHECK(audit(ledger).code == 0);
}

LEDGER_TEST_CASE("tamper: a changed value", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  store.tamper(
      "DROP TRIGGER entries_append_only_update; UPDATE entries SET decision='releasable' "
      "WHERE seq=3; CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries "
      "BEGIN SELECT RAISE(ABORT, 'x'); END;",
      "ALTER TABLE entries DISABLE TRIGGER USER; UPDATE entries SET decision='releasable' "
      "WHERE seq=3; ALTER TABLE entries ENABLE TRIGGER USER;");
  require_tampered(ledger, "ledger.entry-changed", "entry 3:");
}

LEDGER_TEST_CASE("tamper: a value changed together with its payload and hash", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  // Rewriting the hash as well breaks the next entry's link, or the signature.
  store.tamper(
      "DROP TRIGGER entries_append_only_update; UPDATE entries SET reason='none', "
      "payload=replace(payload, 'Sterility retest positive', 'none') WHERE seq=4;",
      "ALTER TABLE entries DISABLE TRIGGER USER; UPDATE entries SET reason='none', "
      "payload=replace(payload, 'Sterility retest positive', 'none') WHERE seq=4; "
      "ALTER TABLE entries ENABLE TRIGGER USER;");
  require_tampered(ledger, "ledger.entry-changed", "entry 4:");
}

LEDGER_TEST_CASE("tamper: a deleted entry", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  store.tamper("DROP TRIGGER entries_append_only_delete; DELETE FROM entries WHERE seq=2;",
               "ALTER TABLE entries DISABLE TRIGGER USER; DELETE FROM entries WHERE seq=2; "
               "ALTER TABLE entries ENABLE TRIGGER USER;");
  require_tampered(ledger, "ledger.entry-missing", "entry 2:");
}

LEDGER_TEST_CASE("tamper: reordered entries", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  store.tamper(
      "DROP TRIGGER entries_append_only_update; UPDATE entries SET seq=100 WHERE seq=3; "
      "UPDATE entries SET seq=3 WHERE seq=4; UPDATE entries SET seq=4 WHERE seq=100;",
      "ALTER TABLE entries DISABLE TRIGGER USER; UPDATE entries SET seq=100 WHERE seq=3; "
      "UPDATE entries SET seq=3 WHERE seq=4; UPDATE entries SET seq=4 WHERE seq=100; "
      "ALTER TABLE entries ENABLE TRIGGER USER;");
  require_tampered(ledger, "ledger.chain-broken", "entry 3:");
}

LEDGER_TEST_CASE("tamper: a truncated tail", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  store.tamper(
      "DROP TRIGGER entries_append_only_delete; DELETE FROM entries WHERE seq=4; "
      "CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries BEGIN SELECT "
      "RAISE(ABORT, 'x'); END;",
      "ALTER TABLE entries DISABLE TRIGGER USER; DELETE FROM entries WHERE seq=4; "
      "ALTER TABLE entries ENABLE TRIGGER USER;");
  require_tampered(ledger, "ledger.truncated", "entry 4:");
}

LEDGER_TEST_CASE("tamper: a forged signature", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  // Entry 3's signature replaced by entry 4's: a real signature, over other content.
  store.tamper(
      "DROP TRIGGER entries_append_only_update; UPDATE entries SET signature=(SELECT "
      "signature FROM entries WHERE seq=4) WHERE seq=3;",
      "ALTER TABLE entries DISABLE TRIGGER USER; UPDATE entries SET signature=(SELECT "
      "signature FROM entries WHERE seq=4) WHERE seq=3; ALTER TABLE entries ENABLE TRIGGER "
      "USER;");
  require_tampered(ledger, "ledger.signature-invalid", "entry 3:");
}

LEDGER_TEST_CASE("tamper: the append-only triggers dropped", "[ledger][tamper]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  populate(dir, ledger);
  store.tamper("DROP TRIGGER entries_append_only_update;",
               "DROP TRIGGER entries_append_only ON entries;");
  require_tampered(ledger, "ledger.triggers-missing", "append-only triggers were removed");
}

LEDGER_TEST_CASE("recall: refusals", "[ledger]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  REQUIRE(release("samples/coa-pass.xml", dir.file("out"), ledger).code == 0);
  std::vector<std::string> base{"recall",           "--reason", "r",   "--trust",
                                src("certs/trust"), "--ledger", ledger};
  auto never = base;
  never.insert(never.begin() + 1, "A999926000999");
  for (const auto& a : releaser()) never.push_back(a);
  auto r = run_cli(never);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "was never released"));
  auto lab = base;
  lab.insert(lab.begin() + 1, "A999926000147");
  lab.insert(lab.end(), {"--key", pki("lab-ec.key.pem"), "--cert", pki("lab-ec.cert.pem"),
                         "--chain", pki("lab-chain.pem")});
  r = run_cli(lab);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "signature.wrong-role"));
  r = run_cli({"recall", "A999926000147", "--trust", src("certs/trust"), "--ledger", ledger,
               "--key", pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --reason"));
  CHECK(contains(run_cli({"history", "--ledger", ledger}).out, "2 entries shown."));
}

// ---------------------------------------------------------------------------------------------
// Nothing lost: a crash injected between the steps of a release

namespace {
test::ProcessResult release_process(const TempDir& dir, const std::string& ledger,
                                    const std::string& crash_at) {
  std::string cmd = "DOSEGATE_TEST_NOW=2026-11-21T12:00:00Z DOSEGATE_TEST_CRASH_AT=" + crash_at +
                    " " + quote_arg(DOSEGATE_BINARY) + " release " +
                    quote_arg(src("samples/coa-pass.xml")) + " --trust " +
                    quote_arg(src("certs/trust")) + " --out " + quote_arg(dir.file("out")) +
                    " --ledger " + quote_arg(ledger) + " --quiet";
  for (const auto& a : releaser()) cmd += " " + quote_arg(a);
  return run_process(cmd);
}

// The files of a directory, but for its dot files (the release lock).
std::vector<std::string> files(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] != '.') out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string> kRecords{"A999926000147-S1234V00-A0.pdf",
                                        "A999926000147-S1234V00-B0.pdf"};
}  // namespace

LEDGER_TEST_CASE(
    "crash before the ledger commits: no entry, no record, and the next release cleans up",
    "[ledger][crash]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  const auto r = release_process(dir, ledger, "before-commit");
  CHECK(r.code == 86);
  CHECK(contains(run_cli({"history", "--ledger", ledger}).out, "0 entries shown."));
  for (const auto& f : kRecords) CHECK_FALSE(fs::exists(dir.file("out/" + f)));
  // The next release removes the unrecorded leftovers and releases normally.
  const auto again = release_process(dir, ledger, "none");
  INFO(again.output);
  CHECK(again.code == 0);
  CHECK(contains(again.output, "its release was never recorded"));
  CHECK(files(dir.file("out")) == kRecords);
  CHECK(audit(ledger).code == 0);
  CHECK(contains(run_cli({"history", "--ledger", ledger}).out, "2 entries shown."));
}

LEDGER_TEST_CASE("crash after the ledger commits: the next release completes the records",
                 "[ledger][crash]") {
  for (const std::string step : {"after-commit", "mid-rename"}) {
    INFO(step);
    TempDir dir;
    const auto ledger = store.fresh(dir);
    CHECK(release_process(dir, ledger, step).code == 86);
    const auto history = run_cli({"history", "--ledger", ledger, "--format", "json"});
    CHECK(contains(history.out, "\"kind\": \"records\""));  // the release is committed
    const auto again = release_process(dir, ledger, "none");
    INFO(again.output);
    CHECK(contains(again.output, "recorded in the ledger"));
    CHECK(again.code == 2);  // the records exist now: dosegate never releases a lot twice
    CHECK(files(dir.file("out")) == kRecords);
    for (const auto& f : kRecords) {
      const auto sha =
          run_process("sha256sum " + quote_arg(dir.file("out/" + f))).output.substr(0, 64);
      CHECK(
          contains(history.out, "\"file\": \"" + f + "\",\n          \"sha256\": \"" + sha + "\""));
    }
    CHECK(audit(ledger).code == 0);
  }
}

LEDGER_TEST_CASE("two releases started at the same moment both land, in order",
                 "[ledger][concurrency]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  auto cmd = [&](const std::string& coa, const std::string& out, const std::string& extra) {
    std::string c = "DOSEGATE_TEST_NOW=2026-11-21T12:00:00Z " + quote_arg(DOSEGATE_BINARY) +
                    " release " + quote_arg(src(coa)) + " --trust " +
                    quote_arg(src("certs/trust")) + " --out " + quote_arg(dir.file(out)) +
                    " --ledger " + quote_arg(ledger) + " --quiet " + extra;
    for (const auto& a : releaser()) c += " " + quote_arg(a);
    return c;
  };
  const auto r = run_process(
      "(" + cmd("samples/coa-pass.xml", "a", "") + " > " + quote_arg(dir.file("a.log")) +
      " 2>&1; echo $? > " + quote_arg(dir.file("a.rc")) + ") & (" +
      cmd("samples/coa-exosome-pass.xml", "b",
          "--spec " + quote_arg(src("samples/specs/msc-exosome.signed.xml"))) +
      " > " + quote_arg(dir.file("b.log")) + " 2>&1; echo $? > " + quote_arg(dir.file("b.rc")) +
      ") & wait");
  INFO(test::read_file_text(dir.file("a.log")) << test::read_file_text(dir.file("b.log")));
  CHECK(test::read_file_text(dir.file("a.rc")) == "0\n");
  CHECK(test::read_file_text(dir.file("b.rc")) == "0\n");
  const auto history = run_cli({"history", "--ledger", ledger, "--format", "csv"});
  CHECK(contains(history.out, "A999926000147"));
  CHECK(contains(history.out, "A999926000212"));
  // Each release's two entries are adjacent: release then records, for each lot.
  const auto a = history.out.find(",release,releasable,A999926000147");
  const auto b = history.out.find(",release,releasable,A999926000212");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  const auto first = std::min(a, b);
  const auto records_after_first = history.out.find(",records,", first);
  const auto second = std::max(a, b);
  CHECK(records_after_first < second);
  const auto audited = audit(ledger);
  INFO(audited.out);
  CHECK(audited.code == 0);
  CHECK(contains(audited.out, "INTACT: 4 entries"));
}

TEST_CASE("the WAL stays short when every append comes from a new process", "[ledger]") {
  // Each short-lived process re-reads the whole WAL when it opens the ledger; the WAL must be
  // folded into the database as it grows, not left to grow with every confirmation.
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  for (int i = 0; i < 300; ++i) append_confirmation(ledger, i);
  const auto wal_bytes = wal_size(ledger);
  INFO("WAL bytes: " << wal_bytes);
  CHECK(wal_bytes < 128 * 4120);  // 128 pages: twice the threshold at which it is folded
  const auto audited = audit(ledger);
  INFO(audited.out);
  CHECK(audited.code == 0);
  CHECK(contains(audited.out, "INTACT: 300 entries"));
}

TEST_CASE("the recall check finds a lot's recalls by index, not among all its confirmations",
          "[ledger]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);
  const auto plan = sql(ledger,
                        "EXPLAIN QUERY PLAN SELECT * FROM entries WHERE 1=1 AND din = "
                        "'A999926000147' AND kind = 'recall' ORDER BY seq");
  INFO(plan);
  CHECK(contains(plan, "USING INDEX entries_din_kind (din=? AND kind=?)"));
}

TEST_CASE("a reader holding an old snapshot delays folding the WAL, never an append",
          "[ledger][concurrency]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  append_confirmation(ledger, 0);
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open(ledger.c_str(), &reader) == SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM entries;", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  // Folding needs the reader gone; waiting for it (the 60 s busy timeout) would stall every
  // append past the threshold.
  const auto start = std::chrono::steady_clock::now();
  for (int i = 1; i <= 100; ++i) append_confirmation(ledger, i);
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
          .count();
  CHECK(seconds < 30);
  CHECK(wal_size(ledger) > 64 * 4120);  // held back while the reader stays
  // The reader ends its transaction but stays connected (closing the last connection would
  // fold the WAL itself).
  REQUIRE(sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr) == SQLITE_OK);
  append_confirmation(ledger, 101);
  CHECK(wal_size(ledger) == 0);  // folded and truncated by the next append
  sqlite3_close(reader);
  const auto audited = audit(ledger);
  INFO(audited.out);
  CHECK(audited.code == 0);
  CHECK(contains(audited.out, "INTACT: 102 entries"));
}

LEDGER_TEST_CASE("history CSV: cells that a spreadsheet could run as formulas are neutralised",
                 "[ledger][escape]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  const std::vector<std::string> actors = {"=1+1",   "+1",     "-1",       "@SUM(A1)",
                                           "\t=1+1", "\r=1+1", "nurse\t17"};
  for (const auto& actor : actors) {
    auto l = ledger::Ledger::open(ledger, true);
    l.begin();
    ledger::Entry e;
    e.kind = "confirm";
    e.at = "2026-11-21T12:00:00Z";
    e.actor = actor;
    e.din = "A999926000147";
    e.divisions = {"S1234VA0"};
    e.decision = "go";
    l.prepare(e);
    l.append(e);
    l.commit();
  }
  const auto r = run_cli({"history", "--ledger", ledger, "--format", "csv"});
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, ",'=1+1,"));
  CHECK(contains(r.out, ",'+1,"));
  CHECK(contains(r.out, ",'-1,"));
  CHECK(contains(r.out, ",'@SUM(A1),"));
  CHECK(contains(r.out, ",'\t=1+1,"));      // a leading TAB, which some spreadsheets drop
  CHECK(contains(r.out, ",\"'\r=1+1\","));  // a leading CR, quoted as RFC 4180 asks
  CHECK_FALSE(contains(r.out, ",\t=1+1,"));
  CHECK(contains(r.out, ",nurse\t17,"));  // a TAB inside a cell is harmless
  // The table shows the same cells with their controls escaped.
  const auto table = run_cli({"history", "--ledger", ledger});
  CHECK(contains(table.out, "\\x09=1+1"));
  CHECK(contains(table.out, "\\x0d=1+1"));
  CHECK_FALSE(contains(table.out, "\t"));
  CHECK_FALSE(contains(table.out, "\r"));
}

TEST_CASE("a file that holds no ledger is refused and left untouched unless a command starts one",
          "[ledger]") {
  TempDir dir;
  const auto empty = dir.file("empty.sqlite");
  std::ofstream(empty).close();
  const auto other = dir.file("other.sqlite");
  sql(other, "CREATE TABLE patients(id TEXT);");
  const auto other_before = test::read_file_text(other);
  for (const auto& path : {empty, other}) {
    INFO(path);
    try {
      ledger::Ledger::open(path, false);
      FAIL("opened a file that holds no ledger");
    } catch (const Error& e) {
      CHECK(std::string(e.code()) == "ledger.schema");
      CHECK(contains(e.what(), "not a dosegate ledger"));
    }
    const auto r = run_cli({"history", "--ledger", path});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "not a dosegate ledger"));
  }
  CHECK(fs::file_size(empty) == 0);
  CHECK(test::read_file_text(other) == other_before);
  CHECK_FALSE(fs::exists(empty + "-wal"));
  // A command that starts a ledger still may.
  CHECK_NOTHROW(ledger::Ledger::open(empty, true));
  CHECK(fs::file_size(empty) > 0);
}

TEST_CASE("a schema 2 ledger gains the schema 3, 4 and 5 columns in place and stays intact",
          "[ledger][schema]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger, true);
  // Make it what a schema 2 dosegate left: the same table without the schema 3 and 4 columns.
  sql(ledger,
      "ALTER TABLE entries DROP COLUMN refers_to; ALTER TABLE entries DROP COLUMN recipient; "
      "ALTER TABLE entries DROP COLUMN second_staff; ALTER TABLE entries DROP COLUMN thawed_at; "
      "ALTER TABLE entries DROP COLUMN warnings; ALTER TABLE entries DROP COLUMN spec_approver; "
      "ALTER TABLE entries DROP COLUMN spec_approver_sha256; "
      "ALTER TABLE entries DROP COLUMN spec_approved_at; ALTER TABLE entries DROP COLUMN crls; "
      "PRAGMA user_version=2;");
  REQUIRE(sql(ledger, "PRAGMA user_version;") == "2\n");
  const auto before = sql(ledger, "SELECT seq, payload, hash FROM entries ORDER BY seq;");
  auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(sql(ledger, "PRAGMA user_version;") == "5\n");
  CHECK(sql(ledger, "SELECT seq, payload, hash FROM entries ORDER BY seq;") == before);
  // An entry with the new fields is appended after them, and the whole chain audits.
  {
    auto l = ledger::Ledger::open(ledger, false);
    ledger::Entry e;
    e.kind = "confirm";
    e.at = "2026-11-22T09:00:00Z";
    e.actor = "nurse-1";
    e.din = "A999926000147";
    e.decision = "no-go";
    e.recipient = "MRN-0001";
    e.second_staff = "nurse-2";
    e.thawed_at = "2026-11-22T08:30:00Z";
    e.refers_to = 1;
    l.append_alone(e);
  }
  r = audit(ledger);
  CHECK(r.code == 0);
  CHECK(contains(sql(ledger, "SELECT payload FROM entries ORDER BY seq DESC LIMIT 1;"),
                 "\"recipient\":\"MRN-0001\""));
  // The schema 3 fields are hashed: changing one in the payload and its column is caught.
  sql(ledger,
      "DROP TRIGGER entries_append_only_update; UPDATE entries SET recipient='MRN-9999', "
      "payload=replace(payload,'MRN-0001','MRN-9999') WHERE seq=5;");
  r = audit(ledger);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "entry 5"));
}

TEST_CASE("a schema 3 ledger gains the schema 4 and 5 columns in place and stays intact",
          "[ledger][schema]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);
  // What a schema 3 dosegate left: the same table without the approver's columns.
  sql(ledger,
      "ALTER TABLE entries DROP COLUMN spec_approver; "
      "ALTER TABLE entries DROP COLUMN spec_approver_sha256; "
      "ALTER TABLE entries DROP COLUMN spec_approved_at; ALTER TABLE entries DROP COLUMN crls; "
      "PRAGMA user_version=3;");
  const auto before = sql(ledger, "SELECT seq, payload, hash FROM entries ORDER BY seq;");
  auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(sql(ledger, "PRAGMA user_version;") == "5\n");
  CHECK(sql(ledger, "SELECT seq, payload, hash FROM entries ORDER BY seq;") == before);
  CHECK(sql(ledger, "SELECT count(*) FROM entries WHERE spec_approver = '';") ==
        sql(ledger, "SELECT count(*) FROM entries;"));
}

TEST_CASE("a schema 4 ledger gains the revocation data column in place and stays intact",
          "[ledger][schema]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);
  sql(ledger, "ALTER TABLE entries DROP COLUMN crls; PRAGMA user_version=4;");
  const auto before =
      sql(ledger, "SELECT seq, payload, hash, hex(signature) FROM entries ORDER BY seq;");
  auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(sql(ledger, "PRAGMA user_version;") == "5\n");
  CHECK(sql(ledger, "SELECT seq, payload, hash, hex(signature) FROM entries ORDER BY seq;") ==
        before);
  CHECK(sql(ledger, "SELECT count(*) FROM entries WHERE crls IS NULL;") == "4\n");
  // Entries appended now keep the CRLs current when they were signed.
  std::vector<std::string> args{"release",  src("samples/coa-pending-mycoplasma.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("out"),
                                "--ledger", ledger,
                                "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  const auto rel = test::run_cli_at(args, "2026-11-23T12:00:00Z");
  INFO(rel.err);
  REQUIRE(rel.code == 0);
  CHECK(sql(ledger, "SELECT count(*) FROM entries WHERE crls IS NOT NULL;") == "2\n");
  CHECK(audit(ledger).code == 0);
}

TEST_CASE("after a command exits, a plain copy of the ledger file alone holds every entry",
          "[ledger][backup]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);  // a release, a rejection and a recall, each its own process's work
  const auto head = run_cli({"ledger", "head", "--ledger", ledger});
  REQUIRE(head.code == 0);
  // What a person does for a backup or an offline tablet: copy the one file.
  fs::create_directories(dir.file("copy"));
  fs::copy_file(ledger, dir.file("copy/ledger.sqlite"));
  const auto copied = dir.file("copy/ledger.sqlite");
  const auto h = run_cli({"history", "--ledger", copied});
  INFO(h.out << h.err);
  CHECK(contains(h.out, "4 entries shown."));
  CHECK(run_cli({"ledger", "head", "--ledger", copied}).out == head.out);
  CHECK(audit(copied).code == 0);
}

TEST_CASE("ledger backup: a consistent copy while another connection appends", "[ledger][backup]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i) append_confirmation(ledger, i);
  });
  long long copied = 0;
  {
    const auto l = ledger::Ledger::open(ledger, false);
    copied = l.backup(dir.file("backup.sqlite"));
  }
  stop = true;
  writer.join();
  CHECK(copied >= 4);
  CHECK_FALSE(fs::exists(dir.file("backup.sqlite-wal")));
  CHECK_FALSE(fs::exists(dir.file("backup.sqlite.partial")));
  const auto a = audit(dir.file("backup.sqlite"));
  INFO(a.out << a.err);
  CHECK(a.code == 0);
  CHECK(contains(a.out, "INTACT: " + std::to_string(copied) + " entries"));
}

TEST_CASE("ledger backup and head: the command line and its refusals", "[ledger][backup]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  populate(dir, ledger);
  auto r = run_cli({"ledger", "backup", "--ledger", ledger, "--out", dir.file("b.sqlite")});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Backed up 4 entries"));
  // Never replaces a file, and leaves nothing behind when it cannot write.
  const auto before = test::read_file_text(dir.file("b.sqlite"));
  r = run_cli({"ledger", "backup", "--ledger", ledger, "--out", dir.file("b.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "the file exists; a backup never replaces a file"));
  CHECK(test::read_file_text(dir.file("b.sqlite")) == before);
  r = run_cli({"ledger", "backup", "--ledger", ledger, "--out", dir.file("no/such/b.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no directory"));
  CHECK_FALSE(fs::exists(dir.file("no")));
  r = run_cli({"ledger", "backup", "--ledger", ledger});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --out"));
  // head, as text and JSON, names the last entry; an empty ledger says so.
  r = run_cli({"ledger", "head", "--ledger", ledger, "--json"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"seq\": 4"));
  const auto last = ledger::Ledger::open(ledger, false).head();
  REQUIRE(last);
  CHECK(contains(r.out, "\"hash\": \"" + last->hash + "\""));
  ledger::Ledger::open(dir.file("empty.sqlite"), true);
  r = run_cli({"ledger", "head", "--ledger", dir.file("empty.sqlite")});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Chain head: none"));
  r = run_cli({"ledger"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "ledger needs a subcommand: init, migrate, backup or head"));
  r = run_cli({"ledger", "restore", "--ledger", ledger});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "unknown ledger subcommand 'restore'"));
}

TEST_CASE("ledger init: a new SQLite ledger, then says it is there, and --grant is PostgreSQL's",
          "[ledger]") {
  TempDir dir;
  const auto ledger = dir.file("new/ledger.sqlite");
  auto r = run_cli({"ledger", "init", ledger});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "a new, empty dosegate ledger (schema 5)"));
  CHECK(fs::exists(ledger));
  REQUIRE(release("samples/coa-pass.xml", dir.file("out"), ledger).code == 0);
  r = run_cli({"ledger", "init", "--ledger", ledger});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "is already there, with 2 entries"));
  r = run_cli({"ledger", "init", ledger, "--grant", "dosegate_site"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--grant names a PostgreSQL role"));
  r = run_cli({"ledger", "init", ledger, "other.sqlite"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "ledger init takes one ledger"));
  CHECK(audit(ledger).code == 0);
}
