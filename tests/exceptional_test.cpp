// Exceptional release (out of specification): only failed criteria the specification allows to
// be waived, one named recipient, a banner on the record, its own ledger kind, and GO at the
// bedside for that recipient alone.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dosegate/ledger/ledger.hpp"
#include "serve/service.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::run_cli;
using test::run_cli_at;
using test::run_process;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
constexpr const char* kReleased = "2026-11-21T12:00:00Z";
constexpr const char* kBedside = "2026-11-22T09:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

// The built-in specification as wj-msc-x, CD105 waivable, approved by the test approver.
struct Setup {
  TempDir dir;
  std::string spec = dir.file("spec.signed.xml");
  std::string ledger = dir.file("ledger.sqlite");
  std::string out = dir.file("out");
  Setup() {
    auto text = test::read_source("samples/specs/wj-msc.xml");
    const auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = text.find(from);
      REQUIRE(at != std::string::npos);
      text.replace(at, from.size(), to);
    };
    replace("id=\"wj-msc\"", "id=\"wj-msc-x\"");
    replace(
        "<Criterion test=\"cd105\" at-least=\"95\" unit=\"%\"/>",
        "<Criterion test=\"cd105\" at-least=\"95\" unit=\"%\" exceptional-release=\"allowed\"/>");
    std::ofstream(dir.file("spec.xml"), std::ios::binary) << text;
    const auto r =
        run_cli_at({"sign-spec", dir.file("spec.xml"), "--key", pki("approver.key.pem"), "--cert",
                    pki("approver.cert.pem"), "--chain", pki("qa-chain.pem"), "--out", spec},
                   "2026-11-01T09:00:00Z");
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
  test::CliResult release(const std::string& coa, std::vector<std::string> extra) const {
    std::vector<std::string> args{"release", src(coa), "--trust", src("certs/trust"), "--spec",
                                  spec,      "--out",  out,       "--ledger",         ledger};
    for (const auto& a : test::releaser()) args.push_back(a);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli_at(args, kReleased);
  }
  test::CliResult confirm(const std::string& division, std::vector<std::string> extra) const {
    std::vector<std::string> args{"confirm",  out + "/A999926000170-S1234V00-" + division + ".pdf",
                                  "--trust",  src("certs/trust"),
                                  "--dose",   "A9999 26 000170 B S1234V" + division,
                                  "--ledger", ledger,
                                  "--staff",  "nurse-17"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli_at(args, kBedside);
  }
};

const std::vector<std::string> kExceptional{"--exceptional",
                                            "--recipient",
                                            "MRN-0042",
                                            "--physician",
                                            "Dr. Ada Example",
                                            "--reason",
                                            "no other treatment option; informed consent on file"};

}  // namespace

TEST_CASE("exceptional release: a waivable failed criterion is released to one named recipient",
          "[exceptional][release]") {
  Setup s;
  // Without --exceptional the lot is rejected as always.
  auto r = s.release("samples/coa-marker-failed.xml", {});
  CHECK(r.code == 1);
  r = s.release("samples/coa-marker-failed.xml", kExceptional);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out,
                 "EXCEPTIONAL RELEASE: OUT OF SPECIFICATION, for recipient MRN-0042 only, "
                 "on the request of physician Dr. Ada Example."));
  const auto record = s.out + "/A999926000170-S1234V00-A0.pdf";
  const auto txt = run_process("pdftotext -layout " + quote_arg(record) + " -");
  CHECK(txt.output.find("EXCEPTIONAL RELEASE: OUT OF SPECIFICATION") < 80);  // the banner, on top
  CHECK(contains(txt.output, "The lot below does NOT conform to release specification wj-msc-x"));
  CHECK(contains(txt.output, "MRN-0042 only"));
  CHECK(contains(txt.output, "Dr. Ada Example"));
  CHECK(contains(txt.output, "no other treatment option"));
  CHECK(contains(txt.output, "CD105 expression (cd105): 94.99 %"));
  const auto sig = run_process("pdfsig " + quote_arg(record));
  CHECK(contains(sig.output, "Signature is Valid."));
  CHECK(contains(sig.output, "Total document signed"));
  CHECK(run_process("qpdf --check " + quote_arg(record)).code == 0);
  // The ledger: its own kind, the recipient, the physician and the reason; intact.
  {
    auto l = ledger::Ledger::open(s.ledger, false);
    std::vector<ledger::Entry> entries;
    l.for_each({}, [&](ledger::Entry& e) {
      entries.push_back(e);
      return true;
    });
    REQUIRE(entries.size() >= 3);
    const auto& e = entries[1];
    CHECK(entries[0].kind == "rejection");
    CHECK(e.kind == "exceptional-release");
    CHECK(e.decision == "exceptional-release");
    CHECK(e.recipient == "MRN-0042");
    CHECK(contains(e.reason,
                   "EXCEPTIONAL RELEASE: OUT OF SPECIFICATION, for recipient MRN-0042 "
                   "on the request of physician Dr. Ada Example: no other treatment"));
  }
  r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", s.ledger});
  INFO(r.out);
  CHECK(r.code == 0);
  // The bedside: GO for the named recipient, with the banner's words first.
  r = s.confirm("A0", {"--recipient", "MRN-0042"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(r.out.rfind("GO, EXCEPTIONAL RELEASE (out of specification: cd105 94.99 % (>= 95 %))", 0) ==
        0);
  // Another recipient, or none: NO-GO.
  for (const auto& extra :
       {std::vector<std::string>{"--recipient", "MRN-0043"}, std::vector<std::string>{}}) {
    r = s.confirm("B0", extra);
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK(r.out.rfind("NO-GO: EXCEPTIONAL RELEASE (out of specification: cd105", 0) == 0);
    r = s.confirm("B0", [&] {
      auto e = extra;
      e.push_back("--json");
      return e;
    }());
    CHECK(contains(r.out, "\"code\": \"confirm.exceptional-other-recipient\""));
  }
  // A recall finds the exceptional release.
  r = run_cli_at({"recall", "A999926000170", "--reason", "test", "--trust", src("certs/trust"),
                  "--key", pki("releaser.p12"), "--passphrase-file", pki("releaser.p12.passphrase"),
                  "--ledger", s.ledger},
                 kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
}

TEST_CASE("exceptional release: the bedside service says GO for the named recipient alone",
          "[exceptional][serve]") {
  Setup s;
  REQUIRE(s.release("samples/coa-marker-failed.xml", kExceptional).code == 0);
  const auto users = s.dir.file("users");
  const auto r = run_cli_at({"user", "add", "nurse-17", "--role", "bedside", "--users", users},
                            kReleased, "nurse password 1\n");
  REQUIRE(r.code == 0);
  serve::ServeOptions o;
  o.trust_dir = src("certs/trust");
  o.ledger_path = s.ledger;
  o.records_dir = s.out;
  o.users_path = users;
  serve::Service service(o, [] { return *parse_utc_instant(kBedside); });
  const auto confirm = [&](const std::string& division, const std::string& recipient) {
    return service
        .confirm(serve::Principal{"nurse-17", users::Role::bedside, "", ""},
                 R"({"dose": ["=A99992600017000=<S1234V)" + division + R"("], "recipient": ")" +
                     recipient + "\"}")
        .body;
  };
  auto body = confirm("A0", "MRN-0042");
  INFO(body);
  CHECK(contains(body, "\"decision\": \"go\""));
  CHECK(contains(body, "EXCEPTIONAL RELEASE"));
  body = confirm("B0", "MRN-0043");
  CHECK(contains(body, "\"decision\": \"no-go\""));
  CHECK(contains(body, "\"code\": \"confirm.exceptional-other-recipient\""));
  CHECK_FALSE(contains(body, "confirm.release-unknown"));
}

TEST_CASE("exceptional release: never for what the specification never waives, or anything else",
          "[exceptional][negative]") {
  Setup s;
  // Sterility is never waivable.
  auto r = s.release("samples/coa-sterility-growth.xml", kExceptional);
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "release.exceptional-refused"));
  CHECK(contains(r.out, "sterility failed, and the specification never allows it to be waived"));
  CHECK_FALSE(fs::exists(s.out + "/A999926000161-S1234V00-A0.pdf"));
  // A missing result is not a failed criterion.
  r = s.release("samples/coa-missing-result.xml", kExceptional);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "release.exceptional-refused"));
  CHECK(contains(r.out, "criterion.missing"));
  // The built-in specification waives nothing.
  std::vector<std::string> args{"release",  src("samples/coa-marker-failed.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    s.dir.file("out2"),
                                "--ledger", s.dir.file("l2.sqlite")};
  for (const auto& a : test::releaser()) args.push_back(a);
  args.insert(args.end(), kExceptional.begin(), kExceptional.end());
  r = run_cli_at(args, kReleased);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "cd105 failed, and the specification never allows it to be waived"));
  CHECK_FALSE(fs::exists(s.dir.file("out2")));
  // A lot that conforms needs no exception.
  r = s.release("samples/coa-pass.xml", kExceptional);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [release.exceptional-not-needed]"));
  // Usage: the recipient, the physician and the reason are required; the recipient is an id.
  r = s.release("samples/coa-marker-failed.xml",
                {"--exceptional", "--recipient", "MRN-1", "--reason", "x"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --physician"));
  r = s.release("samples/coa-marker-failed.xml",
                {"--exceptional", "--physician", "Dr. X", "--reason", "x"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --recipient"));
  r = s.release("samples/coa-marker-failed.xml",
                {"--exceptional", "--recipient", "MRN 1", "--physician", "Dr. X", "--reason", "x"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--recipient takes printable ASCII without spaces"));
  r = s.release("samples/coa-marker-failed.xml", {"--recipient", "MRN-1"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--recipient and --physician belong to --exceptional"));
  // An invalid attribute value in the specification.
  auto text = test::read_source("samples/specs/wj-msc.xml");
  text.replace(text.find("unit=\"%\"/>"), 10, "unit=\"%\" exceptional-release=\"maybe\"/>");
  text.replace(text.find("id=\"wj-msc\""), 11, "id=\"wj-msc-y\"");
  std::ofstream(s.dir.file("bad.xml"), std::ios::binary) << text;
  r = run_cli({"verify", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--spec",
               s.dir.file("bad.xml"), "--allow-unapproved-spec", "--as-of", kReleased});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "attribute 'exceptional-release': 'maybe' is not one of: allowed, never"));
}
