// The ledger entry's hashed bytes: pinned, because every existing ledger's hashes and
// signatures are over them.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include "dosegate/ledger/ledger.hpp"

#include <sstream>
#include <type_traits>

#include "format_fixtures.hpp"
#include "ledger/export.hpp"
#include "ledger/fields.hpp"
#include "test_support.hpp"

using namespace dosegate;

TEST_CASE(
    "ledger payload: a fully populated entry without the schema 3 fields keeps the exact bytes "
    "and hash of entries written before schema 3",
    "[ledger][format]") {
  const auto e = test::full_entry();
  const auto p = ledger::payload(e);
  CHECK(p == test::read_source("tests/data/formats/ledger-payload-full.json"));
  CHECK(ledger::entry_hash(e.prev_hash, p) ==
        "4de9c167ceb3abc5362a9b2f5f314a4eb045f7f246a05f72b7c38e8a31a09700");
}

TEST_CASE("ledger payload: a fully populated schema 3 entry keeps its exact bytes and hash",
          "[ledger][format]") {
  const auto e = test::full_entry_3();
  const auto p = ledger::payload(e);
  CHECK(p == test::read_source("tests/data/formats/ledger-payload-full-3.json"));
  CHECK(ledger::entry_hash(e.prev_hash, p) ==
        "eb2aaf838970a01ac0987a8eca14f96abece967acc8cbe9fe62a9c6a246b587f");
  // The schema 3 fields follow the schema 2 payload, each only when set.
  const auto p2 = ledger::payload(test::full_entry());
  CHECK(p.substr(0, p2.size() - 1) == p2.substr(0, p2.size() - 1));
}

TEST_CASE("ledger payload: a fully populated schema 4 entry keeps its exact bytes and hash",
          "[ledger][format]") {
  const auto e = test::full_entry_4();
  const auto p = ledger::payload(e);
  CHECK(p == test::read_source("tests/data/formats/ledger-payload-full-4.json"));
  CHECK(ledger::entry_hash(e.prev_hash, p) ==
        "ffb567c851fafc5a192fb1439e2ef3762c4dec2f9b81ee5d9dcb514faf57d837");
  // The schema 4 fields follow the schema 3 payload, each only when set.
  const auto p3 = ledger::payload(test::full_entry_3());
  CHECK(p.substr(0, p3.size() - 1) == p3.substr(0, p3.size() - 1));
  CHECK(test::contains(p, ",\"spec_approved_at\":\"2026-11-01T09:00:00Z\"}"));
}

TEST_CASE("ledger payload: bytes that are not UTF-8 pass through unchanged", "[ledger][format]") {
  ledger::Entry e;
  e.seq = 1;
  e.kind = "confirm";
  e.actor = "nurse-\xff\xfe\xc3";
  e.reason = "\xed\xa0\x80";  // an encoded surrogate
  CHECK(ledger::payload(e) ==
        "{\"format\":\"dosegate-ledger-entry\",\"version\":1,\"seq\":1,\"kind\":\"confirm\","
        "\"at\":\"\",\"actor\":\"nurse-\xff\xfe\xc3\",\"actor_sha256\":\"\",\"din\":\"\","
        "\"divisions\":[],\"decision\":\"\",\"coa_id\":\"\",\"coa_sha256\":\"\",\"spec_id\":\"\","
        "\"spec_version\":\"\",\"spec_sha256\":\"\",\"records\":[],\"reason\":\"\xed\xa0\x80\"}");
}

TEST_CASE("ledger export: history's CSV and JSON of a fully populated entry keep their bytes",
          "[ledger][format]") {
  const auto e = test::full_entry_4();
  std::ostringstream csv, json;
  ledger::write_csv(csv, {e, e}, e);
  ledger::write_json(json, {e, e}, e, "/var/lib/dosegate/ledger.sqlite");
  CHECK(csv.str() == test::read_source("tests/data/formats/history-full.csv"));
  CHECK(json.str() == test::read_source("tests/data/formats/history-full.json"));
  std::ostringstream empty;
  ledger::write_csv(empty, {}, std::nullopt);
  CHECK(empty.str() ==
        "\xEF\xBB\xBFseq,at_utc,kind,decision,din,divisions,actor,actor_sha256,"
        "coa_id,coa_sha256,spec_id,spec_version,spec_sha256,records,reason,"
        "refers_to,recipient,second_staff,thawed_at_utc,warnings,"
        "spec_approver,spec_approver_sha256,spec_approved_at_utc,"
        "prev_hash,hash\r\n,,chain-head,,,,,,,,,,,,,,,,,,,,,,\r\n");
}

namespace {

// `e` with the value of field `f` changed.
ledger::Entry changed(ledger::Entry e, const ledger::EntryField& f) {
  ledger::visit_field(
      f, e,
      ledger::Overload{[](long long& n) { ++n; }, [](std::string& v) { v += "x"; },
                       [](std::vector<std::string>& d) { d.back() += "x"; },
                       [](std::vector<ledger::RecordRef>& r) { r.back().sha256.back() = 'f'; }});
  return e;
}

bool same_value(const ledger::EntryField& f, const ledger::Entry& a, const ledger::Entry& b) {
  return ledger::visit_field(f, a, [&](const auto& va) {
    using T = std::decay_t<decltype(va)>;
    return ledger::visit_field(f, b, [&](const auto& vb) {
      if constexpr (std::is_same_v<T, std::vector<ledger::RecordRef>>) {
        if constexpr (std::is_same_v<std::decay_t<decltype(vb)>, T>) {
          if (va.size() != vb.size()) return false;
          for (std::size_t i = 0; i < va.size(); ++i)
            if (va[i].file != vb[i].file || va[i].sha256 != vb[i].sha256) return false;
          return true;
        }
        return false;
      } else if constexpr (std::is_same_v<std::decay_t<decltype(vb)>, T>) {
        return va == vb;
      } else {
        return false;
      }
    });
  });
}

}  // namespace

TEST_CASE("ledger fields: changing any one content field changes the hash", "[ledger][format]") {
  const auto e = test::full_entry_3();
  const auto p = ledger::payload(e);
  const auto h = ledger::entry_hash(e.prev_hash, p);
  for (const auto& f : ledger::kEntryFields) {
    INFO(f.name);
    const auto c = changed(e, f);
    REQUIRE_FALSE(same_value(f, c, e));
    if (f.hashed) {
      CHECK(ledger::payload(c) != p);
      CHECK(ledger::entry_hash(c.prev_hash, ledger::payload(c)) != h);
    } else {
      CHECK(ledger::payload(c) == p);
    }
  }
}

TEST_CASE("ledger fields: only the chain's own hashes are left out of the payload",
          "[ledger][format]") {
  std::vector<std::string> unhashed;
  for (const auto& f : ledger::kEntryFields)
    if (!f.hashed) unhashed.emplace_back(f.name);
  CHECK(unhashed == std::vector<std::string>{"prev_hash", "hash"});
}

TEST_CASE(
    "ledger fields: the database's columns are the field list, the payload, the "
    "signature and the revocation data",
    "[ledger][format]") {
  test::TempDir dir;
  const auto path = dir.file("ledger.sqlite");
  ledger::Ledger::open(path, true);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::vector<std::string> columns;
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info('entries') ORDER BY cid", -1,
                             &s, nullptr) == SQLITE_OK);
  while (sqlite3_step(s) == SQLITE_ROW)
    columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
  sqlite3_finalize(s);
  sqlite3_close(db);

  std::vector<std::string> fields;
  for (const auto& f : ledger::kEntryFields) fields.emplace_back(f.name);
  std::vector<std::string> stored;
  for (const auto& c : columns)
    if (c != "payload" && c != "signature" && c != "crls") stored.push_back(c);
  CHECK(stored == fields);
  CHECK(columns.size() == fields.size() + 3);
  CHECK(columns.back() == "crls");
}

TEST_CASE("ledger fields: every field of an appended entry reads back", "[ledger][format]") {
  test::TempDir dir;
  auto l = ledger::Ledger::open(dir.file("ledger.sqlite"), true);
  auto e = test::full_entry();
  l.begin();
  l.prepare(e);
  l.append(e);
  l.commit();
  const auto back = l.entries();
  REQUIRE(back.size() == 1);
  for (const auto& f : ledger::kEntryFields) {
    INFO(f.name);
    CHECK(same_value(f, back[0], e));
  }
  CHECK(back[0].signature == e.signature);
  CHECK(back[0].stored_payload == ledger::payload(e));
  CHECK(back[0].crls == e.crls);
}
