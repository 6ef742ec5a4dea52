// End-to-end tests of the command line over the shipped samples, in-process and, for the exit
// codes, as a real process.
#include <catch2/catch.hpp>

#include <filesystem>

#include <algorithm>
#include <fstream>
#include <set>

#include "dosegate/spec/specification.hpp"
#include "test_support.hpp"
#include "util/json_read.hpp"

using namespace dosegate;
using test::run_cli;

namespace {

const std::string kAsOf = "2026-11-21T12:00:00Z";

std::string s(const std::string& relative) {
  return test::source(relative);
}

test::CliResult verify(const std::string& coa, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"verify", s(coa), "--trust", s("certs/trust"), "--as-of", kAsOf};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

using test::contains;
using test::error_codes;

// The passing sample without its signature, with `from` replaced by `to`, signed by the test
// laboratory's key with `dosegate sign-coa`: a CoA the laboratory really signed.
std::string signed_variant(const test::TempDir& dir, const std::string& from, const std::string& to,
                           const std::string& name = "coa.xml") {
  auto text = test::read_source("samples/coa-pass.xml");
  const auto sig = text.find("<Signature xmlns=");
  REQUIRE(sig != std::string::npos);
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  const auto unsigned_path = dir.file("unsigned-" + name);
  { std::ofstream(unsigned_path, std::ios::binary) << text; }
  const auto out = dir.file(name);
  const auto r = run_cli({"sign-coa", unsigned_path, "--key", test::pki("lab-ec.key.pem"), "--cert",
                          test::pki("lab-ec.cert.pem"), "--chain", test::pki("lab-chain.pem"),
                          "--out", out, "--force"});  // variants of one test replace each other
  INFO(r.err);
  REQUIRE(r.code == 0);
  return out;
}

}  // namespace

TEST_CASE("cli: help and version exit 0 and explain the exit codes", "[cli]") {
  auto r = run_cli({"--help"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "verify"));
  CHECK(contains(r.out, "Exit codes"));
  CHECK(contains(r.out, "not a regulatory"));
  r = run_cli({"verify", "--help"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "--trust DIR"));
  CHECK(contains(r.out, "--as-of"));
  CHECK(contains(r.out, "\n  2    dosegate could not do its job"));
  r = run_cli({"--version"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("dosegate ", 0) == 0);
}

TEST_CASE("cli: usage errors exit 2 with a message naming the problem", "[cli]") {
  auto r = run_cli({});
  CHECK(r.code == 2);
  r = run_cli({"frobnicate"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "unknown command 'frobnicate'"));
  r = run_cli({"verify", s("samples/coa-pass.xml")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --trust DIR"));
  r = run_cli({"verify", "--trust", s("certs/trust")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing the CoA"));
  r = run_cli({"verify", s("samples/coa-pass.xml"), s("samples/coa-viability-90.xml"), "--trust",
               s("certs/trust")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "one CoA at a time"));
  r = verify("samples/coa-pass.xml", {"--colour"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "colour"));
  r = run_cli({"verify", s("samples/coa-pass.xml"), "--trust", s("certs/trust"), "--as-of",
               "2026-11-21 12:00"});
  CHECK(r.code == 2);
  CHECK(contains(r.err,
                 "--as-of '2026-11-21 12:00' is not a time; write UTC as 2026-12-02T06:30:00Z, a "
                 "local time with its offset as 2026-12-02T07:30+01:00, or now"));
}

TEST_CASE("cli: every time option takes UTC, an explicit offset or now", "[cli][time]") {
  // The same instant three ways gives the same report time.
  for (const char* t :
       {"2026-11-21T12:00:00Z", "2026-11-21T13:00+01:00", "2026-11-21T07:00:00-05:00"}) {
    INFO(t);
    const auto r = run_cli(
        {"verify", s("samples/coa-pass.xml"), "--trust", s("certs/trust"), "--as-of", t, "--json"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, "\"as_of\": \"2026-11-21T12:00:00Z\""));
  }
  const auto now = run_cli({"verify", s("samples/coa-pass.xml"), "--trust", s("certs/trust"),
                            "--as-of", "now", "--json"});
  CHECK(contains(now.out, "\"as_of\": \""));
  // History's filters use the same parser and the same message.
  const auto h = run_cli({"history", "--since", "yesterday"});
  CHECK(h.code == 2);
  CHECK(contains(h.err, "--since 'yesterday' is not a time"));
}

TEST_CASE("cli: dosegate help COMMAND is the command's help", "[cli]") {
  const auto r = run_cli({"help", "release"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("Usage: dosegate release COA.xml", 0) == 0);
  CHECK(contains(r.out, "--passphrase-file"));
  CHECK(contains(r.out, "Examples:"));
  const auto unknown = run_cli({"help", "frobnicate"});
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "unknown command 'frobnicate'"));
}

TEST_CASE("cli: unreadable inputs exit 2 naming the file", "[cli]") {
  auto r = verify("samples/no-such-coa.xml");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no-such-coa.xml: cannot read: No such file or directory"));
  r = verify("samples");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is a directory"));
  r = run_cli({"verify", s("samples/coa-pass.xml"), "--trust", s("certs/no-such-dir")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no-such-dir: cannot open trust directory"));
  r = verify("samples/coa-pass.xml", {"--spec", s("samples/specs/none.xml")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "none.xml: cannot read"));
  r = verify("samples/coa-pass.xml", {"--signature", s("samples/none.p7s")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "none.p7s: cannot read"));
}

TEST_CASE("cli: an invalid specification exits 2 with every problem located", "[cli]") {
  const auto r = verify("samples/coa-pass.xml",
                        {"--spec", s("tests/data/spec/invalid-reader-only/two-lower-bounds.xml")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "[spec.invalid]"));
  CHECK(contains(r.err,
                 "two-lower-bounds.xml:6:3: /ReleaseSpecification/Criterion[1]: two lower bounds"));
}

TEST_CASE("cli: a malformed CoA is a 'no' (exit 1) with coa.malformed findings", "[cli]") {
  const auto r = verify("tests/data/coa/invalid/value-not-decimal.xml", {"--json"});
  CHECK(r.code == 1);
  CHECK(contains(r.out, "\"decision\": \"rejected\""));
  CHECK(error_codes(r.out).count("coa.malformed") == 1);
  CHECK(contains(r.out,
                 "value-not-decimal.xml:35:7: /CertificateOfAnalysis/Results/Result[1]/Value"));
}

TEST_CASE("cli: a signed CoA that meets the specification is releasable (exit 0)", "[cli]") {
  const auto r = verify("samples/coa-pass.xml");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Signature      VERIFIED, enveloped XML-DSig, ECDSA-SHA256"));
  // Signer and issuer as people read them, not as RFC 2253 subjects with escapes.
  CHECK(contains(r.out,
                 "Signer         QC Signer EC, Example QC Laboratory GmbH (Example QC "
                 "Laboratory GmbH, DE)\n"));
  CHECK(contains(r.out,
                 "Signer issuer  dosegate Test Laboratory Issuing CA (dosegate test PKI, "
                 "DE)\n"));
  CHECK_FALSE(contains(r.out, "CN="));
  CHECK(
      contains(r.out, "Decision: RELEASABLE: the lot conforms to specification wj-msc version 1"));
  CHECK(contains(r.out, "not a regulatory approval"));
}

// What samples/README.md promises for each sample.
TEST_CASE("cli: each sample gives the outcome samples/README.md promises", "[cli][samples]") {
  struct Row {
    const char* file;
    std::vector<std::string> extra;
    int exit_code;
    const char* decision;
    std::set<std::string> errors;
    const char* criterion_line;  // text of the criteria table
  };
  const std::vector<Row> samples = {
      {"samples/coa-pass.xml", {}, 0, "releasable", {}, "viability-post-thaw > 90 %"},
      {"samples/coa-pending-mycoplasma.xml",
       {},
       0,
       "releasable-pending",
       {},
       "pending (expected 2026-11-30)"},
      {"samples/coa-viability-90.xml", {}, 1, "rejected", {"criterion.failed"}, "90.0 %"},
      {"samples/coa-marker-failed.xml", {}, 1, "rejected", {"criterion.failed"}, "94.99 %"},
      {"samples/coa-sterility-growth.xml", {}, 1, "rejected", {"criterion.failed"}, "growth"},
      {"samples/coa-missing-result.xml",
       {},
       1,
       "rejected",
       {"criterion.missing", "conclusion.disagrees"},
       "not reported"},
      {"samples/coa-unit-mismatch.xml",
       {},
       1,
       "rejected",
       {"criterion.unit-mismatch", "conclusion.disagrees"},
       "0.3 IU/mL"},
      {"samples/coa-exosome-pass.xml",
       {"--spec", s("samples/specs/msc-exosome.signed.xml")},
       0,
       "releasable",
       {},
       "30 .. 150 nm"},
  };
  for (const auto& e : samples) {
    INFO(e.file);
    auto extra = e.extra;
    auto table = verify(e.file, extra);
    CHECK(table.code == e.exit_code);
    CHECK(contains(table.out, e.criterion_line));
    extra.push_back("--json");
    const auto json = verify(e.file, extra);
    CHECK(json.code == e.exit_code);
    CHECK(contains(json.out, std::string("\"decision\": \"") + e.decision + "\""));
    CHECK(contains(json.out, "\"verified\": true"));
    CHECK(error_codes(json.out) == e.errors);
  }
  // Pending: the allowed pending test is listed in full; its signature is a detached CMS file.
  const auto pending = verify("samples/coa-pending-mycoplasma.xml");
  CHECK(contains(pending.out,
                 "Pending tests (the specification allows release before these complete)"));
  CHECK(contains(pending.out, "mycoplasma"));
  CHECK(contains(pending.out, "2026-11-30"));
  CHECK(contains(pending.out, "detached CMS"));
}

TEST_CASE("cli: --json has version 1, a decision and located findings", "[cli]") {
  const auto r = verify("samples/coa-marker-failed.xml", {"--json"});
  CHECK(r.out.rfind("{\n  \"version\": 1,\n", 0) == 0);
  CHECK(contains(r.out, "\"decision\": \"rejected\""));
  CHECK(contains(r.out, "\"code\": \"criterion.failed\",\n      \"severity\": \"error\",\n"));
  CHECK(contains(r.out,
                 "\"location\": \"/CertificateOfAnalysis/Results/Result[@test='cd105']/Value\""));
  CHECK(contains(r.out, "\"check_character\": \"B\""));
  CHECK(contains(r.out, "\"id\": \"wj-msc\""));
  CHECK(contains(r.out, "\"sha256\": \"" + spec::default_specification().sha256 + "\""));
}

TEST_CASE("cli: --json criteria and doses carry limit and value beside the printed strings",
          "[cli]") {
  const auto r = verify("samples/coa-marker-failed.xml", {"--json"});
  const auto doc = json::parse(r.out);
  const json::Value* cd105 = nullptr;
  const json::Value* endotoxin = nullptr;
  for (const auto& c : *doc.get("criteria")->array()) {
    if (c.text("test") == "cd105") cd105 = &c;
    if (c.text("test") == "endotoxin") endotoxin = &c;
  }
  REQUIRE(cd105);
  CHECK(cd105->text("specification") == ">= 95 %");
  CHECK(cd105->text("result") == "94.99 %");
  CHECK(cd105->text("verdict") == "fail");
  CHECK(cd105->text("name") == "CD105 expression");
  CHECK(cd105->get("limit")->text("kind") == "range");
  CHECK(cd105->get("limit")->get("lower")->text("comparator") == "at-least");
  CHECK(cd105->get("limit")->get("lower")->text("value") == "95");
  CHECK(cd105->get("limit")->text("unit") == "%");
  CHECK(cd105->get("value")->text("kind") == "number");
  CHECK(cd105->get("value")->text("number") == "94.99");
  CHECK(cd105->get("value")->text("unit") == "%");
  CHECK(std::string(cd105->get("value")->get("qualifier")->type_name()) == "null");
  REQUIRE(endotoxin);
  CHECK(endotoxin->text("result") == "< 0.5 EU/mL");
  CHECK(endotoxin->text("name") == "Bacterial endotoxins");
  CHECK(endotoxin->get("value")->text("qualifier") == "less-than");
  CHECK(endotoxin->get("limit")->get("upper")->text("comparator") == "at-most");
  const auto& dose = doc.get("doses")->array()->at(0);
  CHECK(dose.text("viable_cells") == "5.1e7");
  CHECK(dose.text("specification") == "4.0e7 .. 6.0e7");
  CHECK(dose.get("limit")->get("lower")->text("value") == "40000000");
  CHECK(dose.get("limit")->get("upper")->text("value") == "60000000");
  CHECK(contains(r.out, "\"number\": \"94.99\""));
}

TEST_CASE("cli: the report names the specification and the DIN with its check character", "[cli]") {
  const auto r = verify("samples/coa-pass.xml");
  CHECK(contains(r.out, "DIN A9999 26 000147 9"));
  CHECK(contains(r.out, "wj-msc version 1 (built-in)"));
  CHECK(contains(r.out, spec::default_specification().sha256));
  CHECK(contains(r.out, "Checked as of"));
  CHECK(contains(r.out, " 2026-11-21T12:00:00Z\n"));
}

TEST_CASE("cli: the real binary returns 0, 1 and 2", "[cli][process]") {
  const std::string bin = test::quote_arg(DOSEGATE_BINARY);
  CHECK(test::run_process(bin + " --version").code == 0);
  const std::string trust = " --trust " + test::quote_arg(s("certs/trust")) + " --as-of " + kAsOf;
  CHECK(test::run_process(bin + " verify " + test::quote_arg(s("samples/coa-pass.xml")) + trust)
            .code == 0);
  CHECK(test::run_process(bin + " verify " + test::quote_arg(s("samples/coa-viability-90.xml")) +
                          trust)
            .code == 1);
  const auto two = test::run_process(bin + " verify " + test::quote_arg(s("samples/coa-pass.xml")));
  CHECK(two.code == 2);
  CHECK(contains(two.output, "missing --trust DIR"));
}

TEST_CASE("cli: every command explains itself and its exit codes in --help", "[cli]") {
  const auto main_help = run_cli({"--help"});
  for (const char* command :
       {"verify", "release", "confirm", "history", "audit", "recall", "trace", "sign-coa"}) {
    INFO(command);
    CHECK(contains(main_help.out, std::string("  ") + command + " "));
    const auto r = run_cli({command, "--help"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, std::string("Usage: dosegate ") + command));
    CHECK(contains(r.out, "Exit codes"));
  }
}

TEST_CASE("cli: lab-signed CoAs with implausible values or dates are a 'no' (exit 1)",
          "[cli][plausibility]") {
  struct Row {
    const char* what;
    std::string from;
    std::string to;
    const char* code;
    const char* location;
  };
  const std::vector<Row> rows = {
      {"CD34 -50 %", "<Value unit=\"%\">0.4</Value>", "<Value unit=\"%\">-50</Value>",
       "result.implausible", "/CertificateOfAnalysis/Results/Result[@test='cd34']/Value"},
      {"CD73 250 %", "<Value unit=\"%\">98.7</Value>", "<Value unit=\"%\">250</Value>",
       "result.implausible", "/CertificateOfAnalysis/Results/Result[@test='cd73']/Value"},
      {"endotoxin -0.6", "<Value unit=\"EU/mL\" qualifier=\"less-than\">0.5</Value>",
       "<Value unit=\"EU/mL\">-0.6</Value>", "result.implausible",
       "/CertificateOfAnalysis/Results/Result[@test='endotoxin']/Value"},
      {"dose volume 0", "<Volume unit=\"mL\">5.0</Volume>", "<Volume unit=\"mL\">0</Volume>",
       "result.implausible", "/CertificateOfAnalysis/Lot/Doses/Dose[@division='A0']/Volume"},
      {"dose volume -5.0", "<Volume unit=\"mL\">5.0</Volume>", "<Volume unit=\"mL\">-5.0</Volume>",
       "result.implausible", "/CertificateOfAnalysis/Lot/Doses/Dose[@division='A0']/Volume"},
      {"issued 70 years ahead", "<Issued>2026-11-18T14:05:00Z</Issued>",
       "<Issued>2096-11-18T14:05:00Z</Issued>", "lot.implausible-dates",
       "/CertificateOfAnalysis/Issued"},
      {"manufactured after expiry", "<Manufactured>2026-11-02</Manufactured>",
       "<Manufactured>2027-11-03</Manufactured>", "lot.implausible-dates",
       "/CertificateOfAnalysis/Lot/Manufactured"},
  };
  test::TempDir dir;
  for (const auto& row : rows) {
    INFO(row.what);
    const auto coa = signed_variant(dir, row.from, row.to);
    const auto r =
        run_cli({"verify", coa, "--trust", s("certs/trust"), "--as-of", kAsOf, "--json"});
    INFO(r.out << r.err);
    CHECK(r.code == 1);
    CHECK(contains(r.out, "\"verified\": true"));
    CHECK(contains(r.out, "\"decision\": \"rejected\""));
    CHECK(error_codes(r.out).count(row.code) == 1);
    CHECK(contains(r.out, std::string("\"location\": \"") + row.location + "\""));
    const auto table = run_cli({"verify", coa, "--trust", s("certs/trust"), "--as-of", kAsOf});
    CHECK(table.code == 1);
    CHECK(contains(table.out, row.code));
  }
  // The same document with plausible values is releasable: the signing itself is not the issue.
  const auto fine = signed_variant(dir, "<Value unit=\"%\">98.7</Value>",
                                   "<Value unit=\"%\">100</Value>", "fine.xml");
  CHECK(run_cli({"verify", fine, "--trust", s("certs/trust"), "--as-of", kAsOf}).code == 0);
}

TEST_CASE("cli: a --spec that takes the built-in's id and version with other criteria exits 2",
          "[cli][impersonation]") {
  test::TempDir dir;
  auto text = test::read_source("samples/specs/wj-msc.xml");
  const std::string strict = "<Criterion test=\"cd105\" at-least=\"95\"";
  text.replace(text.find(strict), strict.size(), "<Criterion test=\"cd105\" at-least=\"90\"");
  const auto path = dir.file("wj-msc-loose.xml");
  { std::ofstream(path, std::ios::binary) << text; }
  // cd105 at 94.99 % fails the real wj-msc and would pass this one.
  for (const bool json : {false, true}) {
    std::vector<std::string> extra{"--spec", path};
    if (json) extra.push_back("--json");
    const auto r = verify("samples/coa-marker-failed.xml", extra);
    INFO(r.out << r.err);
    CHECK(r.code == 2);
    // No verdict: with --json only the error object (decision "error", the finding).
    if (json) {
      CHECK(contains(r.out, "\"decision\": \"error\""));
      CHECK(contains(r.out, "\"code\": \"spec.impersonation\""));
      CHECK_FALSE(contains(r.out, "releasable"));
    } else {
      CHECK(r.out.empty());
    }
    CHECK_FALSE(contains(r.out, "conforms to specification wj-msc version 1"));
    CHECK(contains(r.err, "error [spec.impersonation]: " + path +
                              ": claims to be specification wj-msc version 1"));
    CHECK(contains(r.err, "give it a new id, or raise its version"));
  }
}

TEST_CASE("cli: the report shows the specification's origin beside its id",
          "[cli][impersonation]") {
  // The shipped file, byte for byte the built-in, is accepted and named by its path.
  const auto file = s("samples/specs/wj-msc.xml");
  auto r = verify("samples/coa-pass.xml", {"--spec", file});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Specification  wj-msc version 1 (" + file + "): "));
  CHECK(contains(r.out, "the lot conforms to specification wj-msc version 1 (" + file + ")"));
  r = verify("samples/coa-pass.xml", {"--spec", file, "--json"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"origin\": \"" + file + "\""));
  r = verify("samples/coa-pass.xml");
  CHECK(contains(r.out, "Specification  wj-msc version 1 (built-in): "));
  CHECK(contains(r.out, "the lot conforms to specification wj-msc version 1 (built-in)"));
  r = verify("samples/coa-pending-mycoplasma.xml");
  CHECK(contains(r.out, "conforms to specification wj-msc version 1 (built-in) so far"));
  r = verify("samples/coa-pass.xml", {"--json"});
  CHECK(contains(r.out, "\"origin\": \"built-in\""));
}

TEST_CASE("cli: control and bidi characters from a signed CoA are printed escaped",
          "[cli][escape]") {
  // XML 1.0 forbids C0 controls even as references (the reader refuses &#x1b;), but allows the
  // C1 control CSI (U+009B, an escape sequence on 8-bit terminals) and bidi overrides.
  test::TempDir dir;
  const std::string csi = "\xC2\x9B";      // U+009B
  const std::string rlo = "\xE2\x80\xAE";  // U+202E RIGHT-TO-LEFT OVERRIDE
  const auto coa = signed_variant(dir, "<Name>Example QC Laboratory GmbH</Name>",
                                  "<Name>Example QC" + csi + "2K Lab " + rlo + "HbmG</Name>");
  const auto r = run_cli({"verify", coa, "--trust", s("certs/trust"), "--as-of", kAsOf});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK_FALSE(contains(r.out, csi));
  CHECK_FALSE(contains(r.out, rlo));
  CHECK(contains(r.out, "QCL-01, Example QC\\u009b2K Lab \\u202eHbmG; ISO/IEC 17025"));
  const auto unsafe =
      run_cli({"verify",
               signed_variant(dir, "<Value unit=\"%\">0.4</Value>",
                              "<Value unit=\"%" + rlo + "\">0.4</Value>", "unit.xml"),
               "--trust", s("certs/trust"), "--as-of", kAsOf});
  CHECK(unsafe.code == 1);  // a unit the specification does not name
  CHECK_FALSE(contains(unsafe.out, rlo));
  CHECK(contains(unsafe.out, "reported in '%\\u202e'"));
  const auto json =
      run_cli({"verify", coa, "--trust", s("certs/trust"), "--as-of", kAsOf, "--json"});
  CHECK(json.code == 0);
  CHECK_NOTHROW(json::parse(json.out));
}

TEST_CASE("cli: --tsa-timeout needs --tsa and 1 s or more, for every command that takes them",
          "[cli][tsa]") {
  test::TempDir dir;
  const auto key = test::pki("releaser.key.pem");
  const auto trust = test::source("certs/trust");
  const auto coa = test::source("samples/coa-pass.xml");
  const std::vector<std::vector<std::string>> commands{
      {"release", coa, "--trust", trust, "--key", key, "--out", dir.file("out")},
      {"recall", "A999926000147", "--reason", "test", "--trust", trust, "--key", key, "--ledger",
       dir.file("ledger.sqlite")},
      {"complete", coa, "--trust", trust, "--key", key, "--ledger", dir.file("ledger.sqlite")}};
  for (const auto& command : commands) {
    CAPTURE(command.front());
    auto args = command;
    args.insert(args.end(), {"--tsa-timeout", "5"});
    auto r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "--tsa-timeout needs --tsa URL"));
    args = command;
    args.insert(args.end(), {"--tsa", "http://127.0.0.1:1/", "--tsa-timeout", "0"});
    r = run_cli(args);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "--tsa-timeout takes a number of seconds, 1 or more"));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("out")));
  CHECK_FALSE(std::filesystem::exists(dir.file("ledger.sqlite")));
}
