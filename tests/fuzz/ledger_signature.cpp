// A ledger entry's signature, as anyone who can write the ledger file may set it: the audit's
// verifier (crypto::DetachedVerifier, which keeps each signer's chain answer and checks later
// signatures without their certificates) must answer exactly as verify_detached does, finding
// for finding, whatever the bytes. Its cache is primed with a genuine signature by the test
// releaser over the same content, so that every input that carries the releaser's
// certificates meets a kept answer.
#include "crypto/cades.hpp"
#include "crypto/cms.hpp"
#include "crypto/detached_verifier.hpp"
#include "crypto/keys.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

namespace {

// Everything a VerifiedDetached says.
std::string described(const crypto::VerifiedDetached& v) {
  std::string out = v.signer.sha256 + "|" + v.signer.subject + "|" + v.algorithm + "|" +
                    (v.signer_found ? "found" : "not found");
  for (const auto& f : v.findings) out += "|" + f.code + ":" + f.message + "@" + f.location;
  return out;
}

struct Fixture {
  crypto::TrustStore trust{fuzz::source("certs/trust")};
  crypto::DetachedVerifier verifier{trust, crypto::Role::releaser};
  // The content of the corpus's signatures (tests/fuzz/corpus/ledger_signature).
  std::string content = ledger::signed_bytes(1, ledger::kGenesis, "{}");
  Instant at = *parse_utc_instant("2026-11-21T12:00:00Z");
  Fixture() {
    const auto key =
        crypto::load_signer(fuzz::source("certs/test-pki/releaser.key.pem"),
                            fuzz::source("certs/test-pki/releaser.cert.pem"),
                            fuzz::source("certs/test-pki/qa-chain.pem"), std::nullopt,
                            [](const std::string&) { return std::optional<std::string>(); });
    const auto genuine = crypto::cades_detached(content, key);
    fuzz::require(check(genuine, content).empty(), "the genuine signature verifies");
  }
  // The verifier's answer, required to be verify_detached's; the findings' codes.
  std::string check(std::string_view signature, const std::string& over) {
    const auto full = crypto::verify_detached(signature, over, trust, crypto::Role::releaser, at,
                                              "entries[seq]", "this ledger entry");
    const auto kept = verifier.verify(signature, over, at, "entries[seq]", "this ledger entry");
    fuzz::require(described(kept) == described(full),
                  "the verifier answers as verify_detached does");
    std::string codes;
    for (const auto& f : full.findings) codes += f.code + " ";
    return codes;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture f;
  const auto signature = fuzz::bytes(data, size);
  f.check(signature, f.content);
  f.check(signature, f.content + "x");  // the same bytes over other content
  return 0;
}
