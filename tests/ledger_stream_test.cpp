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
  // streamed (each run's ledger path replaced by LEDGER); the table's and the CSV's since the
  // table fits a terminal and the CSV's chain head row has the header's shape (the in-memory
  // forms, write_table and write_csv, write through the same writers).
  struct Export {
    std::vector<std::string> args;
    std::size_t size;
    std::string sha256;
  };
  const std::vector<Export> exports{
      {{}, 47325, "6a620580ddf0547da7d01c29f15ae8f0b486059932393dc171767625526f523f"},
      {{"--format", "csv"},
       122079,
       "eb124681152c2b10c29f24de6d96339e6667bcb5e314d1ffff81ca69d58371f9"},
      {{"--format", "json"},
       320631,
       "446e1d23e43b23fec81508cb3e97c4a76a10fac8cef093097fda244aa8a7a205"},
      {{"--lot", din(7)}, 1333, "b016af446aa92a2d07830317de74d5e662c8290c70ac90efc1bc1f35ff7b5c98"},
      {{"--lot", din(7), "--format", "csv"},
       3357,
       "75b2e731cd92e7802be34de42a849e80c299b0c843fdf9717fc4e638a0296221"},
      {{"--lot", din(7), "--format", "json"},
       8191,
       "3803a772562a3812e4ab4c7688f3be981390538bf72c9eed1e70f1d9485d98b3"},
      {{"--kind", "confirm", "--format", "csv"},
       36944,
       "a7050701110398563066c2b1ee7779ac3f642305c045f768dd995a8da58eadf7"},
      {{"--lot", din(9), "--kind", "recall"},
       292,
       "b12e9664daab7ebf7a5a7209e44a3efc1e7b63eb0593ff99d51a064773ff7e88"},
      {{"--since", "2026-11-01T12:00:00Z", "--until", "2026-11-01T20:00:00Z", "--format", "json"},
       69461,
       "b86362fc6c24d3880998466d022611cfeb23a020218d491d3a793a53eeb7f2c0"},
      {{"--lot", din(999)},
       173,
       "9e865176f1f697690aa532f29e68f7431526309c8e461a2315138dcd8d2c016d"},
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
