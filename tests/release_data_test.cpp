// release-data.json, the signed attachment of every release record: its bytes are pinned.
#include <catch2/catch.hpp>

#include "dosegate/release/release_data.hpp"
#include "format_fixtures.hpp"
#include "test_support.hpp"

using namespace dosegate;

TEST_CASE("release data: a fully populated record keeps its exact bytes",
          "[release-data][format]") {
  CHECK(to_json(test::full_release_data()) ==
        test::read_source("tests/data/formats/release-data-full.json"));
}
