// CAdES signing (crypto/cades.hpp) and incremental SHA-256 (crypto/sha256.hpp): the signatures
// that release records and ledger entries carry, checked with dosegate's verifier and with
// openssl cms.
#include <catch2/catch.hpp>

#include <fstream>

#include "crypto/cades.hpp"
#include "crypto/cms.hpp"
#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::run_process;
using test::TempDir;

namespace {

const char* kAt = "2026-11-21T12:00:00Z";

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

crypto::SigningKey signer(const std::string& key, const std::string& cert,
                          const std::string& chain) {
  return crypto::load_signer(pki(key), pki(cert), chain, std::nullopt, {});
}

}  // namespace

TEST_CASE("Sha256: a copy carries on from the same state", "[cades]") {
  crypto::Sha256 common;
  common.update("the lot's pages, ");
  auto first = common;
  auto second = common;
  first.update("dose 1");
  second.update("dose 2");
  CHECK(crypto::to_hex(first.digest()) == crypto::sha256_hex("the lot's pages, dose 1"));
  CHECK(crypto::to_hex(second.digest()) == crypto::sha256_hex("the lot's pages, dose 2"));
  // digest() leaves the object usable.
  first.update(", more");
  CHECK(crypto::to_hex(first.digest()) == crypto::sha256_hex("the lot's pages, dose 1, more"));
  CHECK(crypto::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("a CAdES signature verifies, has signingCertificateV2 and no signingTime",
          "[cades][interop]") {
  const auto key = signer("releaser.key.pem", "releaser.cert.pem", pki("qa-chain.pem"));
  const std::string data = "release record bytes";
  crypto::Sha256 digest;
  digest.update(data);
  // Signed from the data or from its digest: the same signed attributes, both valid.
  for (const auto& cms :
       {crypto::cades_detached(data, key), crypto::cades_detached(digest.digest(), key)}) {
    const crypto::TrustStore trust(test::source("certs/trust"));
    const auto v = crypto::verify_detached(cms, data, trust, crypto::Role::releaser,
                                           *parse_utc_instant(kAt), "/", "the data");
    INFO((v.findings.empty() ? "" : v.findings[0].message));
    CHECK(v.findings.empty());
    CHECK(v.signer_found);

    TempDir dir;
    write(dir.file("sig.der"), cms);
    write(dir.file("data.bin"), data);
    const auto verified = run_process("openssl cms -verify -binary -inform DER -in " +
                                      quote_arg(dir.file("sig.der")) + " -content " +
                                      quote_arg(dir.file("data.bin")) + " -CAfile " +
                                      quote_arg(pki("root-ca.cert.pem")) + " -out /dev/null");
    INFO(verified.output);
    CHECK(verified.code == 0);
    CHECK(contains(verified.output, "Verification successful"));
    const auto printed =
        run_process("openssl cms -cmsout -print -inform DER -in " + quote_arg(dir.file("sig.der")));
    INFO(printed.output);
    CHECK(contains(printed.output, "id-smime-aa-signingCertificateV2"));
    CHECK(contains(printed.output, "contentType"));
    CHECK(contains(printed.output, "messageDigest"));
    CHECK_FALSE(contains(printed.output, "signingTime"));
  }
}

TEST_CASE("the computed size bound holds every test releaser's signature, RSA 3072 too",
          "[cades]") {
  TempDir dir;
  // The longest chain one could give: the issuing CA and the root.
  write(dir.file("long-chain.pem"),
        test::read_file_text(pki("qa-chain.pem")) + test::read_file_text(pki("root-ca.cert.pem")));
  struct Case {
    const char* key;
    const char* cert;
    std::string chain;
  };
  const Case cases[] = {
      {"releaser.key.pem", "releaser.cert.pem", pki("qa-chain.pem")},
      {"releaser.key.pem", "releaser.cert.pem", dir.file("long-chain.pem")},
      {"releaser-rsa.key.pem", "releaser-rsa.cert.pem", pki("qa-chain.pem")},
      {"releaser-rsa.key.pem", "releaser-rsa.cert.pem", dir.file("long-chain.pem")},
      {"lab-rsa.key.pem", "lab-rsa.cert.pem", pki("lab-chain.pem")}};
  for (const auto& c : cases) {
    INFO(c.key << " with " << c.chain);
    const auto key = signer(c.key, c.cert, c.chain);
    const auto bound = crypto::cades_detached_max_size(key);
    for (int i = 0; i < 20; ++i) {  // ECDSA signatures vary in length
      const auto size = crypto::cades_detached("data " + std::to_string(i), key).size();
      CHECK(size <= bound);
      CHECK(bound - size < 600);  // a bound, not a guess: the room stays small
    }
  }
}
