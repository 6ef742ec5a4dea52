// Late results and overdue tests: `dosegate complete` records the final results of a lot
// released with pending tests, from the laboratory's superseding CoA (a late failure recalls the
// lot); `release` warns about a pending test already overdue; release-data.json says what an
// overdue pending test means at the bedside.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "ledger_store.hpp"
#include "pdf/verify_record.hpp"
#include "test_support.hpp"
#include "tsa_support.hpp"
#include "util/json_read.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::releaser;
using test::run_cli;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kCompleted = "2026-12-01T09:00:00Z";
const std::string kBedside = "2026-12-01T10:00:00Z";
const std::string kReleasedCoa = "COA-QCL01-2026-0154";
const std::string kFinalCoa = "COA-QCL01-2026-0161";

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

// The laboratory's final CoA for the pending-mycoplasma lot (A999926000154): the released
// sample with the mycoplasma result in, issued after it, naming the released CoA in
// <Supersedes>.
struct Final {
  std::string mycoplasma = "not-detected";  // an outcome, or "pending"
  std::optional<std::string> supersedes = kReleasedCoa;
  std::string din = "A999926000154";
  std::string conclusion = "conforms";
};

std::string final_coa(const TempDir& dir, const Final& f, const std::string& name = "final.xml") {
  auto xml = test::read_source("samples/coa-pending-mycoplasma.xml");
  replace(xml, "id=\"" + kReleasedCoa + "\"", "id=\"" + kFinalCoa + "\"");
  replace(xml, "<Issued>2026-11-18T14:05:00Z</Issued>",
          "<Issued>2026-11-30T16:00:00Z</Issued>" +
              (f.supersedes ? "\n  <Supersedes>" + *f.supersedes + "</Supersedes>" : ""));
  replace(xml, "<DIN>A999926000154</DIN>", "<DIN>" + f.din + "</DIN>");
  if (f.mycoplasma == "pending") {
    replace(xml, "<Expected>2026-11-30</Expected>", "<Expected>2026-12-05</Expected>");
  } else {
    replace(xml,
            "<Result test=\"mycoplasma\" status=\"pending\">\n"
            "      <Method>Ph. Eur. 2.6.7 culture method, 28 days</Method>\n"
            "      <Expected>2026-11-30</Expected>",
            "<Result test=\"mycoplasma\" status=\"complete\">\n"
            "      <Method>Ph. Eur. 2.6.7 culture method, 28 days</Method>\n"
            "      <Outcome>" +
                f.mycoplasma +
                "</Outcome>\n"
                "      <Completed>2026-11-30</Completed>");
  }
  replace(xml, "<Conclusion>conforms-pending</Conclusion>",
          "<Conclusion>" + f.conclusion + "</Conclusion>");
  replace(xml, "at=\"2026-11-18T14:00:00Z\"", "at=\"2026-11-30T15:55:00Z\"");
  return signed_coa(dir, name, xml);
}

// The pending-mycoplasma lot released into a ledger of its own (entries 1 and 2).
struct Released {
  TempDir dir;
  std::string ledger;
  // `location`: a ledger to use instead of DIR/ledger.sqlite (a PostgreSQL URI).
  explicit Released(const std::string& location = "")
      : ledger(location.empty() ? dir.file("ledger.sqlite") : location) {
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

test::CliResult complete(const Released& lot, const std::string& coa,
                         std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"complete",         coa,        "--trust",
                                src("certs/trust"), "--ledger", lot.ledger};
  for (const auto& a : releaser()) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, kCompleted);
}

// A refusal: exit 2 with the error code on standard error, and not one entry written.
void require_refused(const Released& lot, const std::string& coa, const std::string& code,
                     const std::string& says, std::vector<std::string> extra = {}) {
  const auto before = lot.entries().size();
  const auto r = complete(lot, coa, extra);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "dosegate complete: error [" + code + "]: "));
  CHECK(contains(r.err, says));
  CHECK(contains(r.err, "Nothing was written"));
  CHECK(lot.entries().size() == before);
}

test::CliResult audit(const Released& lot) {
  return run_cli({"audit", "--trust", src("certs/trust"), "--ledger", lot.ledger});
}

}  // namespace

LEDGER_TEST_CASE("complete: every late result passes, one signed results entry, the ledger intact",
                 "[complete]") {
  Released lot(store.postgresql() ? test::pg_new_database() : "");
  TempDir dir;
  const auto coa = final_coa(dir, {});
  const auto r = complete(lot, coa);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out,
                 "Late results for lot A9999 26 000154 B, released in ledger entry 1 on "
                 "CoA COA-QCL01-2026-0154, superseded by COA-QCL01-2026-0161"));
  CHECK(contains(r.out,
                 "COMPLETE: every test pending at release has its final result, and each "
                 "passes. Recorded in ledger entry 3 (results)"));

  const auto entries = lot.entries();
  REQUIRE(entries.size() == 3);
  const auto& e = entries[2];
  CHECK(e.kind == "results");
  CHECK(e.decision == "complete");
  CHECK(e.at == kCompleted);
  CHECK(e.refers_to == 1);
  CHECK(e.din == "A999926000154");
  CHECK(e.divisions == entries[0].divisions);
  CHECK(e.coa_id == kFinalCoa);
  CHECK(e.coa_sha256 ==
        test::run_process("sha256sum " + test::quote_arg(coa)).output.substr(0, 64));
  CHECK(e.spec_id == "wj-msc");
  CHECK(e.spec_sha256 == entries[0].spec_sha256);
  CHECK(e.reason == "mycoplasma: pass: not-detected (completed 2026-11-30)");
  CHECK(e.actor == entries[0].actor);
  CHECK_FALSE(e.signature.empty());

  const auto a = audit(lot);
  INFO(a.out << a.err);
  CHECK(a.code == 0);
  CHECK(contains(a.out, "INTACT"));
}

TEST_CASE("complete: the specification file the release used is accepted", "[complete]") {
  Released lot;  // released under the built-in specification
  TempDir dir;
  // samples/specs/wj-msc.xml is the built-in specification byte for byte: the same SHA-256.
  const auto r = complete(lot, final_coa(dir, {}), {"--spec", src("samples/specs/wj-msc.xml")});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(lot.entries().back().kind == "results");
}

TEST_CASE("complete: the approved built-in and an unprotected key are named in the results entry",
          "[complete][spec-approval][key-protection]") {
  Released lot;  // released under the built-in specification
  TempDir dir;
  const auto r = test::run_cli_at(
      {"complete", final_coa(dir, {}), "--trust", src("certs/trust"), "--ledger", lot.ledger,
       "--key", test::pki("releaser.key.pem"), "--cert", test::pki("releaser.cert.pem"), "--spec",
       src("samples/specs/wj-msc.signed.xml")},
      kCompleted);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Warning: key.unprotected: the signing key "));
  // The signer as people read it, not as an RFC 2253 subject.
  CHECK(contains(r.out, "can sign as Alex Example, QA Release (Example Clinic QA, DE), and"));
  const auto e = lot.entries().back();
  CHECK(e.kind == "results");
  CHECK(contains(e.warnings, "key.unprotected: "));
  CHECK(e.spec_approved_at == "2026-11-01T09:00:00Z");
  CHECK(contains(e.spec_approver, "Sam Example"));
}

LEDGER_TEST_CASE("complete: a late failure writes the results and a recall in one transaction",
                 "[complete]") {
  Released lot(store.postgresql() ? test::pg_new_database() : "");
  TempDir dir;
  const auto r =
      complete(lot, final_coa(dir, {.mycoplasma = "detected", .conclusion = "does-not-conform"}));
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out,
                 "FAILED: late result: mycoplasma detected, the specification requires "
                 "not-detected (COA-QCL01-2026-0161 supersedes COA-QCL01-2026-0154)"));
  CHECK(contains(r.out, "The lot is RECALLED: ledger entries 3 (results), 4 (recall)"));

  const auto entries = lot.entries();
  REQUIRE(entries.size() == 4);
  const auto& results = entries[2];
  const auto& recall = entries[3];
  CHECK(results.kind == "results");
  CHECK(results.decision == "failed");
  CHECK(results.refers_to == 1);
  CHECK(results.reason == "mycoplasma: fail: detected (completed 2026-11-30)");
  CHECK(recall.kind == "recall");
  CHECK(recall.decision == "recalled");
  CHECK(recall.refers_to == results.seq);
  CHECK(recall.at == results.at);
  CHECK(recall.coa_id == kFinalCoa);
  CHECK(recall.reason ==
        "late result: mycoplasma detected, the specification requires not-detected "
        "(COA-QCL01-2026-0161 supersedes COA-QCL01-2026-0154)");
  CHECK_FALSE(recall.signature.empty());
  CHECK(audit(lot).code == 0);

  // At the bedside, every dose of the lot is NO-GO from now on.
  const auto c = test::run_cli_at(
      {"confirm", lot.record("B0"), "--trust", src("certs/trust"), "--dose",
       "=A99992600015400=<S1234VB0", "--ledger", lot.ledger, "--staff", "nurse-17", "--json"},
      kBedside);
  INFO(c.out << c.err);
  CHECK(c.code == 1);
  CHECK(contains(c.out, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(c.out).count("confirm.recalled") == 1);
  CHECK(contains(c.out, "late result: mycoplasma detected"));
}

TEST_CASE("complete --tsa: the results and recall entries carry tokens that audit checks",
          "[complete][timestamp]") {
  Released lot;
  TempDir dir;
  const auto coa = final_coa(dir, {.mycoplasma = "detected", .conclusion = "does-not-conform"});
  SECTION("a TSA that fails: nothing written") {
    test::TestTsa broken("http-500", kCompleted);
    const auto r = complete(lot, coa, {"--tsa", broken.url()});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(
        r.err, "dosegate complete: error [tsa.failure]: timestamping authority " + broken.url()));
    CHECK(contains(r.err, "HTTP status 500"));
    CHECK(lot.entries().size() == 2);
  }
  SECTION("a TSA whose clock disagrees with ours: nothing written") {
    test::TestTsa skewed("ok", kReleased);
    const auto r = complete(lot, coa, {"--tsa", skewed.url()});
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "give or take 5 minutes"));
    CHECK(lot.entries().size() == 2);
  }
  SECTION("--tsa-timeout without --tsa, or below a second: usage errors") {
    CHECK(complete(lot, coa, {"--tsa-timeout", "5"}).code == 2);
    CHECK(contains(complete(lot, coa, {"--tsa-timeout", "5"}).err, "--tsa-timeout needs --tsa"));
    CHECK(contains(complete(lot, coa, {"--tsa", "http://127.0.0.1:1/", "--tsa-timeout", "0"}).err,
                   "1 or more"));
    CHECK(lot.entries().size() == 2);
  }
  SECTION("both entries timestamped; audit INTACT, and TAMPERED where the TSA is not trusted") {
    test::TestTsa tsa("ok", kCompleted);
    const auto r = complete(lot, coa, {"--tsa", tsa.url(), "--tsa-timeout", "10"});
    INFO(r.out << r.err);
    REQUIRE(r.code == 1);
    const auto entries = lot.entries();
    REQUIRE(entries.size() == 4);
    CHECK_FALSE(crypto::may_carry_timestamp(entries[0].signature));
    CHECK(crypto::may_carry_timestamp(entries[2].signature));
    CHECK(crypto::may_carry_timestamp(entries[3].signature));
    const auto a = audit(lot);
    INFO(a.out);
    CHECK(a.code == 0);
    const fs::path no_tsa = dir.path / "trust-no-tsa";
    fs::copy(src("certs/trust"), no_tsa, fs::copy_options::recursive);
    fs::remove_all(no_tsa / "tsa");
    const auto b = run_cli({"audit", "--trust", no_tsa.string(), "--ledger", lot.ledger});
    INFO(b.out);
    CHECK(b.code == 1);
    CHECK(contains(b.out, "entry 3"));
    CHECK(contains(b.out, "timestamp"));
  }
}

TEST_CASE("complete: --json prints one object with the entries and each late result",
          "[complete]") {
  Released lot;
  TempDir dir;
  const auto r = complete(lot, final_coa(dir, {}), {"--json"});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto doc = json::parse(r.out);
  CHECK(doc.get("version")->integer() == 1);
  CHECK(doc.text("command") == "complete");
  CHECK(doc.text("decision") == "complete");
  CHECK(doc.get("coa")->text("id") == kFinalCoa);
  CHECK(doc.get("coa")->text("supersedes") == kReleasedCoa);
  CHECK(doc.get("release")->get("seq")->integer() == 1);
  const auto& tests = *doc.get("tests")->array();
  REQUIRE(tests.size() == 1);
  CHECK(tests[0].text("test") == "mycoplasma");
  CHECK(tests[0].text("name") == "Mycoplasma");
  CHECK(tests[0].text("verdict") == "pass");
  CHECK(tests[0].text("result") == "not-detected");
  CHECK(tests[0].text("completed") == "2026-11-30");
  CHECK(tests[0].get("late")->boolean() == true);
  CHECK(tests[0].get("value")->text("kind") == "outcome");
  const auto& entries = *doc.get("ledger")->get("entries")->array();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].get("seq")->integer() == 3);
  CHECK(entries[0].text("kind") == "results");
  CHECK(entries[0].text("decision") == "complete");
  CHECK(entries[0].get("refers_to")->integer() == 1);
  CHECK(doc.get("findings")->array());
}

TEST_CASE("complete: a CoA without Supersedes is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  require_refused(lot, final_coa(dir, {.supersedes = std::nullopt}), "complete.not-superseding",
                  "lot A9999 26 000154 B was released on CoA COA-QCL01-2026-0154 (ledger entry "
                  "1 (2026-11-21T12:00:00Z, CoA COA-QCL01-2026-0154)), and it has no "
                  "<Supersedes>; the laboratory's CoA with the final results must name "
                  "COA-QCL01-2026-0154 in <Supersedes>");
}

TEST_CASE("complete: a CoA that supersedes another CoA is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  require_refused(lot, final_coa(dir, {.supersedes = "COA-QCL01-2026-0999"}),
                  "complete.not-superseding", "its <Supersedes> names COA-QCL01-2026-0999");
}

TEST_CASE("complete: a CoA of another lot is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  // Lot A999926000147, naming the CoA released for lot A999926000154.
  require_refused(lot, final_coa(dir, {.din = "A999926000147"}), "complete.other-lot",
                  "the CoA is for lot A9999 26 000147 9 but its <Supersedes> names "
                  "COA-QCL01-2026-0154, which released lot A9999 26 000154 B");
}

TEST_CASE("complete: a lot never released is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  require_refused(lot,
                  final_coa(dir, {.supersedes = "COA-QCL01-2026-0999", .din = "A999926000161"}),
                  "complete.unknown-lot", "was never released according to this ledger");
}

TEST_CASE("complete: another specification than the release's is refused, naming both hashes",
          "[complete]") {
  Released lot;
  TempDir dir;
  auto spec = test::read_source("samples/specs/wj-msc.xml");
  replace(spec, "id=\"wj-msc\"", "id=\"wj-msc-local\"");
  write(dir.file("local.xml"), spec);
  const auto local_sha =
      test::run_process("sha256sum " + test::quote_arg(dir.file("local.xml"))).output.substr(0, 64);
  const auto release_sha = lot.entries().front().spec_sha256;
  REQUIRE(local_sha != release_sha);
  require_refused(lot, final_coa(dir, {}), "complete.spec-mismatch",
                  dir.file("local.xml") + " is specification wj-msc-local version 1 (SHA-256 " +
                      local_sha +
                      "), but lot A9999 26 000154 B was released under specification wj-msc "
                      "version 1 (SHA-256 " +
                      release_sha + ",",
                  {"--spec", dir.file("local.xml"), "--allow-unapproved-spec"});
}

TEST_CASE("complete: a test still pending in the new CoA is refused, nothing written",
          "[complete]") {
  Released lot;
  TempDir dir;
  require_refused(lot, final_coa(dir, {.mycoplasma = "pending", .conclusion = "conforms-pending"}),
                  "complete.still-pending",
                  "(COA-QCL01-2026-0161) has no final result for mycoplasma (pending (expected "
                  "2026-12-05)); every test pending at release needs one");
}

TEST_CASE("complete: a lot already completed is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  const auto coa = final_coa(dir, {});
  REQUIRE(complete(lot, coa).code == 0);
  require_refused(lot, coa, "complete.already-complete",
                  "lot A9999 26 000154 B already has its late results: ledger entry 3 "
                  "(2026-12-01T09:00:00Z, complete, CoA COA-QCL01-2026-0161)");
}

TEST_CASE("complete: a recalled lot is refused, nothing written", "[complete]") {
  Released lot;
  TempDir dir;
  std::vector<std::string> args{"recall",  "A999926000154",    "--reason", "Donor eligibility",
                                "--trust", src("certs/trust"), "--ledger", lot.ledger};
  for (const auto& a : releaser()) args.push_back(a);
  REQUIRE(test::run_cli_at(args, "2026-11-25T08:00:00Z").code == 0);
  require_refused(lot, final_coa(dir, {}), "complete.recalled",
                  "lot A9999 26 000154 B was recalled (ledger entry 3, 2026-11-25T08:00:00Z: "
                  "Donor eligibility)");
}

TEST_CASE("complete: a lot released with nothing pending is refused, nothing written",
          "[complete]") {
  Released lot;
  TempDir dir;
  // Lot A999926000147 released on samples/coa-pass.xml (nothing pending), then a "final" CoA
  // for it that names the released CoA.
  std::vector<std::string> args{
      "release", src("samples/coa-pass.xml"), "--trust",  src("certs/trust"),
      "--out",   dir.file("records"),         "--ledger", lot.ledger,
      "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  REQUIRE(test::run_cli_at(args, kReleased).code == 0);
  require_refused(lot,
                  final_coa(dir, {.supersedes = "COA-QCL01-2026-0147", .din = "A999926000147"}),
                  "complete.nothing-pending", "was released with no test pending");
}

TEST_CASE("complete: a CoA whose signature does not hold writes nothing and answers no",
          "[complete][negative]") {
  Released lot;
  TempDir dir;
  auto xml = test::read_file_text(final_coa(dir, {}));
  replace(xml, "<Outcome>not-detected</Outcome>\n      <Completed>2026-11-30</Completed>",
          "<Outcome>not-detected</Outcome>\n      <Completed>2026-11-29</Completed>");
  write(dir.file("tampered.xml"), xml);
  const auto before = lot.entries().size();
  const auto r = complete(lot, dir.file("tampered.xml"));
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "signature.invalid"));
  CHECK(contains(r.out, "NOT RECORDED: the CoA does not verify (signature.invalid)"));
  CHECK(lot.entries().size() == before);
  CHECK(lot.entries().back().kind == "records");
}

TEST_CASE("complete: a verified CoA with errors that are no failed result writes nothing",
          "[complete][negative]") {
  Released lot;
  TempDir dir;
  // Every result passes, but the laboratory still concludes conforms-pending.
  const auto before = lot.entries().size();
  const auto r = complete(lot, final_coa(dir, {.conclusion = "conforms-pending"}));
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out,
                 "NOT RECORDED: the CoA verifies, but with errors that are no failed "
                 "result (conclusion.disagrees)"));
  CHECK(lot.entries().size() == before);
}

TEST_CASE("complete: --as-of is refused, --help shows usage and exit codes", "[complete][cli]") {
  Released lot;
  TempDir dir;
  const auto r = complete(lot, final_coa(dir, {}), {"--as-of", "2026-12-01T09:00:00Z"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "complete records the clock's time and does not accept --as-of"));
  CHECK(lot.entries().size() == 2);
  const auto help = run_cli({"complete", "--help"});
  CHECK(help.code == 0);
  CHECK(contains(help.out, "Usage: dosegate complete COA.xml --trust DIR --key KEY.pem"));
  CHECK(contains(help.out, "Exit codes:\n  0    complete"));
  CHECK(contains(help.out, "\n  1    no: a late result fails"));
  CHECK(contains(help.out, "Examples:\n  dosegate complete"));
  CHECK(contains(run_cli({"--help"}).out, "  complete   record a released lot's late results"));
}

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

TEST_CASE("release: the record's release data is version 3 and says what an overdue test means",
          "[release][overdue][release-data]") {
  Released lot;
  const crypto::TrustStore trust(src("certs/trust"));
  const auto check = pdf::verify_record(test::read_file_text(lot.record("A0")), trust,
                                        *parse_utc_instant(kBedside));
  REQUIRE(check.findings.empty());
  REQUIRE(check.release_data);
  CHECK(contains(*check.release_data, "\"version\": 3,"));
  const auto data = release_data_from_json(*check.release_data);
  CHECK(data.spec_approval == "built-in");
  REQUIRE(data.pending.size() == 1);
  CHECK(data.pending[0].test == "mycoplasma");
  CHECK(data.pending[0].when_overdue == "no-go");
  CHECK(contains(*check.release_data, "\"when_overdue\": \"no-go\""));
}

// ---------------------------------------------------------------------------------------------
// At the bedside, after the expected date

namespace {
test::CliResult confirm_at(const Released& lot, const std::string& division, const std::string& at,
                           std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"confirm",     lot.record(division),
                                "--trust",     src("certs/trust"),
                                "--dose",      "=A99992600015400=<S1234V" + division,
                                "--ledger",    lot.ledger,
                                "--staff",     "nurse-17",
                                "--recipient", "MRN-" + division};
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, at);
}
}  // namespace

TEST_CASE("bedside: once the late results are recorded, a dose past the expected date is GO",
          "[complete][bedside]") {
  Released lot;
  // Past the expected date (2026-11-30) with no late result: NO-GO.
  auto r = confirm_at(lot, "A0", "2026-12-01T08:00:00Z");
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "pending test mycoplasma is overdue: expected 2026-11-30"));
  TempDir dir;
  REQUIRE(complete(lot, final_coa(dir, {})).code == 0);
  // The same dose, after `complete`: GO, without the pending line, naming the late results.
  r = confirm_at(lot, "A0", kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.substr(0, r.out.find('\n')) == "GO");
  CHECK(contains(r.out, "Results   late results complete at " + kCompleted + " (entry 4)"));
  r = confirm_at(lot, "B0", kBedside, {"--json"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"pending\": []"));
  CHECK(contains(r.out, "\"late_results\": \"complete at " + kCompleted + " (entry 4)\""));
  // And the look-back shows them.
  const auto t = run_cli({"trace", "A999926000154", "--trust", src("certs/trust"), "--ledger",
                          lot.ledger, "--format", "json"});
  INFO(t.out << t.err);
  CHECK(t.code == 0);
  CHECK(contains(t.out, "mycoplasma: pass: not-detected (completed 2026-11-30)"));
  CHECK(contains(t.out, "\"recipient\": \"MRN-B0\""));
}

TEST_CASE(
    "bedside: a specification that says when-overdue=\"warn\" lets the dose go, with a "
    "warning",
    "[complete][bedside]") {
  TempDir dir;
  auto spec = test::read_source("samples/specs/wj-msc.xml");
  replace(spec, "may-be-pending=\"true\"/>", "may-be-pending=\"true\" when-overdue=\"warn\"/>");
  replace(spec, "id=\"wj-msc\"", "id=\"wj-msc-warn\"");
  write(dir.file("spec.xml"), spec);
  const auto ledger = dir.file("ledger.sqlite");
  std::vector<std::string> args{"release",
                                src("samples/coa-pending-mycoplasma.xml"),
                                "--trust",
                                src("certs/trust"),
                                "--out",
                                dir.file("records"),
                                "--ledger",
                                ledger,
                                "--spec",
                                dir.file("spec.xml"),
                                "--allow-unapproved-spec",
                                "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  auto r = test::run_cli_at(args, kReleased);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  r = test::run_cli_at({"confirm", dir.file("records/A999926000154-S1234V00-A0.pdf"), "--trust",
                        src("certs/trust"), "--dose", "=A99992600015400=<S1234VA0", "--ledger",
                        ledger, "--recipient", "MRN-1", "--json"},
                       "2026-12-01T08:00:00Z");
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"decision\": \"go\""));
  CHECK(contains(r.out, "\"code\": \"confirm.pending-overdue\""));
  CHECK(contains(r.out, "(the specification allows the dose meanwhile)"));
}
