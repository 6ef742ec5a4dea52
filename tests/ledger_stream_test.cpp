// Reading the ledger as a stream: `history` writes each row as it comes and gives the same bytes
// as the exports that held every entry in memory; the chain head is one query; a lot is read
// through the (din, kind) index.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include "crypto/sha256.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"
#include "ledger/query.hpp"
#include "ledger_store.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::run_cli;
using test::TempDir;

namespace {

std::string din(int lot) {
  const std::string n = std::to_string(lot);
  return "A999926" + std::string(6 - n.size(), '0') + n;
}

// 320 entries of every kind, eight to a lot, with what the exports treat specially: text that
// a spreadsheet could run, quotes, commas and line breaks in cells, control characters and
// bidi overrides for the table, wide and combining characters, more divisions than the table
// shows, the schema 3 fields, signed and unsigned entries. Deterministic: the same bytes, hashes
// and exports every run.
void fill(const std::string& path) {
  auto l = ledger::Ledger::open(path, true);
  l.begin();
  const Instant start = Instant{std::chrono::sys_days{std::chrono::year{2026} / 11 / 1}};
  const char* kinds[] = {"release", "records",   "confirm", "confirm",
                         "results", "rejection", "recall",  "confirm"};
  for (int i = 0; i < 320; ++i) {
    ledger::Entry e;
    const int lot = i / 8 + 1;
    e.kind = kinds[i % 8];
    e.at = format_instant(start + std::chrono::minutes(7 * i));
    e.din = din(lot);
    e.actor = i % 5 == 0   ? "=cmd|' /C calc'!A0"
              : i % 5 == 1 ? "CN=Zo\xC3\xAB \xC3\x98"
                             "deg\xC3\xA5rd \"QA\",O=Cell Lab\\Nord"
              : i % 5 == 2 ? "\xE6\xA4\x9C\xE6\x9F\xBB\xE5\x93\xA1 e\xCC\x81"
                             "tienne"
                           : "nurse-" + std::to_string(i % 13);
    if (i % 3 != 1) e.actor_sha256 = crypto::sha256_hex("actor " + std::to_string(i % 5));
    if (i % 11 == 0)
      e.divisions = {"A0", "B0", "C0", "D0", "E0", "F0", "G0", "H0", "I0", "J0"};
    else if (i % 11 == 1)
      e.divisions = {};
    else
      e.divisions = {"A0", i % 2 ? "B0" : "C\xC3\xA9"};
    e.decision = i % 8 == 5 ? "rejected" : i % 8 == 6 ? "recalled" : i % 4 == 3 ? "no-go" : "go";
    if (i % 8 < 2 || i % 8 == 5) {
      e.coa_id = "COA-" + std::to_string(lot) + (i % 16 == 0 ? ",\"x\"" : "");
      e.coa_sha256 = crypto::sha256_hex("coa " + std::to_string(lot));
      e.spec_id = "wj-msc";
      e.spec_version = std::to_string(1 + lot % 3);
      e.spec_sha256 = crypto::sha256_hex("spec " + e.spec_version);
    }
    if (i % 8 == 1)
      e.records = {{e.din + "-S1234V00-A0.pdf", crypto::sha256_hex("A0 " + e.din)},
                   {"dose \"B0\", second.pdf", crypto::sha256_hex("B0 " + e.din)}};
    if (i % 4 == 0)
      e.reason = "line one\nline two, with \"quotes\"\r\n\ttab \x1b[31m esc \xE2\x80\xAE bidi";
    else if (i % 4 == 2)
      e.reason = "-1 + 2";
    if (e.kind == "confirm" || e.kind == "results") e.refers_to = (lot - 1) * 8 + 1;
    if (e.kind == "confirm") {
      e.recipient = i % 3 ? "P-" + std::to_string(lot) : "";
      e.second_staff = i % 2 ? "nurse-2\t" : "";
      e.thawed_at = i % 5 ? format_instant(start + std::chrono::minutes(7 * i - 30)) : "";
    }
    if (i % 9 == 0) e.warnings = "release.pending-overdue: mycoplasma was due\nsecond line";
    l.prepare(e);
    if (i % 3 == 0)
      l.append(e, [](const std::string&) { return std::string("\x30\x03\x02\x01\x01", 5); });
    else
      l.append(e);
  }
  l.commit();
}

// An unsigned confirmation appended through a connection of its own, as a `confirm` process
// does.
void append_confirmation(const std::string& path, const std::string& staff) {
  auto l = ledger::Ledger::open(path, true);
  ledger::Entry e;
  e.kind = "confirm";
  e.at = "2026-11-03T12:00:00Z";
  e.actor = staff;
  e.din = din(1);
  e.divisions = {"A0"};
  e.decision = "go";
  l.append_alone(e);
}

// SQLite's plan for `sql`, one line per step.
std::string query_plan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  const std::string explain = "EXPLAIN QUERY PLAN " + sql;
  const int rc = sqlite3_prepare_v2(db, explain.c_str(), -1, &s, nullptr);
  INFO(sqlite3_errmsg(db));
  REQUIRE(rc == SQLITE_OK);
  std::string plan;
  while (sqlite3_step(s) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(s, 3)) + std::string("\n");
  sqlite3_finalize(s);
  sqlite3_close(db);
  return plan;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

}  // namespace

LEDGER_TEST_CASE("history: the streamed exports keep the bytes of the exports held in memory",
                 "[ledger][stream]") {
  TempDir dir;
  const auto ledger = store.location(dir);
  fill(ledger);
  // SHA-256 and size of each export of this ledger as dosegate wrote them before `history`
  // streamed (each run's ledger path replaced by LEDGER).
  struct Export {
    std::vector<std::string> args;
    std::size_t size;
    std::string sha256;
  };
  const std::vector<Export> exports{
      {{}, 54185, "f2e33acbe2c06dd358f8d8c9e7223096539730fd6b419f2a195ea1ae290fdb33"},
      {{"--format", "csv"},
       121057,
       "dd20b19606250d298e432d9078b9c25bae50d41c2a6cd6e3c4cf67bf10f2a9ca"},
      {{"--format", "json"},
       291511,
       "83078a3288d21798e121050df5379f42a9130831ea3461a27607990bad3c155f"},
      {{"--lot", din(7)}, 1538, "023ffa7adfbc69688077c38162c22fc82758c5bff1afe248b47ccb88ac61d718"},
      {{"--lot", din(7), "--format", "csv"},
       3271,
       "87156af4c86cfca7e0265d2b02ed0e3b0e4099e2476bfd946c2d2bb84ca4f390"},
      {{"--lot", din(7), "--format", "json"},
       7463,
       "85266dcc97d2b25f37636cd95dbca273514c70205bf66cfc3060c08153d0a90f"},
      {{"--kind", "confirm", "--format", "csv"},
       36522,
       "1dd83133cdd546d9d30a2fa79e28854d797b248c1e4b53c3f6c2c2b718c8ee20"},
      {{"--lot", din(9), "--kind", "recall"},
       309,
       "c66306755be2c6d4de8457fc4365610e9553456fc922875df4bca611f1971fcf"},
      {{"--since", "2026-11-01T12:00:00Z", "--until", "2026-11-01T20:00:00Z", "--format", "json"},
       63182,
       "a74c75dc9e98bc54f17bd56865615f40dc9f453ca58a890ab671a856ee5c866e"},
      {{"--lot", din(999)},
       181,
       "daf05d08f3e125da4b4dc95a03a2e93588cc0103adac7e356917084fa9c65869"},
  };
  for (const auto& x : exports) {
    std::vector<std::string> args{"history", "--ledger", ledger};
    args.insert(args.end(), x.args.begin(), x.args.end());
    const auto r = run_cli(args);
    const auto out = replace_all(r.out, ledger, "LEDGER");
    std::string command;
    for (const auto& a : x.args) command += " " + a;
    INFO("history" << command << ": " << out.size() << " bytes, SHA-256 "
                   << crypto::sha256_hex(out));
    CHECK(r.code == 0);
    CHECK(out.size() == x.size);
    CHECK(crypto::sha256_hex(out) == x.sha256);
  }
}

TEST_CASE("history --lot reads the lot through the (din, kind) index, not the whole ledger",
          "[ledger][stream]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  fill(ledger);
  ledger::Filter lot;
  lot.din = din(7);
  auto plan = query_plan(ledger, ledger::entries_query(lot));
  INFO(plan);
  CHECK(contains(plan, "SEARCH entries USING INDEX entries_din_kind (din=?)"));
  CHECK_FALSE(contains(plan, "SCAN entries"));
  lot.kind = "recall";
  plan = query_plan(ledger, ledger::entries_query(lot));
  INFO(plan);
  CHECK(contains(plan, "SEARCH entries USING INDEX entries_din_kind (din=? AND kind=?)"));
  CHECK_FALSE(contains(plan, "SCAN entries"));
  // The whole ledger, by contrast, is one scan in entry order (no sort of every entry).
  plan = query_plan(ledger, ledger::entries_query({}));
  CHECK(contains(plan, "SCAN entries"));
  CHECK_FALSE(contains(plan, "TEMP B-TREE"));
}

LEDGER_TEST_CASE("head: none for an empty ledger, else the entry with the highest number",
                 "[ledger][stream]") {
  TempDir dir;
  const auto path = store.location(dir);
  {
    const auto empty = ledger::Ledger::open(path, true);
    CHECK_FALSE(empty.head().has_value());
    CHECK(empty.count() == 0);
    CHECK(empty.entries().empty());
  }
  fill(path);
  const auto l = ledger::Ledger::open(path, false);
  const auto all = l.entries();
  REQUIRE(all.size() == 320);
  auto head = l.head();
  REQUIRE(head.has_value());
  CHECK(head->seq == 320);
  CHECK(head->hash == all.back().hash);
  CHECK(head->prev_hash == all[318].hash);
  CHECK(head->stored_payload == all.back().stored_payload);
  CHECK(head->signature == all.back().signature);
  CHECK(ledger::payload(*head) == head->stored_payload);
  append_confirmation(path, "nurse-9");
  head = l.head();
  REQUIRE(head.has_value());
  CHECK(head->seq == 321);
  CHECK(head->actor == "nurse-9");
  CHECK(head->prev_hash == all.back().hash);
}

LEDGER_TEST_CASE("for_each: every entry that passes the filter, in order, until the visitor stops",
                 "[ledger][stream]") {
  TempDir dir;
  const auto path = store.location(dir);
  fill(path);
  const auto l = ledger::Ledger::open(path, false);
  ledger::Filter f;
  f.din = din(3);
  std::vector<long long> seqs;
  l.for_each(f, [&](const ledger::Entry& e) {
    CHECK(e.din == din(3));
    seqs.push_back(e.seq);
    return true;
  });
  CHECK(seqs == std::vector<long long>{17, 18, 19, 20, 21, 22, 23, 24});
  CHECK(l.count(f) == 8);
  f.kind = "confirm";
  CHECK(l.count(f) == 3);
  std::size_t visited = 0;
  l.for_each({}, [&](const ledger::Entry& e) {
    ++visited;
    return e.seq < 5;
  });
  CHECK(visited == 5);
  // The reused row object carries nothing over from the row before: an entry without
  // divisions, signature or schema 3 fields reads back without them.
  std::vector<ledger::Entry> copies;
  l.for_each({}, [&](const ledger::Entry& e) {
    copies.push_back(e);
    return true;
  });
  const auto fresh = l.entries();
  REQUIRE(copies.size() == fresh.size());
  for (std::size_t i = 0; i < copies.size(); ++i) {
    INFO("entry " << i + 1);
    CHECK(ledger::payload(copies[i]) == copies[i].stored_payload);
    CHECK(copies[i].signature == fresh[i].signature);
  }
  CHECK(copies[1].divisions.empty());        // entry 2: i % 11 == 1
  CHECK(copies[1].signature.empty());        // entry 2: unsigned
  CHECK(copies[3].refers_to == 1);           // entry 4: a confirmation
  CHECK(copies[4].recipient.empty());        // entry 5: results, no recipient
  CHECK_FALSE(copies[3].signature.empty());  // entry 4: signed
}

LEDGER_TEST_CASE("snapshot: reads that belong together see one state while others append",
                 "[ledger][stream]") {
  TempDir dir;
  const auto path = store.location(dir);
  fill(path);
  const auto l = ledger::Ledger::open(path, false);
  {
    const auto snapshot = l.snapshot();
    CHECK(l.head()->seq == 320);
    append_confirmation(path, "nurse-1");  // another connection, as another process
    CHECK(l.head()->seq == 320);
    CHECK(l.count() == 320);
    CHECK(l.highest_seq_ever() == 320);
    {
      const auto inner = l.snapshot();  // nested: still the outer one's state
      CHECK(l.count() == 320);
    }
    CHECK(l.count() == 320);
  }
  CHECK(l.head()->seq == 321);
  CHECK(l.count() == 321);
  // Inside a write transaction a snapshot changes nothing, and the transaction commits.
  auto w = ledger::Ledger::open(path, false);
  w.begin();
  {
    const auto snapshot = w.snapshot();
    ledger::Entry e;
    e.kind = "confirm";
    e.at = "2026-11-03T13:00:00Z";
    e.actor = "nurse-2";
    e.din = din(1);
    e.decision = "go";
    w.prepare(e);
    w.append(e);
  }
  w.commit();
  CHECK(l.head()->actor == "nurse-2");
}
