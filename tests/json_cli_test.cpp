// --json on every command that answers: release, recall, sign-coa, sign-spec, complete, trace,
// history;
// and one JSON object with "decision": "error" on standard output when a command asked for JSON
// cannot do its job (exit 2).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace dosegate {
namespace {

using nlohmann::json;
using test::contains;
using test::run_cli;
using test::run_cli_at;

constexpr const char* kNow = "2026-11-21T12:00:00Z";

std::string s(const std::string& relative) {
  return test::source(relative);
}

json parse(const test::CliResult& r) {
  INFO(r.out << r.err);
  REQUIRE_FALSE(r.out.empty());
  return json::parse(r.out);
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// The passing sample without its signature: what a laboratory signs.
std::string unsigned_coa(const test::TempDir& dir) {
  auto text = test::read_source("samples/coa-pass.xml");
  const auto sig = text.find("<Signature xmlns=");
  REQUIRE(sig != std::string::npos);
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  const auto path = dir.file("unsigned.xml");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace

TEST_CASE("json: release --json, a release and a rejection", "[cli][json]") {
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  auto r = run_cli_at(with({"release", s("samples/coa-pass.xml"), "--trust", s("certs/trust"),
                            "--out", dir.file("records"), "--ledger", ledger, "--json"},
                           test::releaser()),
                      kNow);
  REQUIRE(r.code == 0);
  auto j = parse(r);
  CHECK(j["version"] == 1);
  CHECK(j["command"] == "release");
  CHECK(j["decision"] == "releasable");
  CHECK(j["released"] == true);
  CHECK(j["records"].size() == 2);
  CHECK(j["ledger"] == ledger);
  CHECK(j["ledger_entries"] == json::array({1, 2}));
  CHECK(j["reissue_of"].is_null());
  CHECK(j["criteria"].size() > 5);
  // release --json's criteria are verify's: the printed strings, the name, limit and value.
  for (const auto& c : j["criteria"]) {
    CHECK_FALSE(c["name"].get<std::string>().empty());
    CHECK(c["limit"].is_object());
    CHECK(c["value"].is_object());
  }
  CHECK(j["criteria"][0]["test"] == "cd73");
  CHECK(j["criteria"][0]["name"] == "CD73 expression");
  CHECK(j["criteria"][0]["value"]["number"].is_string());
  CHECK(j["findings"].is_array());
  CHECK_FALSE(contains(r.out, "Released 2 doses"));  // no text around the object

  r = run_cli_at(with({"release", s("samples/coa-viability-90.xml"), "--trust", s("certs/trust"),
                       "--out", dir.file("records"), "--ledger", ledger, "--json"},
                      test::releaser()),
                 kNow);
  CHECK(r.code == 1);
  j = parse(r);
  CHECK(j["decision"] == "rejected");
  CHECK(j["released"] == false);
  CHECK(j["records"].empty());
  CHECK(test::error_codes(r.out).count("criterion.failed") == 1);
}

TEST_CASE("json: recall --json, and trace and history --json equal --format json", "[cli][json]") {
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  REQUIRE(run_cli_at(with({"release", s("samples/coa-pass.xml"), "--trust", s("certs/trust"),
                           "--out", dir.file("records"), "--ledger", ledger},
                          test::releaser()),
                     kNow)
              .code == 0);
  const auto r = run_cli_at(with({"recall", "A999926000147", "--reason", "sterility retest",
                                  "--trust", s("certs/trust"), "--ledger", ledger, "--json"},
                                 test::releaser()),
                            "2026-11-21T13:00:00Z");
  REQUIRE(r.code == 0);
  const auto j = parse(r);
  CHECK(j["version"] == 1);
  CHECK(j["command"] == "recall");
  CHECK(j["decision"] == "recalled");
  CHECK(j["din"] == "A999926000147");
  CHECK(j["seq"] == 3);  // after the release's two entries
  CHECK(j["hash"].get<std::string>().size() == 64);
  CHECK(j["look_back"]["verified"] == true);
  CHECK(j["look_back"]["doses"] == 2);
  CHECK(j["look_back"]["doses_given"] == 0);

  const std::vector<std::string> trace = {"trace",          "A999926000147", "--trust",
                                          s("certs/trust"), "--ledger",      ledger};
  const auto t1 = run_cli(with(trace, {"--json"}));
  const auto t2 = run_cli(with(trace, {"--format", "json"}));
  CHECK(t1.code == 0);
  CHECK(t1.out == t2.out);
  CHECK(parse(t1)["version"] == 1);
  const auto h1 = run_cli({"history", "--ledger", ledger, "--json"});
  const auto h2 = run_cli({"history", "--ledger", ledger, "--format", "json"});
  CHECK(h1.code == 0);
  CHECK(h1.out == h2.out);
  CHECK(parse(h1).is_object());
  // Two formats at once is a usage error, in JSON since JSON was asked for.
  const auto both = run_cli({"history", "--ledger", ledger, "--json", "--format", "csv"});
  CHECK(both.code == 2);
  CHECK(contains(both.err, "--json and --format csv ask for two formats; give one"));
  CHECK(parse(both)["decision"] == "error");
}

TEST_CASE("json: sign-coa --json, signed and refused", "[cli][json]") {
  test::TempDir dir;
  const auto coa = unsigned_coa(dir);
  const std::vector<std::string> key = {"--key", test::pki("lab-ec.key.pem"), "--cert",
                                        test::pki("lab-ec.cert.pem"), "--json"};
  auto r = run_cli(with({"sign-coa", coa, "--out", dir.file("signed.xml")}, key));
  REQUIRE(r.code == 0);
  auto j = parse(r);
  CHECK(j["version"] == 1);
  CHECK(j["command"] == "sign-coa");
  CHECK(j["decision"] == "signed");
  CHECK(j["out"] == dir.file("signed.xml"));
  CHECK(j["id"] == "COA-QCL01-2026-0147");
  CHECK(contains(j["signer"]["subject"].get<std::string>(), "CN="));
  CHECK(j["findings"].empty());
  // An already signed CoA is refused (exit 1) with its problem as a finding.
  r = run_cli(with({"sign-coa", dir.file("signed.xml"), "--out", dir.file("twice.xml")}, key));
  CHECK(r.code == 1);
  j = parse(r);
  CHECK(j["decision"] == "refused");
  REQUIRE(j["findings"].size() >= 1);
  CHECK(j["findings"][0]["code"] == "sign-coa.invalid");
  CHECK(contains(j["findings"][0]["location"].get<std::string>(), "signed.xml:"));
}

TEST_CASE("json: sign-spec --json, signed", "[cli][json][spec-approval]") {
  test::TempDir dir;
  const auto out = dir.file("spec.signed.xml");
  const auto r =
      run_cli_at({"sign-spec", s("samples/specs/wj-msc.xml"), "--key",
                  test::pki("approver.key.pem"), "--cert", test::pki("approver.cert.pem"),
                  "--chain", test::pki("qa-chain.pem"), "--out", out, "--json"},
                 "2026-11-01T09:00:00Z");
  REQUIRE(r.code == 0);
  const auto j = parse(r);
  CHECK(j["version"] == 1);
  CHECK(j["command"] == "sign-spec");
  CHECK(j["decision"] == "signed");
  CHECK(j["out"] == out);
  CHECK(j["specification"]["id"] == "wj-msc");
  CHECK(j["specification"]["version"] == "1");
  CHECK(j["specification"]["sha256"].get<std::string>().size() == 64);
  CHECK(j["approved_at"] == "2026-11-01T09:00:00Z");
  CHECK(j["certificates"] == 2);
  CHECK(contains(j["approver"]["subject"].get<std::string>(), "CN=Sam Example"));
  CHECK(j["findings"].empty());
  CHECK_FALSE(contains(r.out, "wrote "));  // no text around the object
  CHECK(std::filesystem::exists(out));
}

TEST_CASE("json: ledger init, backup and head --json", "[cli][json][ledger]") {
  test::TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  auto r = run_cli({"ledger", "init", ledger, "--json"});
  REQUIRE(r.code == 0);
  auto j = parse(r);
  CHECK(j["version"] == 1);
  CHECK(j["command"] == "ledger init");
  CHECK(j["decision"] == "done");
  CHECK(j["ledger"] == ledger);
  CHECK(contains(j["message"].get<std::string>(), "a new, empty dosegate ledger"));
  CHECK(j["findings"].empty());
  REQUIRE(run_cli_at(with({"release", s("samples/coa-pass.xml"), "--trust", s("certs/trust"),
                           "--out", dir.file("records"), "--ledger", ledger, "--quiet"},
                          test::releaser()),
                     kNow)
              .code == 0);
  r = run_cli({"ledger", "backup", "--ledger", ledger, "--out", dir.file("b.sqlite"), "--json"});
  REQUIRE(r.code == 0);
  j = parse(r);
  CHECK(j["command"] == "ledger backup");
  CHECK(j["decision"] == "done");
  CHECK(j["ledger"] == ledger);
  CHECK(j["out"] == dir.file("b.sqlite"));
  CHECK(j["entries"] == 2);
  CHECK(j["findings"].empty());
  CHECK_FALSE(contains(r.out, "Backed up"));
  // A backup that cannot be written: the error object, exit 2.
  r = run_cli({"ledger", "backup", "--ledger", ledger, "--out", dir.file("b.sqlite"), "--json"});
  CHECK(r.code == 2);
  j = parse(r);
  CHECK(j["command"] == "ledger");
  CHECK(j["decision"] == "error");
  CHECK(contains(j["findings"][0]["message"].get<std::string>(), "never replaces a file"));
  r = run_cli({"ledger", "head", "--ledger", dir.file("b.sqlite"), "--json"});
  REQUIRE(r.code == 0);
  CHECK(parse(r)["seq"] == 2);
}

TEST_CASE("json: an exit-2 error with --json is one object with decision error", "[cli][json]") {
  test::TempDir dir;
  struct Row {
    std::vector<std::string> args;
    const char* command;
    const char* code;
    const char* message;
  };
  const std::vector<Row> rows = {
      {{"verify", s("samples/no-such.xml"), "--trust", s("certs/trust"), "--json"},
       "verify",
       "io.unreadable",
       "no-such.xml"},
      {with({"release", s("samples/coa-pass.xml"), "--trust", s("certs/trust"), "--json"},
            test::releaser()),
       "release", "usage", "missing --out"},
      {with({"recall", "A999926000147", "--reason", "x", "--trust", s("certs/trust"), "--ledger",
             dir.file("none.sqlite"), "--json"},
            test::releaser()),
       "recall", "", ""},
      {{"sign-coa", s("samples/coa-pass.xml"), "--key", test::pki("lab-ec.key.pem"), "--json"},
       "sign-coa",
       "usage",
       "missing --out"},
      {with({"complete", s("samples/coa-pass.xml"), "--trust", s("certs/trust-none"), "--json"},
            test::releaser()),
       "complete", "", "trust-none"},
      {{"trace", "A999926000147", "--trust", s("certs/trust"), "--ledger", dir.file("none.sqlite"),
        "--json"},
       "trace",
       "",
       "none.sqlite"},
      {{"history", "--ledger", dir.file("none.sqlite"), "--format", "json"},
       "history",
       "",
       "none.sqlite"},
      {{"sign-spec", s("samples/specs/wj-msc.signed.xml"), "--key", test::pki("approver.key.pem"),
        "--cert", test::pki("approver.cert.pem"), "--out", dir.file("twice.xml"), "--json"},
       "sign-spec",
       "",
       "wj-msc.signed.xml"},
      {{"audit", "--trust", s("certs/trust"), "--ledger", dir.file("none.sqlite"), "--json"},
       "audit",
       "",
       "none.sqlite"},
      {{"confirm", s("samples/no-such.pdf"), "--trust", s("certs/trust"), "--dose",
        "=A99992600014700", "--json", "--colour"},
       "confirm",
       "usage",
       "colour"},
  };
  for (const auto& row : rows) {
    INFO(row.command);
    const auto r = run_cli(row.args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());  // the message on standard error as without --json
    const auto j = parse(r);
    CHECK(j["version"] == 1);
    CHECK(j["command"] == row.command);
    CHECK(j["decision"] == "error");
    REQUIRE(j["findings"].size() == 1);
    const auto& f = j["findings"][0];
    CHECK(f["severity"] == "error");
    CHECK_FALSE(f["code"].get<std::string>().empty());
    if (*row.code) CHECK(f["code"] == row.code);
    CHECK(contains(f["message"].get<std::string>(), row.message));
  }
  // Without --json, nothing on standard output.
  const auto plain = run_cli({"verify", s("samples/no-such.xml"), "--trust", s("certs/trust")});
  CHECK(plain.code == 2);
  CHECK(plain.out.empty());
}

}  // namespace dosegate

namespace dosegate {

TEST_CASE("release --quiet: one summary line, no list of records", "[cli][release]") {
  test::TempDir dir;
  auto args = std::vector<std::string>{"release",  test::source("samples/coa-pass.xml"),
                                       "--trust",  test::source("certs/trust"),
                                       "--out",    dir.file("records"),
                                       "--ledger", dir.file("ledger.sqlite"),
                                       "--quiet"};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  const auto r = test::run_cli_at(args, "2026-11-21T12:00:00Z");
  REQUIRE(r.code == 0);
  CHECK(r.out == "\nReleased 2 doses into " + dir.file("records") + " (ledger entries 1, 2 in " +
                     dir.file("ledger.sqlite") + ").\n");
  CHECK_FALSE(test::contains(r.out, ".pdf"));
}

}  // namespace dosegate
