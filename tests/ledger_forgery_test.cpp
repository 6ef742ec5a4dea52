// Forged ledger entries: someone who can write the ledger file, but holds no signing key, drops
// the append-only triggers, rewrites entries with sqlite3 and rebuilds the hash chain. `audit`
// must name the forged entry (exit 1) and `confirm` must never say GO for a recalled lot.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>

#include "dosegate/ledger/ledger.hpp"
#include "ledger/fields.hpp"
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

std::string src(const std::string& relative) {
  return test::source(relative);
}

const std::string kLot = "A999926000147";
const std::string kOtherLot = "A999926000162";  // rejected (coa-viability-90)
const std::string kDoseA0 = "=A99992600014700=<S1234VA0";

test::CliResult release(const std::string& coa, const std::string& out, const std::string& ledger,
                        const std::string& at) {
  std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  return test::run_cli_at(args, at);
}

void recall(const std::string& ledger) {
  std::vector<std::string> args{
      "recall",           kLot,       "--reason", "Sterility retest positive", "--trust",
      src("certs/trust"), "--ledger", ledger};
  for (const auto& a : releaser()) args.push_back(a);
  const auto r = test::run_cli_at(args, "2026-11-22T08:00:00Z");
  INFO(r.err);
  REQUIRE(r.code == 0);
}

// An unsigned bedside confirmation appended as `confirm` does.
void confirmation(const std::string& ledger, const std::string& din, const std::string& staff) {
  auto l = ledger::Ledger::open(ledger, false);
  l.begin();
  ledger::Entry e;
  e.kind = "confirm";
  e.at = "2026-11-21T14:00:00Z";
  e.actor = staff;
  e.din = din;
  e.divisions = {"A0"};
  e.decision = "go";
  l.prepare(e);
  l.append(e);
  l.commit();
}

// The release of lot 147 (entries 1, 2), a confirmation of its dose A0 (3, unsigned), the
// rejection of lot 162 (4, signed) and the recall of lot 147 (5, signed).
struct Recalled {
  TempDir dir;
  std::string ledger = dir.file("ledger.sqlite");
  std::string release_hash;  // printed on the records
  Recalled() {
    REQUIRE(release("samples/coa-pass.xml", dir.file("out"), ledger, "2026-11-21T12:00:00Z").code ==
            0);
    confirmation(ledger, kLot, "nurse-17");
    REQUIRE(release("samples/coa-viability-90.xml", dir.file("out"), ledger, "2026-11-21T15:00:00Z")
                .code == 1);
    recall(ledger);
    release_hash = ledger::Ledger::open(ledger, false).entries().front().hash;
  }
  std::string record() const { return dir.file("out/A999926000147-S1234V00-A0.pdf"); }
};

std::string sql(const std::string& db, const std::string& statements) {
  return run_process("sqlite3 " + quote_arg(db) + " " + quote_arg(statements)).output;
}

// What the attacker does after changing rows: every entry's payload, hash and previous-entry
// hash recomputed in order, so that the chain holds again. Signatures stay as they are: the
// attacker holds no key.
void rebuild_chain(const std::string& db) {
  std::vector<ledger::Entry> all;
  {
    const auto l = ledger::Ledger::open(db, false);
    all = l.entries();
  }
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  std::string prev = ledger::kGenesis;
  for (auto& e : all) {
    const auto p = ledger::payload(e);
    e.prev_hash = prev;
    e.hash = ledger::entry_hash(prev, p);
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(h,
                               "UPDATE entries SET prev_hash=?1, hash=?2, payload=?3 WHERE seq=?4",
                               -1, &s, nullptr) == SQLITE_OK);
    sqlite3_bind_text(s, 1, e.prev_hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, e.hash.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, p.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, e.seq);
    CHECK(sqlite3_step(s) == SQLITE_DONE);
    sqlite3_finalize(s);
    prev = e.hash;
  }
  sqlite3_close(h);
}

// The whole attack: triggers dropped, `statements` run, the chain rebuilt, the triggers put back
// so that nothing but the forgery shows.
void forge(const std::string& db, const std::string& statements) {
  const auto out = sql(db,
                       "DROP TRIGGER entries_append_only_update; "
                       "DROP TRIGGER entries_append_only_delete; " +
                           statements);
  INFO(out);
  REQUIRE(out.empty());
  rebuild_chain(db);
  sql(db,
      "CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries BEGIN SELECT "
      "RAISE(ABORT, 'the dosegate ledger is append-only: entries cannot be changed'); END; "
      "CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries BEGIN SELECT "
      "RAISE(ABORT, 'the dosegate ledger is append-only: entries cannot be deleted'); END;");
}

test::CliResult audit(const std::string& ledger, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"audit", "--trust", src("certs/trust"), "--ledger", ledger};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

void require_tampered(const test::CliResult& r, const std::string& code, const std::string& entry) {
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "TAMPERED"));
  CHECK(contains(r.out, code + "  " + entry));
}

test::CliResult confirm(const Recalled& lot) {
  return test::run_cli_at({"confirm", lot.record(), "--trust", src("certs/trust"), "--dose",
                           kDoseA0, "--ledger", lot.ledger, "--staff", "nurse-17"},
                          "2026-11-22T09:00:00Z");
}

void require_no_go(const test::CliResult& r, const std::string& reason) {
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(r.out.rfind("NO-GO: ", 0) == 0);
  CHECK(contains(r.out.substr(0, r.out.find('\n')), reason));
}

}  // namespace

TEST_CASE("forgery: the untouched ledger is intact and the recalled lot is NO-GO",
          "[ledger][forgery]") {
  Recalled lot;
  const auto r = audit(lot.ledger, {"--expect-head", lot.release_hash});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "INTACT: 5 entries"));
  const auto c = confirm(lot);
  require_no_go(c, "lot recalled at 2026-11-22T08:00:00Z");
  CHECK_FALSE(contains(c.out, "confirm.ledger-tampered"));
}

TEST_CASE("forgery: the signed recall replaced by an unsigned entry of the same number",
          "[ledger][forgery]") {
  Recalled lot;
  // The recall now names another lot and carries no actor key and no signature.
  forge(lot.ledger, "UPDATE entries SET din='" + kOtherLot +
                        "', actor='nurse-9', actor_sha256='', signature=NULL WHERE seq=5;");
  require_tampered(audit(lot.ledger), "ledger.signature-missing", "entry 5:");
  require_tampered(audit(lot.ledger, {"--expect-head", lot.release_hash}),
                   "ledger.signature-missing", "entry 5:");
  CHECK(contains(audit(lot.ledger).out, "a recall entry must be signed by a releaser"));
  require_no_go(confirm(lot), "the ledger does not verify (ledger.signature-missing, entry 5:");
}

TEST_CASE("forgery: an entry of a kind dosegate does not write", "[ledger][forgery]") {
  Recalled lot;
  forge(lot.ledger,
        "UPDATE entries SET kind='note', actor='nurse-9', actor_sha256='', signature=NULL "
        "WHERE seq=5;");
  require_tampered(audit(lot.ledger), "ledger.kind-unknown", "entry 5:");
  require_no_go(confirm(lot), "ledger.kind-unknown");
}

TEST_CASE("forgery: a confirmation erased from before a signed entry", "[ledger][forgery]") {
  Recalled lot;
  // Entry 3, nurse-17's confirmation of dose A0, rewritten into a confirmation of another lot
  // by another nurse: the unsigned entry itself is well-formed, but the signed entry after it
  // covers its hash.
  forge(lot.ledger, "UPDATE entries SET din='" + kOtherLot + "', actor='nurse-9' WHERE seq=3;");
  const auto h = run_cli({"history", "--ledger", lot.ledger, "--kind", "confirm"});
  CHECK_FALSE(contains(h.out, "nurse-17"));
  require_tampered(audit(lot.ledger), "ledger.signature-invalid", "entry 4:");
  CHECK(contains(audit(lot.ledger).out, "does not hold over the entry in this place of the chain"));
  CHECK(contains(audit(lot.ledger).out, "does not match this ledger entry"));
  CHECK_FALSE(contains(audit(lot.ledger).out, "CoA"));
  require_no_go(confirm(lot), "the ledger does not verify (ledger.signature-invalid");
}

TEST_CASE("forgery: an unsigned release entry added", "[ledger][forgery]") {
  Recalled lot;
  // A second release of the recalled lot, appended by hand, as if QA had released it again.
  forge(lot.ledger,
        "INSERT INTO entries(seq, kind, at, actor, actor_sha256, din, divisions, decision, "
        "coa_id, coa_sha256, spec_id, spec_version, spec_sha256, records, reason, payload, "
        "prev_hash, hash, signature) SELECT 6, 'release', '2026-11-22T08:30:00Z', 'QA', '', din, "
        "divisions, 'releasable', coa_id, coa_sha256, spec_id, spec_version, spec_sha256, '', "
        "'retest passed', '', '', 'forged-6', NULL FROM entries WHERE seq=1;");
  require_tampered(audit(lot.ledger), "ledger.signature-missing", "entry 6:");
  CHECK(contains(audit(lot.ledger).out, "a release entry must be signed by a releaser"));
  const auto c = confirm(lot);
  require_no_go(c, "lot recalled");
  CHECK(contains(c.out, "ledger.signature-missing, entry 6:"));
}

TEST_CASE("forgery: a signed entry moved from another chain into the recall's place",
          "[ledger][forgery]") {
  Recalled lot;
  // Another ledger whose entry 5 is a genuinely signed rejection of lot 162.
  const auto other = lot.dir.file("other.sqlite");
  REQUIRE(release("samples/coa-pass.xml", lot.dir.file("other-out"), other, "2026-11-21T12:00:00Z")
              .code == 0);
  REQUIRE(release("samples/coa-viability-90.xml", lot.dir.file("other-out"), other,
                  "2026-11-21T13:00:00Z")
              .code == 1);
  confirmation(other, kOtherLot, "nurse-3");
  REQUIRE(release("samples/coa-viability-90.xml", lot.dir.file("other-out"), other,
                  "2026-11-21T16:00:00Z")
              .code == 1);
  // Its entry 5, signature and all, replaces the recall; the chain is rebuilt around it.
  forge(lot.ledger, "ATTACH " + quote_arg(other) +
                        " AS o; DELETE FROM entries WHERE seq=5; INSERT INTO entries SELECT * "
                        "FROM o.entries WHERE seq=5;");
  const auto h = run_cli({"history", "--ledger", lot.ledger, "--kind", "recall"});
  CHECK(contains(h.out, "0 entries shown."));
  require_tampered(audit(lot.ledger), "ledger.signature-invalid", "entry 5:");
  require_no_go(confirm(lot), "the ledger does not verify (ledger.signature-invalid, entry 5:");
}

TEST_CASE("forgery: each kind's signing rule is in one table", "[ledger][forgery]") {
  using ledger::EntrySigner;
  for (const char* kind : {"release", "records", "rejection", "recall"}) {
    INFO(kind);
    CHECK(ledger::signer_for(kind) == EntrySigner::releaser);
  }
  CHECK(ledger::signer_for("confirm") == EntrySigner::optional);
  CHECK(ledger::signer_for("note") == EntrySigner::unknown);
  CHECK(ledger::signer_for("") == EntrySigner::unknown);
}

TEST_CASE("ledger signed bytes: the entry's number and predecessor are signed",
          "[ledger][format]") {
  CHECK(ledger::signed_bytes(4, std::string(64, 'a'), "{\"x\":1}") ==
        "dosegate-ledger-signed-2\n4\n" + std::string(64, 'a') + "\n{\"x\":1}");
  CHECK(ledger::signed_bytes(5, std::string(64, 'a'), "{}") !=
        ledger::signed_bytes(4, std::string(64, 'a'), "{}"));
  CHECK(ledger::signed_bytes(4, std::string(64, 'b'), "{}") !=
        ledger::signed_bytes(4, std::string(64, 'a'), "{}"));
}

TEST_CASE("a ledger of schema 1 is refused, naming the file and what to do", "[ledger]") {
  TempDir dir;
  const auto ledger = dir.file("old.sqlite");
  ledger::Ledger::open(ledger, true);
  sql(ledger, "PRAGMA user_version=1;");
  auto r = run_cli({"history", "--ledger", ledger});
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, ledger + ": ledger schema version 1, whose signatures do not cover"));
  CHECK(contains(r.err, "start a new ledger with --ledger NEW_FILE"));
  r = audit(ledger);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "ledger schema version 1"));
}
