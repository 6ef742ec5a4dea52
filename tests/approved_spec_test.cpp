// Approved specifications: sign-spec, the approvers/ role, --allow-unapproved-spec, the
// effective window, and the approver on the record and in the ledger.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::run_cli;
using test::run_cli_at;
using test::TempDir;

namespace {

constexpr const char* kAsOf = "2026-11-21T12:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

// The built-in specification under another id, so that it is a specification of its own.
std::string local_spec(const std::string& id = "wj-msc-local") {
  auto spec = test::read_source("samples/specs/wj-msc.xml");
  replace(spec, "id=\"wj-msc\"", "id=\"" + id + "\"");
  return spec;
}

// sign-spec with `who`'s key from the test PKI (and its CA's chain), the clock at `now`.
test::CliResult sign_spec(const std::string& in, const std::string& out,
                          const std::string& who = "approver",
                          const std::string& now = "2026-11-01T09:00:00Z") {
  std::vector<std::string> args{
      "sign-spec", in, "--key", pki(who + ".key.pem"), "--cert", pki(who + ".cert.pem"),
      "--out",     out};
  if (who.rfind("lab", 0) == 0) {
    args.insert(args.end(), {"--chain", pki("lab-chain.pem")});
  } else if (who.rfind("foreign", 0) != 0) {
    args.insert(args.end(), {"--chain", pki("qa-chain.pem")});
  }
  return run_cli_at(args, now);
}

test::CliResult verify_with(const std::string& spec, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"verify",  src("samples/coa-pass.xml"),
                                "--trust", src("certs/trust"),
                                "--spec",  spec,
                                "--as-of", kAsOf};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args);
}

}  // namespace

TEST_CASE("sign-spec: an approved specification verifies in dosegate and in xmlsec1",
          "[spec-approval][interop]") {
  TempDir dir;
  write(dir.file("spec.xml"), local_spec());
  auto r = sign_spec(dir.file("spec.xml"), dir.file("spec.signed.xml"));
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "approved specification wj-msc-local version 1 at 2026-11-01T09:00:00Z"));
  CHECK(contains(r.out, "approver CN=Sam Example\\, QA Specification Approval"));
  const auto signed_text = test::read_file_text(dir.file("spec.signed.xml"));
  CHECK(contains(signed_text, "approved-at=\"2026-11-01T09:00:00Z\""));

  const auto x = test::run_process(
      "xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty --trusted-pem " +
      test::quote_arg(pki("root-ca.cert.pem")) + " " +
      test::quote_arg(dir.file("spec.signed.xml")));
  INFO(x.output);
  CHECK(x.code == 0);
  CHECK(contains(x.output, "OK"));

  r = verify_with(dir.file("spec.signed.xml"));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out,
                 "Spec approval  approved by CN=Sam Example\\, QA Specification Approval,O=Example "
                 "Clinic QA,C=DE (SHA-256 "));
  CHECK(contains(r.out, ") at 2026-11-01T09:00:00Z"));
  r = verify_with(dir.file("spec.signed.xml"), {"--json"});
  CHECK(contains(r.out, "\"status\": \"approved\""));
  CHECK(contains(r.out, "\"approved_at\": \"2026-11-01T09:00:00Z\""));
}

TEST_CASE("sign-spec: the shipped specifications are shipped approved", "[spec-approval]") {
  for (const auto* name :
       {"samples/specs/wj-msc.signed.xml", "samples/specs/msc-exosome.signed.xml"}) {
    INFO(name);
    const auto x = test::run_process(
        "xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty --trusted-pem " +
        test::quote_arg(pki("root-ca.cert.pem")) + " " + test::quote_arg(src(name)));
    INFO(x.output);
    CHECK(x.code == 0);
  }
  // The signed built-in is the built-in: the same SHA-256, now with its approver.
  auto r = verify_with(src("samples/specs/wj-msc.signed.xml"));
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(
      r.out, "Spec SHA-256   680eaa5e157b48ef3be794d728991c947caf9b61dce8d48e27d39cd5313104ee"));
  CHECK(contains(r.out, "Spec approval  approved by CN=Sam Example"));
  r = run_cli({"verify", src("samples/coa-exosome-pass.xml"), "--trust", src("certs/trust"),
               "--spec", src("samples/specs/msc-exosome.signed.xml"), "--as-of", kAsOf});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  // The unsigned exosome file is not approved.
  r = run_cli({"verify", src("samples/coa-exosome-pass.xml"), "--trust", src("certs/trust"),
               "--spec", src("samples/specs/msc-exosome.xml"), "--as-of", kAsOf});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [spec.unapproved]: " + src("samples/specs/msc-exosome.xml") +
                            ": the specification is not signed by an approver"));
}

TEST_CASE("an unsigned specification is refused unless --allow-unapproved-spec, which shows",
          "[spec-approval][negative]") {
  TempDir dir;
  write(dir.file("spec.xml"), local_spec());
  auto r = verify_with(dir.file("spec.xml"));
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "dosegate verify: error [spec.unapproved]: " + dir.file("spec.xml") +
                            ": the specification is not signed by an approver."));
  CHECK(contains(r.err,
                 "/approvers/ signed it (dosegate sign-spec); to use it anyway, give "
                 "--allow-unapproved-spec"));
  r = verify_with(dir.file("spec.xml"), {"--allow-unapproved-spec"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out,
                 "Spec approval  SPECIFICATION NOT APPROVED: the specification is not "
                 "signed by an approver"));
  CHECK(contains(r.out, "warning spec.unapproved"));
  CHECK(contains(r.out, "(" + dir.file("spec.xml") + ", SPECIFICATION NOT APPROVED)"));
  r = verify_with(dir.file("spec.xml"), {"--allow-unapproved-spec", "--json"});
  CHECK(contains(r.out, "\"status\": \"unapproved\""));
  CHECK(contains(r.out, "\"code\": \"spec.unapproved\""));
}

TEST_CASE("a specification signed by a releaser, a laboratory or a foreign key is not approved",
          "[spec-approval][negative]") {
  TempDir dir;
  write(dir.file("spec.xml"), local_spec());
  struct Case {
    const char* who;
    const char* why;
  };
  for (const auto& c : {Case{"releaser",
                             "signature.wrong-role: the signer 'CN=Alex Example\\, QA "
                             "Release,O=Example Clinic QA,C=DE' is allowed to sign "
                             "release records"},
                        Case{"lab-ec", "signature.wrong-role"},
                        Case{"foreign-signer", "its signer may not approve specifications"}}) {
    INFO(c.who);
    const auto out = dir.file(std::string(c.who) + ".signed.xml");
    REQUIRE(sign_spec(dir.file("spec.xml"), out, c.who).code == 0);
    auto r = verify_with(out);
    CHECK(r.code == 2);
    CHECK(contains(r.err, "error [spec.unapproved]: " + out + ": its signer may not approve"));
    CHECK(contains(r.err, c.why));
    r = verify_with(out, {"--allow-unapproved-spec"});
    CHECK(r.code == 0);
    CHECK(contains(r.out, "SPECIFICATION NOT APPROVED: its signer may not approve"));
  }
}

TEST_CASE("an approved specification changed afterwards is refused, with or without the flag",
          "[spec-approval][negative][attack]") {
  TempDir dir;
  write(dir.file("spec.xml"), local_spec());
  REQUIRE(sign_spec(dir.file("spec.xml"), dir.file("spec.signed.xml")).code == 0);
  const auto good = test::read_file_text(dir.file("spec.signed.xml"));
  struct Edit {
    const char* from;
    const char* to;
  };
  for (const auto& e :
       {Edit{"greater-than=\"90\"", "greater-than=\"80\""},
        Edit{"approved-at=\"2026-11-01T09:00:00Z\"", "approved-at=\"2026-10-01T09:00:00Z\""},
        Edit{"<Criterion test=\"sterility\" outcome=\"no-growth\"/>", ""}}) {
    INFO(e.from);
    auto bad = good;
    replace(bad, e.from, e.to);
    write(dir.file("bad.xml"), bad);
    for (bool allow : {false, true}) {
      auto r = verify_with(
          dir.file("bad.xml"),
          allow ? std::vector<std::string>{"--allow-unapproved-spec"} : std::vector<std::string>{});
      CHECK(r.code == 2);
      CHECK(contains(r.err, "error [spec.signature-invalid]: " + dir.file("bad.xml") +
                                ": the specification's signature does not hold"));
    }
  }
}

TEST_CASE("an approved file that claims a shipped specification's identity is refused",
          "[spec-approval][negative][impersonation]") {
  TempDir dir;
  auto spec = test::read_source("samples/specs/wj-msc.xml");
  replace(spec, "greater-than=\"90\"", "greater-than=\"80\"");
  write(dir.file("spec.xml"), spec);
  // sign-spec will not approve it.
  const auto s = sign_spec(dir.file("spec.xml"), dir.file("spec.signed.xml"));
  CHECK(s.code == 2);
  CHECK(contains(s.err, "error [spec.impersonation]"));
  CHECK_FALSE(std::filesystem::exists(dir.file("spec.signed.xml")));
  // Built-in bytes signed are accepted as the built-in.
  write(dir.file("builtin.xml"), test::read_source("samples/specs/wj-msc.xml"));
  REQUIRE(sign_spec(dir.file("builtin.xml"), dir.file("builtin.signed.xml")).code == 0);
  const auto r = verify_with(dir.file("builtin.signed.xml"));
  CHECK(r.code == 0);
  CHECK(contains(r.out, "680eaa5e157b48ef3be794d728991c947caf9b61dce8d48e27d39cd5313104ee"));
}

TEST_CASE("a specification outside its effective window, or approved later, is refused",
          "[spec-approval][negative]") {
  TempDir dir;
  auto spec = local_spec();
  replace(spec, "version=\"1\"",
          "version=\"1\" effective-from=\"2026-12-01T00:00:00Z\" "
          "effective-until=\"2027-12-01T00:00:00Z\"");
  write(dir.file("spec.xml"), spec);
  REQUIRE(sign_spec(dir.file("spec.xml"), dir.file("spec.signed.xml")).code == 0);
  auto r = verify_with(dir.file("spec.signed.xml"));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [spec.not-effective]: specification wj-msc-local version 1 (" +
                            dir.file("spec.signed.xml") +
                            ") is in effect from 2026-12-01T00:00:00Z, not at " + kAsOf));
  r = run_cli({"verify", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--spec",
               dir.file("spec.signed.xml"), "--as-of", "2027-12-02T00:00:00Z"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "was in effect until 2027-12-01T00:00:00Z, not at 2027-12-02T00:00:00Z"));
  r = run_cli({"verify", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--spec",
               dir.file("spec.signed.xml"), "--as-of", "2026-12-02T00:00:00Z"});
  CHECK(r.code == 0);

  // Inverted window: not a valid specification.
  auto inverted = local_spec();
  replace(inverted, "version=\"1\"",
          "version=\"1\" effective-from=\"2027-01-01T00:00:00Z\" "
          "effective-until=\"2026-01-01T00:00:00Z\"");
  write(dir.file("inverted.xml"), inverted);
  r = verify_with(dir.file("inverted.xml"), {"--allow-unapproved-spec"});
  CHECK(r.code == 2);
  CHECK(contains(r.err,
                 "attribute 'effective-until' (2026-01-01T00:00:00Z) is before "
                 "'effective-from'"));

  // Approved after the time checked.
  REQUIRE(sign_spec(dir.file("spec.xml"), dir.file("late.xml"), "approver", "2026-12-05T00:00:00Z")
              .code == 0);
  r = run_cli({"verify", src("samples/coa-pass.xml"), "--trust", src("certs/trust"), "--spec",
               dir.file("late.xml"), "--as-of", "2026-12-02T00:00:00Z"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "it was approved at 2026-12-05T00:00:00Z, after 2026-12-02T00:00:00Z"));
}

TEST_CASE("sign-spec refuses a signed, an invalid or a missing specification, writing nothing",
          "[spec-approval][negative]") {
  TempDir dir;
  auto r = sign_spec(src("samples/specs/wj-msc.signed.xml"), dir.file("again.xml"));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [spec.already-signed]: "));
  CHECK_FALSE(std::filesystem::exists(dir.file("again.xml")));
  r = sign_spec(src("tests/data/spec/invalid-reader-only/two-lower-bounds.xml"), dir.file("x.xml"));
  CHECK(r.code == 2);
  CHECK(contains(r.err, "not a valid release specification"));
  CHECK_FALSE(std::filesystem::exists(dir.file("x.xml")));
  r = sign_spec(dir.file("none.xml"), dir.file("y.xml"));
  CHECK(r.code == 2);
  CHECK_FALSE(std::filesystem::exists(dir.file("y.xml")));
  r = run_cli({"sign-spec", src("samples/specs/wj-msc.xml"), "--out", dir.file("z.xml")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "missing --key"));
  r = run_cli({"sign-spec", "--help"});
  CHECK(r.code == 0);
  CHECK(contains(r.out, "Usage: dosegate sign-spec SPEC.xml"));
}

TEST_CASE("release: the record and the ledger name the specification's approver",
          "[spec-approval][release]") {
  TempDir dir;
  const auto ledger_path = dir.file("ledger.sqlite");
  std::vector<std::string> args{"release",  src("samples/coa-pass.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("out"),
                                "--ledger", ledger_path,
                                "--spec",   src("samples/specs/wj-msc.signed.xml")};
  for (const auto& a : test::releaser()) args.push_back(a);
  auto r = run_cli_at(args, kAsOf);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto record = dir.file("out/A999926000147-S1234V00-A0.pdf");
  const auto txt = test::run_process("pdftotext -layout " + test::quote_arg(record) + " -");
  CHECK(contains(txt.output, "Approved by"));
  CHECK(contains(txt.output, "Sam Example"));
  CHECK(contains(txt.output, "2026-11-01T09:00:00Z (UTC)"));
  const auto sig = test::run_process("pdfsig " + test::quote_arg(record));
  CHECK(contains(sig.output, "Signature is Valid"));
  {
    auto l = ledger::Ledger::open(ledger_path, false);
    bool seen = false;
    l.for_each({}, [&](ledger::Entry& e) {
      if (e.kind == "release") {
        seen = true;
        CHECK(e.spec_approver ==
              "CN=Sam Example\\, QA Specification Approval,O=Example Clinic QA,C=DE");
        CHECK(e.spec_approver_sha256.size() == 64);
        CHECK(e.spec_approved_at == "2026-11-01T09:00:00Z");
      }
      return true;
    });
    CHECK(seen);
  }
  r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger_path});
  CHECK(r.code == 0);
  r = run_cli({"history", "--ledger", ledger_path, "--format", "csv"});
  CHECK(contains(r.out, ",2026-11-01T09:00:00Z,"));
}

TEST_CASE("release under --allow-unapproved-spec says so on the record and in the ledger",
          "[spec-approval][release]") {
  TempDir dir;
  write(dir.file("spec.xml"), local_spec());
  const auto ledger_path = dir.file("ledger.sqlite");
  std::vector<std::string> args{"release",  src("samples/coa-pass.xml"),
                                "--trust",  src("certs/trust"),
                                "--out",    dir.file("out"),
                                "--ledger", ledger_path,
                                "--spec",   dir.file("spec.xml")};
  for (const auto& a : test::releaser()) args.push_back(a);
  auto r = run_cli_at(args, kAsOf);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [spec.unapproved]"));
  CHECK_FALSE(std::filesystem::exists(dir.file("out/A999926000147-S1234V00-A0.pdf")));
  CHECK_FALSE(std::filesystem::exists(ledger_path));

  args.push_back("--allow-unapproved-spec");
  r = run_cli_at(args, kAsOf);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "Warning [spec.unapproved]: SPECIFICATION NOT APPROVED"));
  const auto record = dir.file("out/A999926000147-S1234V00-A0.pdf");
  const auto txt = test::run_process("pdftotext -layout " + test::quote_arg(record) + " -");
  CHECK(contains(txt.output, "SPECIFICATION NOT APPROVED"));
  CHECK(contains(txt.output, "none: used under --allow-unapproved-spec"));
  auto l = ledger::Ledger::open(ledger_path, false);
  bool seen = false;
  l.for_each({}, [&](ledger::Entry& e) {
    if (e.kind == "release") {
      seen = true;
      CHECK(contains(e.warnings, "spec.unapproved: SPECIFICATION NOT APPROVED"));
      CHECK(e.spec_approver.empty());
    }
    return true;
  });
  CHECK(seen);
}
