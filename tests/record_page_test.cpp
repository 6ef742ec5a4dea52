// What the release record's page shows people: names as they read them, the thaw window, and a
// text layer poppler reads without warnings (a ToUnicode map of the codes shown).
#include <catch2/catch.hpp>
#include <filesystem>

#include "test_support.hpp"

namespace dosegate {

using test::contains;

TEST_CASE("record page: readable names, the thaw window, text poppler reads without warnings",
          "[release][record]") {
  test::TempDir dir;
  auto args = std::vector<std::string>{"release",  test::source("samples/coa-pass.xml"),
                                       "--trust",  test::source("certs/trust"),
                                       "--out",    dir.file("records"),
                                       "--ledger", dir.file("ledger.sqlite"),
                                       "--quiet"};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  REQUIRE(test::run_cli_at(args, "2026-11-21T12:00:00Z").code == 0);
  const auto record = dir.file("records/A999926000147-S1234V00-A0.pdf");
  REQUIRE(std::filesystem::exists(record));
  // pdftotext's standard error is part of the output: any warning shows.
  const auto text = test::run_process("pdftotext " + test::quote_arg(record) + " -");
  INFO(text.output);
  REQUIRE(text.code == 0);
  CHECK_FALSE(contains(text.output, "Warning"));
  CHECK_FALSE(contains(text.output, "ToUnicode"));
  // Signers as people read them, never RFC 2253 escapes.
  CHECK(contains(text.output,
                 "QC Signer EC, Example QC Laboratory GmbH (Example QC Laboratory GmbH, DE)"));
  CHECK(contains(text.output, "Alex Example, QA Release (Example Clinic QA, DE)"));
  CHECK_FALSE(contains(text.output, "\\,"));
  CHECK_FALSE(contains(text.output, "CN="));
  // The specification's use-within-after-thaw window.
  CHECK(contains(text.output, "Use after thaw"));
  CHECK(contains(text.output, "within 90 minutes of thawing (wj-msc version 1)"));
  // Manufacture date and storage condition from the CoA.
  CHECK(contains(text.output, "Manufactured"));
  CHECK(contains(text.output, "2026-11-02"));
  CHECK(contains(text.output, "Storage"));
  CHECK(contains(text.output, "LN2 vapour phase, at or below -135 C"));
  // Characters beyond ASCII come back as themselves through the ToUnicode map.
  CHECK(contains(text.output, "\xE2\x89\xA5 95 %"));  // ≥ 95 %
  // Still a valid, whole-file signature.
  const auto sig = test::run_process("pdfsig " + test::quote_arg(record));
  CHECK(contains(sig.output, "Signature is Valid."));
  CHECK(contains(sig.output, "Total document signed"));
}

}  // namespace dosegate
