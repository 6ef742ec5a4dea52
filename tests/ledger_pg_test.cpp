// The shared ledger on PostgreSQL, beyond what every ledger test case checks on both back ends
// (tests/ledger_test.cpp): many processes appending at once, what the database itself enforces
// and what its superuser can still do (audit names it), connection failures, the commit whose
// outcome is unknown, `ledger init` and `ledger migrate`. The server is the real PostgreSQL 15
// that the postgresql-start fixture runs.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/fields.hpp"
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

const std::string kReleased = "2026-11-21T12:00:00Z";

test::CliResult release(const std::string& coa, const std::string& out, const std::string& ledger,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, kReleased);
}

test::CliResult audit(const std::string& ledger) {
  return run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger});
}

// The shell command of a dosegate process, at the test clock.
std::string dosegate_process(const std::vector<std::string>& args,
                             const std::string& now = "2026-11-22T09:00:00Z") {
  std::string c = "DOSEGATE_TEST_NOW=" + now + " " + quote_arg(DOSEGATE_BINARY);
  for (const auto& a : args) c += " " + quote_arg(a);
  return c;
}

std::vector<std::string> release_args(const std::string& coa, const std::string& out,
                                      const std::string& ledger) {
  std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  return args;
}

// A ledger with a release (entries 1, 2), a rejection (3) and a recall (4).
void populate(const TempDir& dir, const std::string& ledger) {
  REQUIRE(release("samples/coa-pass.xml", dir.file("out"), ledger).code == 0);
  REQUIRE(release("samples/coa-viability-90.xml", dir.file("out"), ledger).code == 1);
  std::vector<std::string> args{
      "recall",  "A999926000147",    "--reason", "Sterility retest positive",
      "--trust", src("certs/trust"), "--ledger", ledger};
  for (const auto& a : releaser()) args.push_back(a);
  const auto r = test::run_cli_at(args, "2026-11-22T08:00:00Z");
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void require_tampered(const std::string& ledger, const std::string& code, const std::string& what) {
  const auto r = audit(ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "TAMPERED"));
  CHECK(contains(r.out, code));
  CHECK(contains(r.out, what));
}

std::string entries_count(const std::string& uri) {
  return test::pg_sql(uri, "SELECT count(*) FROM entries");
}

// The files of a directory but its dot files (the release lock).
std::vector<std::string> records_in(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] != '.') out.push_back(e.path().filename().string());
  return out;
}

// A TCP port on 127.0.0.1 that accepts connections (the kernel completes the handshake) and
// never answers: a server that hangs.
struct SilentServer {
  int fd = -1;
  int port = 0;
  SilentServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
  }
  ~SilentServer() { ::close(fd); }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
};

}  // namespace

TEST_CASE("PostgreSQL: 4 releases and 40 confirmations from 12 processes at once form one chain",
          "[pg][concurrency]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  // The lot the confirmations are about.
  REQUIRE(release("samples/coa-pending-mycoplasma.xml", dir.file("records"), ledger).code == 0);
  const std::string record = dir.file("records/A999926000154-S1234V00-B0.pdf");
  std::string script = "(";
  const std::vector<std::pair<std::string, std::vector<std::string>>> releases{
      {"samples/coa-pass.xml", {}},
      {"samples/coa-exosome-pass.xml", {"--spec", src("samples/specs/msc-exosome.signed.xml")}},
      {"samples/coa-viability-90.xml", {}},
      {"samples/coa-marker-failed.xml", {}}};
  int n = 0;
  for (const auto& [coa, extra] : releases) {
    auto args = release_args(coa, dir.file("out" + std::to_string(n)), ledger);
    args.insert(args.end(), extra.begin(), extra.end());
    script += "(" + dosegate_process(args) + " > " + quote_arg(dir.file("r" + std::to_string(n))) +
              " 2>&1; echo $? >> " + quote_arg(dir.file("r" + std::to_string(n))) + ") & ";
    ++n;
  }
  for (int p = 0; p < 8; ++p) {
    script += "(for i in 1 2 3 4 5; do " +
              dosegate_process({"confirm", record, "--trust", src("certs/trust"), "--dose",
                                "=A99992600015400=<S1234VB0", "--ledger", ledger, "--staff",
                                "nurse-" + std::to_string(p)}) +
              " > /dev/null 2>&1; echo $? >> " + quote_arg(dir.file("c" + std::to_string(p))) +
              "; done) & ";
  }
  script += "wait)";
  run_process(script);
  for (int i = 0; i < 4; ++i) {
    const auto log = test::read_file_text(dir.file("r" + std::to_string(i)));
    INFO(log);
    CHECK((log.ends_with("\n0\n") || log == "0\n" || log.ends_with("\n1\n") || log == "1\n"));
  }
  for (int p = 0; p < 8; ++p) {
    // Every confirmation answered (GO, or NO-GO: one dose, several recipients) and recorded.
    const auto codes = test::read_file_text(dir.file("c" + std::to_string(p)));
    CHECK(codes.size() == 10);
    CHECK(codes.find('2') == std::string::npos);
  }
  // 2 + 2 + 2 + 1 + 1 + 40, numbered 1..48 with no gap, one chain.
  CHECK(entries_count(ledger) == "48\n");
  CHECK(test::pg_sql(ledger, "SELECT min(seq), max(seq), count(DISTINCT prev_hash) FROM entries") ==
        "1|48|48\n");
  const auto a = audit(ledger);
  INFO(a.out << a.err);
  CHECK(a.code == 0);
  CHECK(contains(a.out, "INTACT: 48 entries"));
}

TEST_CASE("PostgreSQL: the database refuses TRUNCATE, and lowering the high-water mark",
          "[pg][tamper]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  populate(dir, ledger);
  CHECK(contains(test::pg_sql(ledger, "TRUNCATE entries"), "append-only: TRUNCATE"));
  CHECK(contains(test::pg_sql(ledger, "UPDATE high_water SET seq = 2"), "only rises"));
  CHECK(contains(test::pg_sql(ledger, "DELETE FROM high_water"), "only rises"));
  CHECK(contains(test::pg_sql(ledger, "TRUNCATE high_water"), "only rises"));
  CHECK(test::pg_sql(ledger, "SELECT seq FROM high_water") == "4\n");
  CHECK(audit(ledger).code == 0);
}

TEST_CASE("PostgreSQL: a superuser's TRUNCATE with the triggers off is reported", "[pg][tamper]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  populate(dir, ledger);
  test::pg_sql(ledger,
               "ALTER TABLE entries DISABLE TRIGGER USER; TRUNCATE entries; ALTER TABLE entries "
               "ENABLE TRIGGER USER;");
  CHECK(entries_count(ledger) == "0\n");
  require_tampered(ledger, "ledger.truncated", "once held entries up to 4 but now ends at 0");
}

TEST_CASE(
    "PostgreSQL: a tail deleted and the high-water mark rolled back is caught by the kept head",
    "[pg][tamper]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  populate(dir, ledger);
  const auto head = ledger::Ledger::open(ledger, false).head();
  REQUIRE(head);
  test::pg_sql(ledger,
               "ALTER TABLE entries DISABLE TRIGGER USER; ALTER TABLE high_water DISABLE TRIGGER "
               "USER; DELETE FROM entries WHERE seq = 4; UPDATE high_water SET seq = 3; ALTER "
               "TABLE entries ENABLE TRIGGER USER; ALTER TABLE high_water ENABLE TRIGGER USER;");
  // The database alone can no longer tell; the head kept elsewhere (ledger head) can.
  const auto r = run_cli(
      {"audit", "--trust", src("certs/trust"), "--ledger", ledger, "--expect-head", head->hash});
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "ledger.head-missing"));
}

TEST_CASE("PostgreSQL: a disabled trigger or a replaced trigger function is reported",
          "[pg][tamper]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  populate(dir, ledger);
  SECTION("disabled") {
    test::pg_sql(ledger, "ALTER TABLE entries DISABLE TRIGGER entries_append_only");
    require_tampered(ledger, "ledger.triggers-missing", "trigger entries_append_only is disabled");
  }
  SECTION("the function that refuses changes replaced by one that lets them through") {
    test::pg_sql(ledger,
                 "CREATE OR REPLACE FUNCTION dosegate_refuse_change() RETURNS trigger LANGUAGE "
                 "plpgsql AS $$ BEGIN RETURN COALESCE(NEW, OLD); END $$");
    CHECK(test::pg_sql(ledger, "UPDATE entries SET reason = 'x' WHERE seq = 99").empty());
    require_tampered(ledger, "ledger.triggers-missing",
                     "trigger entries_append_only runs another function than dosegate's");
  }
  SECTION("the high-water function given another search_path (to find another high_water)") {
    test::pg_sql(ledger, "ALTER FUNCTION dosegate_raise_high_water() SET search_path = public");
    require_tampered(ledger, "ledger.triggers-missing",
                     "trigger entries_high_water runs another function than dosegate's");
  }
  SECTION("the high-water function no longer run with the owner's rights") {
    test::pg_sql(ledger, "ALTER FUNCTION dosegate_raise_high_water() SECURITY INVOKER");
    require_tampered(ledger, "ledger.triggers-missing",
                     "trigger entries_high_water runs another function than dosegate's");
  }
  SECTION("the high-water trigger dropped") {
    test::pg_sql(ledger, "DROP TRIGGER entries_high_water ON entries");
    require_tampered(ledger, "ledger.triggers-missing",
                     "trigger entries_high_water on entries was removed");
  }
  SECTION("a trigger added that rewrites what is inserted") {
    test::pg_sql(
        ledger,
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END "
        "$$; CREATE TRIGGER zz BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION f()");
    require_tampered(ledger, "ledger.triggers-missing", "a trigger dosegate did not make, zz");
  }
  SECTION("rows changed with the triggers bypassed (session_replication_role)") {
    test::pg_sql(ledger,
                 "SET session_replication_role = replica; UPDATE entries SET decision = "
                 "'releasable' WHERE seq = 3;");
    require_tampered(ledger, "ledger.entry-changed", "entry 3:");
  }
}

TEST_CASE("PostgreSQL: a password in the URI is refused and never repeated", "[pg][security]") {
  for (const std::string uri : {"postgresql://site:s3cret-pw@db.example.org/dosegate",
                                "postgres:///dosegate?password=s3cret-pw",
                                "postgresql://db.example.org/dosegate?sslpassword=s3cret-pw"}) {
    INFO(uri);
    const auto r = run_cli({"history", "--ledger", uri});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "ledger.password-in-uri"));
    CHECK(contains(r.err, "~/.pgpass"));
    CHECK(contains(r.err, "PGPASSFILE"));
    CHECK_FALSE(contains(r.err, "s3cret-pw"));
  }
  // A URI libpq cannot even parse is not repeated either: it may hold a password.
  const auto r =
      run_cli({"history", "--ledger", "postgresql://site:s3cret-pw@db/x?no_such_option=1"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "not a valid PostgreSQL connection URI"));
  CHECK_FALSE(contains(r.err, "s3cret-pw"));
}

TEST_CASE("PostgreSQL: a server that cannot be reached is an answer within the connect timeout",
          "[pg][fault]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  REQUIRE(release("samples/coa-pending-mycoplasma.xml", dir.file("records"), ledger).code == 0);
  SECTION("a server that accepts and never answers: confirm is NO-GO within the 5 s timeout") {
    SilentServer silent;
    const std::string uri =
        "postgresql://127.0.0.1:" + std::to_string(silent.port) + "/dosegate?user=site";
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_process(
        dosegate_process({"confirm", dir.file("records/A999926000154-S1234V00-B0.pdf"), "--trust",
                          src("certs/trust"), "--dose", "=A99992600015400=<S1234VB0", "--ledger",
                          uri, "--staff", "nurse-1", "--json"}));
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.output << " after " << seconds << " s");
    CHECK(r.code == 1);
    CHECK(contains(r.output, "\"decision\": \"no-go\""));
    CHECK(contains(r.output, "confirm.ledger-unreadable"));
    CHECK(contains(r.output, "timeout expired"));
    CHECK(seconds >= 4.0);
    CHECK(seconds < 15.0);
  }
  SECTION("no server on the socket: release exits 2 and writes nothing; history names the host") {
    const std::string uri = "postgresql:///dosegate?host=" + dir.file("no-server") + "&user=site";
    fs::create_directories(dir.file("no-server"));
    auto r = release("samples/coa-pass.xml", dir.file("out"), uri);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "cannot connect to the PostgreSQL ledger"));
    CHECK(contains(r.err, "host " + dir.file("no-server")));
    CHECK(contains(r.err, "database dosegate"));
    CHECK(contains(r.err, "Check that the server runs"));
    CHECK(records_in(dir.file("out")).empty());
    r = run_cli({"history", "--ledger", uri});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "ledger.unreadable"));
  }
}

TEST_CASE("PostgreSQL: a database without a ledger is refused until ledger init", "[pg][init]") {
  TempDir dir;
  const auto uri = test::pg_new_database(false);
  auto r = release("samples/coa-pass.xml", dir.file("out"), uri);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no dosegate ledger in this database"));
  CHECK(contains(r.err, "dosegate ledger init --ledger " + uri));
  CHECK(test::pg_sql(uri, "SELECT to_regclass('entries') IS NULL") == "t\n");  // nothing made
  r = run_cli({"ledger", "init", uri});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "a new, empty dosegate ledger (schema 5)"));
  r = run_cli({"ledger", "init", "--ledger", uri});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "is already there, with 0 entries"));
  r = run_cli({"ledger", "init", uri, "--ledger", uri});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "not both"));
  CHECK(release("samples/coa-pass.xml", dir.file("out"), uri).code == 0);
  CHECK(audit(uri).code == 0);
  // A PostgreSQL ledger is backed up with the database's tools.
  r = run_cli({"ledger", "backup", "--ledger", uri, "--out", dir.file("b.sqlite")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "pg_dump"));
}

TEST_CASE("PostgreSQL: a schema 4 ledger gains the revocation data column in place, by its owner",
          "[pg][schema]") {
  TempDir dir;
  const auto uri = test::pg_new_database(false);
  test::pg_sql(uri, "DROP ROLE IF EXISTS dosegate_site_test; CREATE ROLE dosegate_site_test LOGIN");
  REQUIRE(run_cli({"ledger", "init", uri, "--grant", "dosegate_site_test"}).code == 0);
  populate(dir, uri);
  // What a schema 4 dosegate left: the same table without the crls column.
  test::pg_sql(uri,
               "ALTER TABLE entries DROP COLUMN crls; UPDATE meta SET value = '4' WHERE key = "
               "'schema'");
  const auto before =
      test::pg_sql(uri, "SELECT seq, payload, hash, signature FROM entries ORDER BY seq");
  const auto site = uri.substr(0, uri.find("user=")) + "user=dosegate_site_test";
  // A site's role may not alter the table: told what to run, nothing changed.
  auto r = audit(site);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "ledger schema version 4"));
  CHECK(contains(r.err, "dosegate ledger init --ledger " + site));
  CHECK(test::pg_sql(uri, "SELECT value FROM meta WHERE key = 'schema'") == "4\n");
  // The owner's ledger init brings it to schema 5, every entry kept as it was.
  r = run_cli({"ledger", "init", uri});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(test::pg_sql(uri, "SELECT value FROM meta WHERE key = 'schema'") == "5\n");
  CHECK(test::pg_sql(uri, "SELECT seq, payload, hash, signature FROM entries ORDER BY seq") ==
        before);
  CHECK(test::pg_sql(uri, "SELECT count(*) FROM entries WHERE crls IS NULL") == "4\n");
  const auto after = audit(site);
  INFO(after.out << after.err);
  CHECK(after.code == 0);
  // New entries keep their CRLs.
  const auto later =
      test::run_cli_at(release_args("samples/coa-pending-mycoplasma.xml", dir.file("out"), site),
                       "2026-11-23T12:00:00Z");
  INFO(later.err);
  REQUIRE(later.code == 0);
  CHECK(test::pg_sql(uri, "SELECT count(*) FROM entries WHERE crls IS NOT NULL") == "2\n");
  const auto last = audit(site);
  INFO(last.out);
  CHECK(last.code == 0);
}

TEST_CASE("PostgreSQL: the sites' role may read and append, nothing more", "[pg][roles]") {
  TempDir dir;
  const auto uri = test::pg_new_database(false);
  test::pg_sql(uri, "DROP ROLE IF EXISTS dosegate_site_test; CREATE ROLE dosegate_site_test LOGIN");
  auto r = run_cli({"ledger", "init", uri, "--grant", "dosegate_site_test"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "may SELECT and INSERT entries"));
  const auto site = uri.substr(0, uri.find("user=")) + "user=dosegate_site_test";
  r = release("samples/coa-pass.xml", dir.file("out"), site);
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(audit(site).code == 0);
  CHECK(test::pg_sql(uri, "SELECT seq FROM high_water") == "2\n");
  CHECK(contains(test::pg_sql(site, "ALTER TABLE entries DISABLE TRIGGER USER"), "must be owner"));
  CHECK(contains(test::pg_sql(site, "UPDATE entries SET reason = 'x'"), "permission denied"));
  CHECK(contains(test::pg_sql(site, "DELETE FROM entries"), "permission denied"));
  CHECK(contains(test::pg_sql(site, "TRUNCATE entries"), "permission denied"));
  CHECK(
      contains(test::pg_sql(site, "DROP TRIGGER entries_append_only ON entries"), "must be owner"));
  CHECK(contains(test::pg_sql(site, "UPDATE high_water SET seq = 0"), "permission denied"));
  r = run_cli({"ledger", "init", uri, "--grant", "no_such_role"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "does the role exist?"));
}

TEST_CASE("PostgreSQL: a commit whose outcome is unknown is its own error, and nothing is lost",
          "[pg][fault]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  auto args = release_args("samples/coa-pass.xml", dir.file("out"), ledger);
  auto r = run_process("DOSEGATE_TEST_CRASH_AT=commit-lost " + dosegate_process(args, kReleased));
  INFO(r.output);
  CHECK(r.code == 2);
  CHECK(contains(r.output, "ledger.commit-unknown"));
  CHECK(contains(r.output, "whether these entries are in the ledger is unknown"));
  CHECK(contains(r.output, "dosegate history --ledger"));
  // The server never committed it (the connection died first): no entry; the pending records
  // stay for the next release to settle.
  CHECK(entries_count(ledger) == "0\n");
  bool pending = false;
  for (const auto& e : fs::directory_iterator(dir.file("out")))
    pending = pending || e.path().extension() == ".pending";
  CHECK(pending);
  r = run_process(dosegate_process(args, kReleased));
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(contains(r.output, "its release was never recorded"));
  CHECK(entries_count(ledger) == "2\n");
  CHECK(audit(ledger).code == 0);
}

TEST_CASE("PostgreSQL: ledger migrate copies a SQLite ledger byte for byte and audits the copy",
          "[pg][migrate]") {
  TempDir dir;
  const auto sqlite = dir.file("ledger.sqlite");
  populate(dir, sqlite);
  const auto uri = test::pg_new_database();
  auto r =
      run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri, "--trust", src("certs/trust")});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Copied 4 entries"));
  CHECK(contains(r.out, "the copy audits INTACT"));
  // The same chain: every entry's number, hashes, payload and signature.
  const auto pg_rows = test::pg_sql(uri, "SELECT count(DISTINCT hash) FROM entries");
  CHECK(pg_rows == "4\n");
  const auto src_head = run_cli({"ledger", "head", "--ledger", sqlite});
  const auto dst_head = run_cli({"ledger", "head", "--ledger", uri});
  CHECK(src_head.out == dst_head.out);
  const auto source = ledger::Ledger::open(sqlite, false).entries();
  const auto copy = ledger::Ledger::open(uri, false).entries();
  REQUIRE(source.size() == 4);
  REQUIRE(copy.size() == source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    CHECK(copy[i].seq == source[i].seq);
    CHECK(copy[i].prev_hash == source[i].prev_hash);
    CHECK(copy[i].hash == source[i].hash);
    CHECK(copy[i].stored_payload == source[i].stored_payload);
    CHECK(copy[i].signature == source[i].signature);
  }
  CHECK(audit(uri).code == 0);
  // The copy goes on: the next entry follows the migrated head.
  std::vector<std::string> args{"recall",  "A999926000147",    "--reason", "second notice",
                                "--trust", src("certs/trust"), "--ledger", uri};
  for (const auto& a : releaser()) args.push_back(a);
  CHECK(test::run_cli_at(args, "2026-11-23T08:00:00Z").code == 0);
  CHECK(contains(audit(uri).out, "INTACT: 5 entries"));
  // Into a ledger that is not empty: refused, nothing copied.
  r = run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri, "--trust", src("certs/trust")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "the target ledger is not empty (5 entries"));
  CHECK(entries_count(uri) == "5\n");
}

TEST_CASE("PostgreSQL: ledger migrate --json", "[pg][migrate][json]") {
  TempDir dir;
  const auto sqlite = dir.file("ledger.sqlite");
  populate(dir, sqlite);
  const auto uri = test::pg_new_database();
  const auto r = run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri, "--trust",
                          src("certs/trust"), "--json"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  const auto head = ledger::Ledger::open(sqlite, false).head();
  REQUIRE(head);
  CHECK(r.out.rfind("{", 0) == 0);
  CHECK(contains(r.out, "\"command\": \"ledger migrate\""));
  CHECK(contains(r.out, "\"decision\": \"done\""));
  CHECK(contains(r.out, "\"entries\": 4"));
  CHECK(contains(r.out, "\"head_hash\": \"" + head->hash + "\""));
  CHECK_FALSE(contains(r.out, "Copied"));
}

TEST_CASE("PostgreSQL: ledger migrate refuses a source that does not audit INTACT, all or nothing",
          "[pg][migrate]") {
  TempDir dir;
  const auto sqlite = dir.file("ledger.sqlite");
  populate(dir, sqlite);
  run_process("sqlite3 " + quote_arg(sqlite) + " " +
              quote_arg("DROP TRIGGER entries_append_only_update; UPDATE entries SET "
                        "decision='releasable' WHERE seq=3;"));
  const auto uri = test::pg_new_database();
  auto r =
      run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri, "--trust", src("certs/trust")});
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "does not audit INTACT"));
  CHECK(entries_count(uri) == "0\n");
  CHECK(test::pg_sql(uri, "SELECT seq FROM high_water") == "0\n");
  r = run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --trust"));
}

TEST_CASE("PostgreSQL: DOSEGATE_LEDGER may hold the URI", "[pg]") {
  TempDir dir;
  const auto uri = test::pg_new_database();
  populate(dir, uri);
  const auto r = run_process("DOSEGATE_LEDGER=" + quote_arg(uri) + " " +
                             quote_arg(DOSEGATE_BINARY) + " history --kind recall");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(contains(r.output, "1 entry shown."));
}

TEST_CASE("a ledger's display name: a file's name, or the PostgreSQL database's, never more",
          "[pg]") {
  CHECK(ledger::display_name("/var/lib/dosegate/ledger.sqlite") == "ledger.sqlite");
  CHECK(ledger::display_name("postgresql://db.example.org:5433/dosegate?sslmode=verify-full") ==
        "postgresql database dosegate");
  CHECK(ledger::display_name("postgres:///site?host=/run/postgresql") ==
        "postgresql database site");
  CHECK(ledger::display_name("postgresql://db.example.org") == "postgresql database");
}

TEST_CASE("PostgreSQL: a serialisation failure reported by the server is retried, not an error",
          "[pg][fault]") {
  TempDir dir;
  const auto uri = test::pg_new_database();
  // The server fails the first two inserts as a serialisable transaction that lost would.
  REQUIRE(test::pg_sql(uri,
                       "CREATE SEQUENCE flaky; CREATE FUNCTION flaky() RETURNS trigger LANGUAGE "
                       "plpgsql AS $$ BEGIN IF nextval('flaky') <= 2 THEN RAISE EXCEPTION "
                       "'could not serialize access' USING ERRCODE = 'serialization_failure'; "
                       "END IF; RETURN NEW; END $$; CREATE TRIGGER flaky BEFORE INSERT ON entries "
                       "FOR EACH ROW EXECUTE FUNCTION flaky();")
              .empty());
  {
    auto l = ledger::Ledger::open(uri, false);
    ledger::Entry e;
    e.kind = "confirm";
    e.at = "2026-11-22T09:00:00Z";
    e.actor = "nurse-1";
    e.din = "A999926000154";
    e.divisions = {"S1234VB0"};
    e.decision = "go";
    CHECK_NOTHROW(l.append_alone(e));
    CHECK(e.seq == 1);
  }
  CHECK(test::pg_sql(uri, "SELECT nextval('flaky')") == "4\n");  // two failures, one success
  CHECK(entries_count(uri) == "1\n");
  // The extra trigger is not dosegate's: audit says so until it is gone.
  require_tampered(uri, "ledger.triggers-missing", "a trigger dosegate did not make, flaky");
  test::pg_sql(uri, "DROP TRIGGER flaky ON entries");
  CHECK(audit(uri).code == 0);
}

TEST_CASE(
    "PostgreSQL: the entries table's columns are the field list, the payload, the "
    "signature and the revocation data, text in the C collation",
    "[pg][format]") {
  const auto uri = test::pg_new_database();
  const auto columns = test::pg_sql(uri,
                                    "SELECT column_name, data_type, coalesce(collation_name, '') "
                                    "FROM information_schema.columns WHERE table_name = 'entries' "
                                    "ORDER BY ordinal_position");
  std::string expected;
  for (const auto& f : ledger::kEntryFields) {
    const bool integer = std::holds_alternative<long long ledger::Entry::*>(f.member);
    expected += std::string(f.name) + (integer ? "|bigint|\n" : "|text|C\n");
  }
  expected += "payload|text|C\nsignature|bytea|\ncrls|bytea|\n";
  CHECK(columns == expected);
  CHECK(test::pg_sql(uri, "SELECT key, value FROM meta ORDER BY key") ==
        "format|dosegate ledger\nschema|5\n");
}

TEST_CASE(
    "PostgreSQL: a writer that holds the append lock makes the others wait, then give up "
    "with nothing written",
    "[pg][concurrency]") {
  TempDir dir;
  const auto ledger = test::pg_new_database();
  REQUIRE(release("samples/coa-pending-mycoplasma.xml", dir.file("records"), ledger).code == 0);
  {
    // Another site in the middle of an append: its transaction holds the lock.
    const test::PgSession other(ledger, "BEGIN; SELECT pg_advisory_xact_lock(" +
                                            std::to_string(0x646f736567617465LL) + ")");
    const auto start = std::chrono::steady_clock::now();
    auto r = release("samples/coa-pass.xml", dir.file("out"), ledger, {"--wait", "2"});
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.err << " after " << seconds << " s");
    CHECK(r.code == 2);
    CHECK(contains(r.err, "ledger.busy"));
    CHECK(contains(r.err, "another site held the ledger's append lock"));
    CHECK(seconds >= 1.9);
    CHECK(seconds < 10);
    CHECK(records_in(dir.file("out")).empty());  // no record, pending or not
    // Readers are not held up: the bedside still reads the lot, and says it could not record.
    r = run_cli({"confirm", dir.file("records/A999926000154-S1234V00-B0.pdf"), "--trust",
                 src("certs/trust"), "--dose", "=A99992600015400=<S1234VB0", "--ledger", ledger,
                 "--staff", "nurse-1", "--json"});
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(contains(r.out, "confirm.not-recorded"));
    CHECK(entries_count(ledger) == "2\n");
  }
  // The lock released (the other site's connection ended), appends go on.
  CHECK(release("samples/coa-pass.xml", dir.file("out"), ledger).code == 0);
  CHECK(entries_count(ledger) == "4\n");
  CHECK(audit(ledger).code == 0);
}

TEST_CASE("PostgreSQL: ledger migrate into a database that changes what it stores commits nothing",
          "[pg][migrate]") {
  TempDir dir;
  const auto sqlite = dir.file("ledger.sqlite");
  populate(dir, sqlite);
  const auto uri = test::pg_new_database();
  // A trigger someone added rewrites each reason as it is inserted.
  REQUIRE(test::pg_sql(uri,
                       "CREATE FUNCTION rewrite() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "NEW.reason := 'rewritten'; RETURN NEW; END $$; CREATE TRIGGER rewrite "
                       "BEFORE INSERT ON entries FOR EACH ROW EXECUTE FUNCTION rewrite();")
              .empty());
  const auto r =
      run_cli({"ledger", "migrate", "--from", sqlite, "--to", uri, "--trust", src("certs/trust")});
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "the copy does not audit INTACT"));
  CHECK(contains(r.err, "nothing was copied"));
  CHECK(entries_count(uri) == "0\n");
  CHECK(test::pg_sql(uri, "SELECT seq FROM high_water") == "0\n");
}
