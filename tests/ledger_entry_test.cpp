// The ledger entry's hashed bytes: pinned, because every existing ledger's hashes and
// signatures are over them.
#include <catch2/catch.hpp>

#include "dosegate/ledger/ledger.hpp"
#include "format_fixtures.hpp"
#include "test_support.hpp"

using namespace dosegate;

TEST_CASE("ledger payload: a fully populated entry keeps its exact bytes and hash",
          "[ledger][format]") {
  const auto e = test::full_entry();
  const auto p = ledger::payload(e);
  CHECK(p == test::read_source("tests/data/formats/ledger-payload-full.json"));
  CHECK(ledger::entry_hash(e.prev_hash, p) ==
        "4de9c167ceb3abc5362a9b2f5f314a4eb045f7f246a05f72b7c38e8a31a09700");
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
