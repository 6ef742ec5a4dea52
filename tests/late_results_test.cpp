// Late results and overdue tests: `release` warns about a pending test already overdue, and
// release-data.json says what an overdue pending test means at the bedside.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "pdf/verify_record.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::run_cli;
using test::TempDir;

namespace {

const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kBedside = "2026-12-01T10:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

void replace(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

std::vector<std::string> releaser() {
  return {"--key",   pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"),
          "--chain", pki("qa-chain.pem")};
}

// Signs `unsigned_xml` as the test laboratory (enveloped XML-DSig) into dir/NAME.
std::string signed_coa(const TempDir& dir, const std::string& name,
                       const std::string& unsigned_xml) {
  write(dir.file(name + ".unsigned"), unsigned_xml);
  const auto r =
      run_cli({"sign-coa", dir.file(name + ".unsigned"), "--key", pki("lab-ec.key.pem"), "--cert",
               pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"), "--out", dir.file(name)});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  return dir.file(name);
}

// The pending-mycoplasma lot released into a ledger of its own (entries 1 and 2).
struct Released {
  TempDir dir;
  std::string ledger = dir.file("ledger.sqlite");
  Released() {
    std::vector<std::string> args{"release",  src("samples/coa-pending-mycoplasma.xml"),
                                  "--trust",  src("certs/trust"),
                                  "--out",    dir.file("records"),
                                  "--ledger", ledger,
                                  "--quiet"};
    for (const auto& a : releaser()) args.push_back(a);
    const auto r = test::run_cli_at(args, kReleased);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  std::string record(const std::string& division) const {
    return dir.file("records/A999926000154-S1234V00-" + division + ".pdf");
  }
  std::vector<ledger::Entry> entries() const {
    return ledger::Ledger::open(ledger, false).entries();
  }
};

}  // namespace

namespace {

// Releases the pending-mycoplasma sample with mycoplasma expected on `expected`, at kReleased,
// into a ledger of its own in `dir`; returns the output.
test::CliResult release_expecting(const TempDir& dir, const std::string& expected) {
  auto xml = test::read_source("samples/coa-pending-mycoplasma.xml");
  replace(xml, "<Expected>2026-11-30</Expected>", "<Expected>" + expected + "</Expected>");
  const auto coa = signed_coa(dir, "coa.xml", xml);
  std::vector<std::string> args{"release",  coa,
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("records"),
                                "--ledger", dir.file("ledger.sqlite")};
  for (const auto& a : releaser()) args.push_back(a);
  return test::run_cli_at(args, kReleased);
}

}  // namespace

TEST_CASE("release: a pending test already overdue is released with a warning in the ledger",
          "[release][overdue]") {
  TempDir dir;
  const auto r = release_expecting(dir, "2026-11-20");  // released 2026-11-21
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out,
                 "Warning [release.pending-overdue]: mycoplasma was expected 2026-11-20 and "
                 "is still pending; released as the specification allows, with the "
                 "warning in release entry 1"));
  const auto entries = ledger::Ledger::open(dir.file("ledger.sqlite"), false).entries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].kind == "release");
  CHECK(entries[0].warnings == "release.pending-overdue: mycoplasma was expected 2026-11-20");
  CHECK(entries[1].warnings.empty());
  CHECK(run_cli({"audit", "--trust", src("certs/trust"), "--ledger", dir.file("ledger.sqlite")})
            .code == 0);

  // Due on the day of the release itself: not overdue yet, no warning.
  TempDir today;
  const auto due = release_expecting(today, "2026-11-21");
  INFO(due.out << due.err);
  REQUIRE(due.code == 0);
  CHECK_FALSE(contains(due.out, "release.pending-overdue"));
  CHECK(ledger::Ledger::open(today.file("ledger.sqlite"), false).entries().at(0).warnings.empty());
}

TEST_CASE("release: the record's release data is version 2 and says what an overdue test means",
          "[release][overdue][release-data]") {
  Released lot;
  const crypto::TrustStore trust(src("certs/trust"));
  const auto check = pdf::verify_record(test::read_file_text(lot.record("A0")), trust,
                                        *parse_utc_instant(kBedside));
  REQUIRE(check.findings.empty());
  REQUIRE(check.release_data);
  CHECK(contains(*check.release_data, "\"version\": 2,"));
  const auto data = release_data_from_json(*check.release_data);
  REQUIRE(data.pending.size() == 1);
  CHECK(data.pending[0].test == "mycoplasma");
  CHECK(data.pending[0].when_overdue == "no-go");
  CHECK(contains(*check.release_data, "\"when_overdue\": \"no-go\""));
}
