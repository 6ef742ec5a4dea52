// Back-dating: release and recall record the clock's time and refuse --as-of; a confirmation
// for another time is never written to the ledger; audit names an entry whose time goes back;
// the fault-injection variables exist in test builds only.
#include <catch2/catch.hpp>

#include "dosegate/ledger/ledger.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::run_cli;
using test::run_cli_at;
using test::TempDir;

namespace {

std::string src(const std::string& relative) {
  return test::source(relative);
}

const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kAfterExpiry = "2027-11-03T00:00:00Z";  // the samples expire 2027-11-02T23:59Z

std::vector<std::string> release_args(const TempDir& dir) {
  return {"release",  src("samples/coa-pass.xml"), "--trust", src("certs/trust"),
          "--key",    pki("releaser.key.pem"),     "--cert",  pki("releaser.cert.pem"),
          "--chain",  pki("qa-chain.pem"),         "--out",   dir.file("out"),
          "--ledger", dir.file("ledger.sqlite"),   "--quiet"};
}

std::string history(const TempDir& dir, const std::string& kind) {
  return run_cli({"history", "--ledger", dir.file("ledger.sqlite"), "--kind", kind}).out;
}

}  // namespace

TEST_CASE("release refuses --as-of: an expired lot cannot be released as of the past",
          "[backdating]") {
  TempDir dir;
  auto args = release_args(dir);
  args.insert(args.end(), {"--as-of", kReleased});
  auto r = run_cli_at(args, kAfterExpiry);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "release records the clock's time and does not accept --as-of"));
  CHECK(contains(r.err, "dosegate verify --as-of"));
  CHECK_FALSE(std::filesystem::exists(dir.file("out/A999926000147-S1234V00-A0.pdf")));
  // At the clock's time the lot has expired: rejected, and the ledger says when.
  r = run_cli_at(release_args(dir), kAfterExpiry);
  CHECK(r.code == 1);
  CHECK(contains(history(dir, "rejection"), kAfterExpiry.substr(0, 10)));
  CHECK(contains(run_cli({"release", "--help"}).out, "a release cannot be back-dated"));
}

TEST_CASE("release records the clock's time on the record and in the ledger", "[backdating]") {
  TempDir dir;
  const auto r = run_cli_at(release_args(dir), kReleased);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto h = run_cli(
      {"history", "--ledger", dir.file("ledger.sqlite"), "--kind", "release", "--format", "csv"});
  CHECK(contains(h.out, "\r\n1," + kReleased + ",release,"));
}

TEST_CASE("recall refuses --as-of", "[backdating]") {
  TempDir dir;
  REQUIRE(run_cli_at(release_args(dir), kReleased).code == 0);
  const std::vector<std::string> base{
      "recall",  "A999926000147",          "--reason", "Sterility retest positive",
      "--trust", src("certs/trust"),       "--key",    pki("releaser.key.pem"),
      "--cert",  pki("releaser.cert.pem"), "--ledger", dir.file("ledger.sqlite")};
  auto args = base;
  args.insert(args.end(), {"--as-of", "2026-11-20T00:00:00Z"});
  auto r = run_cli_at(args, "2026-11-22T08:00:00Z");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "recall records the clock's time and does not accept --as-of"));
  CHECK(contains(history(dir, "recall"), "0 entries shown."));
  r = run_cli_at(base, "2026-11-22T08:00:00Z");
  CHECK(r.code == 0);
  CHECK(contains(history(dir, "recall"), "2026-11-22T08:00:00Z"));
}

TEST_CASE("confirm with --as-of or --at answers but never writes to the ledger", "[backdating]") {
  TempDir dir;
  REQUIRE(run_cli_at(release_args(dir), kReleased).code == 0);
  const std::vector<std::string> base{"confirm",  dir.file("out/A999926000147-S1234V00-A0.pdf"),
                                      "--trust",  src("certs/trust"),
                                      "--dose",   "=A99992600014700=<S1234VA0",
                                      "--ledger", dir.file("ledger.sqlite"),
                                      "--staff",  "nurse-17"};
  for (const char* option : {"--as-of", "--at"}) {
    INFO(option);
    auto args = base;
    args.insert(args.end(), {option, "2026-11-22T09:00:00Z"});
    // The lot has expired by the clock; as of the past it had not: a check, not a record.
    const auto r = run_cli_at(args, kAfterExpiry);
    INFO(r.out << r.err);
    CHECK(contains(r.out, "not recorded: --as-of given"));
    CHECK(contains(history(dir, "confirm"), "0 entries shown."));
  }
  // By the clock: recorded, and NO-GO for the expired lot.
  const auto r = run_cli_at(base, kAfterExpiry);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "the lot expired"));
  CHECK(contains(history(dir, "confirm"), "1 entry shown."));
}

TEST_CASE("audit: an entry whose time goes back beyond the clock-skew allowance", "[backdating]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  REQUIRE(run_cli_at(release_args(dir), kReleased).code == 0);
  const auto append = [&](const std::string& at) {
    auto l = ledger::Ledger::open(ledger, false);
    l.begin();
    ledger::Entry e;
    e.kind = "confirm";
    e.at = at;
    e.actor = "nurse-17";
    e.din = "A999926000147";
    e.divisions = {"A0"};
    e.decision = "go";
    l.prepare(e);
    l.append(e);
    l.commit();
  };
  append("2026-11-21T11:55:00Z");  // 5 minutes behind the release: within the allowance
  auto r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger});
  INFO(r.out);
  CHECK(r.code == 0);
  append("2026-11-21T11:49:59Z");  // behind its predecessor by 5 min 1 s
  r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger});
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(contains(r.out,
                 "ledger.time-reversed  entry 4: its time 2026-11-21T11:49:59Z is earlier "
                 "than entry 3's 2026-11-21T11:55:00Z"));
}

TEST_CASE("fault injection is compiled into test builds only", "[backdating][build]") {
  const auto presets = test::read_source("CMakePresets.json");
  const auto release = presets.find("\"name\": \"release\"");
  REQUIRE(release != std::string::npos);
  CHECK(contains(presets.substr(release, 400), "\"DOSEGATE_FAULT_INJECTION\": \"OFF\""));
  CHECK(contains(presets.substr(release, 400), "\"DOSEGATE_BUILD_TESTS\": \"OFF\""));
  const auto cmake = test::read_source("CMakeLists.txt");
  CHECK(contains(cmake, "option(DOSEGATE_FAULT_INJECTION"));
  CHECK(contains(cmake, "DOSEGATE_FAULT_INJECTION is for test builds"));
  // The only reads of the variables sit behind the option.
  for (const char* file : {"src/release/release.cpp", "src/cli/cli.cpp"}) {
    INFO(file);
    const auto text = test::read_source(file);
    const auto guard = text.find("#ifdef DOSEGATE_FAULT_INJECTION");
    REQUIRE(guard != std::string::npos);
    const auto use = text.find("getenv(\"DOSEGATE_TEST_");
    CHECK(use > guard);
    CHECK(use < text.find("#endif", guard));
  }
}
