// Mistakes filed under their own names: a trust directory without crls/ or labs/ is a
// configuration error (exit 2), not a rejection; a record that exists and an --out that is a file
// have codes of their own; a specification for another product says so first; a file that is no
// CoA is refused before anything reaches the ledger.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace dosegate {
namespace {

namespace fs = std::filesystem;
using test::contains;
using test::run_cli;
using test::run_cli_at;

constexpr const char* kNow = "2026-11-21T12:00:00Z";

std::string s(const std::string& relative) {
  return test::source(relative);
}

std::string copy_trust(const test::TempDir& dir) {
  const auto trust = dir.file("trust");
  fs::copy(s("certs/trust"), trust, fs::copy_options::recursive);
  return trust;
}

std::vector<std::string> release_args(const std::string& coa, const std::string& trust,
                                      const std::string& out, const std::string& ledger) {
  std::vector<std::string> args{"release", coa, "--trust", trust, "--out", out, "--ledger", ledger};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  return args;
}

}  // namespace

TEST_CASE("misfiling: a trust directory without crls/ or labs/ is a configuration error",
          "[cli][misfiling][trust]") {
  for (const auto& [sub, code] :
       {std::pair{"crls", "trust.crls-missing"}, std::pair{"labs", "trust.labs-missing"}}) {
    INFO(sub);
    test::TempDir dir;
    const auto trust = copy_trust(dir);
    fs::remove_all(trust + "/" + sub);
    auto r =
        run_cli({"verify", s("samples/coa-pass.xml"), "--trust", trust, "--as-of", kNow, "--json"});
    CHECK(r.code == 2);
    CHECK(contains(
        r.err, std::string("error [") + code + "]: " + trust + "/" + sub + ": no such directory"));
    CHECK(contains(r.out, std::string("\"code\": \"") + code + "\""));
    CHECK(contains(r.out, "\"decision\": \"error\""));
    // release: nothing written, no ledger created.
    const auto ledger = dir.file("ledger.sqlite");
    r = run_cli_at(release_args(s("samples/coa-pass.xml"), trust, dir.file("records"), ledger),
                   kNow);
    CHECK(r.code == 2);
    CHECK(contains(r.err, code));
    CHECK_FALSE(fs::exists(ledger));
    CHECK_FALSE(fs::exists(dir.file("records")));
  }
  // An empty crls/ is there but holds no CRL: that still fails closed as a verdict (exit 1).
  test::TempDir dir;
  const auto trust = copy_trust(dir);
  for (const auto& e : fs::directory_iterator(trust + "/crls")) fs::remove(e.path());
  const auto r =
      run_cli({"verify", s("samples/coa-pass.xml"), "--trust", trust, "--as-of", kNow, "--json"});
  CHECK(r.code == 1);
  CHECK(test::error_codes(r.out).count("signature.crl-missing") == 1);
}

TEST_CASE("misfiling: a record that exists is release.record-exists, an --out file io.out-exists",
          "[cli][misfiling][release]") {
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  const auto out = dir.file("records");
  REQUIRE(run_cli_at(release_args(s("samples/coa-pass.xml"), s("certs/trust"), out, ledger), kNow)
              .code == 0);
  auto args = release_args(s("samples/coa-pass.xml"), s("certs/trust"), out, ledger);
  args.insert(args.end(), {"--again", "--reason", "records lost", "--json"});
  auto r = run_cli_at(args, "2026-11-21T12:30:00Z");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [release.record-exists]: " + out + "/"));
  CHECK(contains(r.err, "a release record already exists under this name"));
  CHECK(contains(r.out, "\"code\": \"release.record-exists\""));

  const auto file = dir.file("not-a-directory");
  { std::ofstream(file) << "x"; }
  const auto other_ledger = dir.file("other.sqlite");
  r = run_cli_at(release_args(s("samples/coa-pass.xml"), s("certs/trust"), file, other_ledger),
                 kNow);
  CHECK(r.code == 2);
  CHECK(contains(
      r.err, "error [io.out-exists]: " + file + ": --out is an existing file, not a directory"));
  CHECK_FALSE(fs::exists(other_ledger));
  CHECK(test::read_file_text(file) == "x");
}

TEST_CASE("misfiling: a specification for another product says so first",
          "[cli][misfiling][spec]") {
  const auto r =
      run_cli({"verify", s("samples/coa-pass.xml"), "--trust", s("certs/trust"), "--spec",
               s("samples/specs/msc-exosome.signed.xml"), "--as-of", kNow, "--json"});
  CHECK(r.code == 1);
  const auto first_error = r.out.find("\"severity\": \"error\"");
  const auto applicable = r.out.find("\"code\": \"spec.not-applicable\"");
  REQUIRE(applicable != std::string::npos);
  REQUIRE(first_error != std::string::npos);
  CHECK(applicable < first_error);  // its code comes just before its severity
  const auto text = run_cli({"verify", s("samples/coa-pass.xml"), "--trust", s("certs/trust"),
                             "--spec", s("samples/specs/msc-exosome.signed.xml"), "--as-of", kNow});
  CHECK(contains(text.out, "errors (spec.not-applicable, "));
}

TEST_CASE("misfiling: a file that is no CoA is refused before the ledger",
          "[cli][misfiling][release]") {
  for (const char* file :
       {"samples/bedside-go.png", "samples/specs/wj-msc.xml", "schemas/coa.xsd"}) {
    INFO(file);
    test::TempDir dir;
    const auto ledger = dir.file("ledger.sqlite");
    const auto r =
        run_cli_at(release_args(s(file), s("certs/trust"), dir.file("records"), ledger), kNow);
    CHECK(r.code == 2);
    CHECK(
        contains(r.err, "error: " + s(file) + " is not a Certificate of Analysis (coa.malformed"));
    CHECK(contains(r.err, "nothing was recorded"));
    CHECK_FALSE(fs::exists(ledger));
    CHECK_FALSE(fs::exists(dir.file("records")));
  }
  // A malformed CoA is still a CoA: its rejection is recorded, with exit 1.
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  const auto r = run_cli_at(release_args(s("tests/data/coa/invalid/din-12-chars.xml"),
                                         s("certs/trust"), dir.file("records"), ledger),
                            kNow);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "The rejection is ledger entry 1"));
}

}  // namespace dosegate
