// sign-coa: PKCS#12 keys, never replacing --out without --force, and with --trust refusing a
// certificate that the trust directory would reject for labs/.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test_support.hpp"

namespace dosegate {
namespace {

namespace fs = std::filesystem;
using test::contains;
using test::run_cli_at;

constexpr const char* kNow = "2026-11-21T12:00:00Z";

std::string s(const std::string& relative) {
  return test::source(relative);
}

// The passing sample without its signature.
std::string unsigned_coa(const test::TempDir& dir) {
  auto text = test::read_source("samples/coa-pass.xml");
  const auto sig = text.find("<Signature xmlns=");
  REQUIRE(sig != std::string::npos);
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  const auto path = dir.file("unsigned.xml");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

test::CliResult sign(const std::vector<std::string>& args) {
  std::vector<std::string> all{"sign-coa"};
  all.insert(all.end(), args.begin(), args.end());
  return run_cli_at(all, kNow);
}

int verify_code(const std::string& coa) {
  return run_cli_at({"verify", coa, "--trust", s("certs/trust"), "--as-of", kNow}, kNow).code;
}

}  // namespace

TEST_CASE("sign-coa: a PKCS#12 key signs without --cert, as release accepts it",
          "[cli][sign-coa]") {
  test::TempDir dir;
  const auto coa = unsigned_coa(dir);
  const auto p12 = dir.file("lab.p12");
  const auto pass = dir.file("pass.txt");
  { std::ofstream(pass) << "p12-secret\n"; }
  const auto made = test::run_process("openssl pkcs12 -export -inkey " +
                                      test::quote_arg(test::pki("lab-ec.key.pem")) + " -in " +
                                      test::quote_arg(test::pki("lab-ec.cert.pem")) +
                                      " -certfile " + test::quote_arg(test::pki("lab-chain.pem")) +
                                      " -passout pass:p12-secret -out " + test::quote_arg(p12));
  INFO(made.output);
  REQUIRE(made.code == 0);
  const auto out = dir.file("signed.xml");
  const auto r = sign({coa, "--key", p12, "--passphrase-file", pass, "--out", out});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "signed COA-QCL01-2026-0147"));
  CHECK(verify_code(out) == 0);
  // A PEM key still needs its certificate.
  const auto pem = sign({coa, "--key", test::pki("lab-ec.key.pem"), "--out", dir.file("x.xml")});
  CHECK(pem.code == 2);
  CHECK(contains(pem.err, "--cert"));
  CHECK_FALSE(fs::exists(dir.file("x.xml")));
}

TEST_CASE("sign-coa: an existing --out is refused unless --force", "[cli][sign-coa]") {
  test::TempDir dir;
  const auto coa = unsigned_coa(dir);
  const auto out = dir.file("signed.xml");
  { std::ofstream(out) << "an earlier file\n"; }
  const std::vector<std::string> key = {
      "--key",   test::pki("lab-ec.key.pem"), "--cert", test::pki("lab-ec.cert.pem"),
      "--chain", test::pki("lab-chain.pem"),  "--out",  out};
  auto args = key;
  args.insert(args.begin(), coa);
  auto r = sign(args);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "error [io.out-exists]: " + out +
                            ": exists; sign-coa does not replace a file (give another --out, or "
                            "--force to replace it)"));
  CHECK(test::read_file_text(out) == "an earlier file\n");
  args.push_back("--force");
  r = sign(args);
  CHECK(r.code == 0);
  CHECK(verify_code(out) == 0);
}

TEST_CASE("sign-coa --trust: a certificate the trust directory rejects for labs/ signs nothing",
          "[cli][sign-coa][trust]") {
  struct Row {
    const char* key;
    const char* cert;
    const char* code;
  };
  const std::vector<Row> rows = {
      {"lab-expired.key.pem", "lab-expired.cert.pem", "signature.certificate-expired"},
      {"lab-revoked.key.pem", "lab-revoked.cert.pem", "signature.revoked"},
      {"releaser.key.pem", "releaser.cert.pem", "signature.wrong-role"},
      {"lab-unlisted.key.pem", "lab-unlisted.cert.pem", "signature.signer-not-authorized"},
  };
  for (const auto& row : rows) {
    INFO(row.key);
    test::TempDir dir;
    const auto coa = unsigned_coa(dir);
    const auto out = dir.file("signed.xml");
    const auto r = sign({coa, "--key", test::pki(row.key), "--cert", test::pki(row.cert), "--trust",
                         s("certs/test-trust"), "--out", out});
    CHECK(r.code == 2);
    CHECK(contains(r.err, "error [signer.refused]: dosegate will not sign this CoA with "));
    CHECK(contains(r.err, row.code));
    CHECK_FALSE(fs::exists(out));
    // Without --trust the same key signs (the laboratory's own business), and verify rejects.
    const auto plain =
        sign({coa, "--key", test::pki(row.key), "--cert", test::pki(row.cert), "--out", out});
    CHECK(plain.code == 0);
  }
  // A certificate the trust directory accepts signs.
  test::TempDir dir;
  const auto coa = unsigned_coa(dir);
  const auto r = sign({coa, "--key", test::pki("lab-ec.key.pem"), "--cert",
                       test::pki("lab-ec.cert.pem"), "--chain", test::pki("lab-chain.pem"),
                       "--trust", s("certs/trust"), "--out", dir.file("signed.xml")});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(verify_code(dir.file("signed.xml")) == 0);
  // An unusable trust directory stops before anything is written.
  const auto bad =
      sign({coa, "--key", test::pki("lab-ec.key.pem"), "--cert", test::pki("lab-ec.cert.pem"),
            "--trust", dir.file("no-such-trust"), "--out", dir.file("other.xml")});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "no-such-trust: cannot open trust directory"));
  CHECK_FALSE(fs::exists(dir.file("other.xml")));
}

}  // namespace dosegate
