// release-data.json, the signed attachment of every release record: its bytes are pinned.
#include <catch2/catch.hpp>

#include "dosegate/release_data.hpp"
#include "format_fixtures.hpp"
#include "test_support.hpp"

using namespace dosegate;

TEST_CASE("release data: a fully populated record keeps its exact bytes",
          "[release-data][format]") {
  CHECK(to_json(test::full_release_data()) ==
        test::read_source("tests/data/formats/release-data-full.json"));
}

namespace {

std::string golden() {
  return test::read_source("tests/data/formats/release-data-full.json");
}

// `text` with its first `from` replaced by `to` (which must be there).
std::string edited(const std::string& from, const std::string& to) {
  auto text = golden();
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

// The message of the ReleaseDataError reading `text` throws; fails on any other outcome.
std::string error_of(const std::string& text) {
  try {
    release_data_from_json(text);
  } catch (const ReleaseDataError& e) {
    CHECK(e.code() == "release-data.invalid");
    return e.what();
  }
  FAIL("read without an error");
  return "";
}

}  // namespace

TEST_CASE("release data: what to_json writes reads back to the same bytes",
          "[release-data][format]") {
  const auto data = release_data_from_json(golden());
  CHECK(to_json(data) == golden());
  CHECK(data.ledger_seq == 9007199254740993LL);
  CHECK(data.criteria.at(2).verdict == Verdict::pending);
  CHECK(data.use_within_after_thaw_minutes == 60);

  auto minimal = test::full_release_data();
  minimal.use_within_after_thaw_minutes.reset();
  minimal.criteria.clear();
  minimal.pending.clear();
  minimal.decision = "releasable";
  const auto bytes = to_json(minimal);
  const auto back = release_data_from_json(bytes);
  CHECK_FALSE(back.use_within_after_thaw_minutes);
  CHECK(to_json(back) == bytes);
}

TEST_CASE("release data: another version is refused, naming the versions it reads",
          "[release-data][negative]") {
  CHECK(error_of(edited("\"version\": 3,", "\"version\": 4,")) ==
        "release data version 4 is not supported; this dosegate reads versions 1 to 3");
  CHECK(error_of(edited("\"version\": 3,", "\"version\": 0,")) ==
        "release data version 0 is not supported; this dosegate reads versions 1 to 3");
  CHECK(error_of(edited("\"version\": 3,", "\"version\": \"3\",")) ==
        "version must be an integer, found string");
  CHECK(error_of(edited("\"version\": 3,", "\"version\": 3.0,")) ==
        "version must be an integer, found number");
  CHECK(error_of(edited("  \"version\": 3,\n", "")) == "version is missing");
}

TEST_CASE("release data: version 2 writes what an overdue pending test means",
          "[release-data][format][overdue]") {
  CHECK(kReleaseDataVersion == 3);
  const auto data = release_data_from_json(golden());
  REQUIRE(data.pending.size() == 2);
  CHECK(data.pending[0].when_overdue == "warn");
  CHECK(data.pending[1].when_overdue == "no-go");
  CHECK(test::contains(golden(), "\"version\": 3,"));
  CHECK(test::contains(golden(),
                       "\"expected\": \"2026-11-30\",\n      \"when_overdue\": \"warn\"\n"));
}

TEST_CASE("release data: a version 2 record still reads, without a specification approval",
          "[release-data][format]") {
  // The signed attachment of records written before version 3, byte for byte.
  const auto v2 = test::read_source("tests/data/formats/release-data-full-2.json");
  CHECK(test::contains(v2, "\"version\": 2,"));
  CHECK_FALSE(test::contains(v2, "approver"));
  const auto data = release_data_from_json(v2);
  CHECK(data.spec_approval.empty());
  CHECK(data.spec_approver_subject.empty());
  REQUIRE(data.pending.size() == 2);
  CHECK(data.pending[0].when_overdue == "warn");
  auto expected = test::full_release_data();
  expected.spec_approval.clear();
  expected.spec_approver_subject.clear();
  expected.spec_approver_sha256.clear();
  expected.spec_approved_at.clear();
  CHECK(to_json(data) == to_json(expected));
  // A version 2 document with version 3's fields is refused: a version is exactly what it wrote.
  auto with = v2;
  with.replace(with.find("\"use_within_after_thaw_minutes\": 60"),
               std::string("\"use_within_after_thaw_minutes\": 60").size(),
               "\"use_within_after_thaw_minutes\": 60, \"approval\": \"approved\"");
  CHECK(error_of(with) ==
        "unknown field specification.approval (release data version 2 has no such field)");
}

TEST_CASE("release data: an exceptional release carries its recipient, physician and reason",
          "[release-data][exceptional]") {
  auto d = test::full_release_data();
  d.decision = "exceptional-release";
  d.exceptional_recipient = "MRN-0042";
  d.exceptional_physician = "Dr. \xC3\x89xample \"A\"";
  d.exceptional_reason = "no other option\nline 2";
  const auto bytes = to_json(d);
  CHECK(test::contains(bytes, "\"exceptional\": {\n    \"recipient\": \"MRN-0042\""));
  const auto back = release_data_from_json(bytes);
  CHECK(back.exceptional_recipient == "MRN-0042");
  CHECK(back.exceptional_physician == d.exceptional_physician);
  CHECK(to_json(back) == bytes);
  // Without its object, or with an empty recipient, or in a version 2 document: refused.
  auto without = bytes.substr(0, bytes.find(",\n  \"exceptional\"")) + "\n}";
  CHECK(error_of(without) == "exceptional is missing");
  auto empty = bytes;
  empty.replace(empty.find("\"MRN-0042\""), 10, "\"\"");
  CHECK(error_of(empty) ==
        "exceptional.recipient is empty: an exceptional release names its "
        "recipient");
  CHECK(error_of(edited("\"decision\": \"releasable-pending\"",
                        "\"decision\": \"exceptional-release\"")) == "exceptional is missing");
}

TEST_CASE("release data: version 3 names the specification's approval, strictly",
          "[release-data][negative]") {
  const auto data = release_data_from_json(golden());
  CHECK(data.spec_approval == "approved");
  CHECK(data.spec_approved_at == "2026-11-01T09:00:00Z");
  CHECK(error_of(edited("\"approval\": \"approved\"", "\"approval\": \"yes\"")) ==
        "specification.approval is \"yes\", not approved, built-in or unapproved");
  CHECK(error_of(edited(",\n    \"approved_at\": \"2026-11-01T09:00:00Z\"", "")) ==
        "specification.approved_at is missing");
}

TEST_CASE("release data: a version 1 record still reads, its pending tests no-go when overdue",
          "[release-data][format][overdue]") {
  // The signed attachment of records written before version 2, byte for byte.
  const auto v1 = test::read_source("tests/data/formats/release-data-full-1.json");
  CHECK(test::contains(v1, "\"version\": 1,"));
  CHECK_FALSE(test::contains(v1, "when_overdue"));
  const auto data = release_data_from_json(v1);
  REQUIRE(data.pending.size() == 2);
  CHECK(data.pending[0].when_overdue == "no-go");
  CHECK(data.pending[1].when_overdue == "no-go");
  CHECK(data.din == "A999926000147");
  CHECK(data.ledger_seq == 9007199254740993LL);
  // Read again it is the same data, which this dosegate writes as version 2.
  auto expected = test::full_release_data();
  for (auto& p : expected.pending) p.when_overdue = "no-go";
  expected.spec_approval.clear();
  expected.spec_approver_subject.clear();
  expected.spec_approver_sha256.clear();
  expected.spec_approved_at.clear();
  CHECK(to_json(data) == to_json(expected));
  // A record of a real release, written by the dosegate before version 2 (the fuzz corpus).
  const auto record =
      release_data_from_json(test::read_source("tests/fuzz/corpus/json_reader/release-data.json"));
  REQUIRE(record.pending.size() == 1);
  CHECK(record.pending[0].test == "mycoplasma");
  CHECK(record.pending[0].when_overdue == "no-go");
}

TEST_CASE("release data: when_overdue is required in version 2 and unknown in version 1",
          "[release-data][negative][overdue]") {
  CHECK(error_of(edited(",\n      \"when_overdue\": \"warn\"", "")) ==
        "pending[0].when_overdue is missing");
  CHECK(error_of(edited("\"when_overdue\": \"warn\"", "\"when_overdue\": \"later\"")) ==
        "pending[0].when_overdue is \"later\", not no-go or warn");
  CHECK(error_of(edited("\"when_overdue\": \"no-go\"", "\"when_overdue\": null")) ==
        "pending[1].when_overdue must be a string, found null");
  // Version 1 had no such field: a version 1 document that carries it is not one to_json wrote.
  CHECK(error_of(edited("\"version\": 3,", "\"version\": 1,")) ==
        "unknown field pending[0].when_overdue (release data version 1 has no such field)");
}

TEST_CASE("release data: another format is refused", "[release-data][negative]") {
  CHECK(error_of(edited("dosegate-release-data", "dosegate-history")) ==
        "format is \"dosegate-history\", not \"dosegate-release-data\"");
  CHECK(error_of("[]") == "the document must be an object, found array");
  CHECK(error_of("{}") == "format is missing");
}

TEST_CASE("release data: a missing field is refused, naming it", "[release-data][negative]") {
  CHECK(error_of(edited("    \"din\": \"A999926000147\",\n", "")) == "lot.din is missing");
  CHECK(error_of(edited("    \"released_at\": \"2026-11-21T12:00:00Z\"\n", "    \"x\": 1\n")) ==
        "release.released_at is missing");
  CHECK(error_of(edited("      \"method\": \"PCR\\ttab\",\n", "")) ==
        "pending[0].method is missing");
  CHECK(error_of(edited("      \"verdict\": \"info\"\n", "      \"x\": \"info\"\n")) ==
        "criteria[3].verdict is missing");
}

TEST_CASE("release data: a field of the wrong type is refused, naming it",
          "[release-data][negative]") {
  CHECK(error_of(edited("\"dose_count\": 2", "\"dose_count\": \"2\"")) ==
        "lot.dose_count must be an integer, found string");
  CHECK(error_of(edited("\"din\": \"A999926000147\"", "\"din\": null")) ==
        "lot.din must be a string, found null");
  CHECK(error_of(edited("\"use_within_after_thaw_minutes\": 60",
                        "\"use_within_after_thaw_minutes\": 60.5")) ==
        "specification.use_within_after_thaw_minutes must be an integer, found number");
  CHECK(error_of(edited("\"use_within_after_thaw_minutes\": 60",
                        "\"use_within_after_thaw_minutes\": 99999999999")) ==
        "specification.use_within_after_thaw_minutes is 99999999999, outside 0..2147483647");
  CHECK(error_of(edited("\"index\": 2", "\"index\": -2")) ==
        "dose.index is -2, outside 0..9223372036854775807");
  CHECK(error_of(edited("\"criteria\": [", "\"criteria\": \"none\", \"x\": [")) ==
        "criteria must be an array, found string");
  CHECK(error_of(edited("\"verdict\": \"pass\"", "\"verdict\": true")) ==
        "criteria[0].verdict must be a string, found boolean");
  CHECK(error_of(edited("\"verdict\": \"pass\"", "\"verdict\": \"ok\"")) ==
        "criteria[0].verdict is \"ok\", not a verdict");
  CHECK(error_of(edited("\"decision\": \"releasable-pending\"", "\"decision\": \"rejected\"")) ==
        "decision is \"rejected\", not releasable or releasable-pending or exceptional-release");
  CHECK(error_of(edited("\"lot\": {", "\"lot\": \"x\", \"y\": {")) ==
        "lot must be an object, found string");
}

TEST_CASE("release data: an unknown field, a key twice or a wrong record_id is refused",
          "[release-data][negative]") {
  CHECK(error_of(edited("\"din\": \"A999926000147\",", "\"din\": \"A999926000147\", \"x\": 1,")) ==
        "unknown field lot.x (release data version 3 has no such field)");
  CHECK(error_of(edited("\"decision\": \"releasable-pending\",",
                        "\"decision\": \"releasable-pending\", \"go\": true,")) ==
        "unknown field go (release data version 3 has no such field)");
  CHECK(error_of(edited("\"division\": \"B0\",", "\"division\": \"B0\", \"division\": \"A0\",")) ==
        "JSON: the key \"division\" appears twice in one object");
  CHECK(error_of(edited("\"division\": \"B0\"", "\"division\": \"A0\"")) ==
        "record_id is \"A999926000147-S1234V00-B0\" but the lot, product and dose make "
        "\"A999926000147-S1234V00-A0\"");
  CHECK(error_of(golden() + "x").rfind("JSON: parse error", 0) == 0);
  CHECK(error_of("{\"format\": \"\\uzzzz\"}").rfind("JSON: parse error", 0) == 0);
}
