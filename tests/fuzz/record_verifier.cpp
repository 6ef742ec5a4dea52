// A release record's bytes through dosegate's own record verifier, with the test trust
// directory (loaded once) and a fixed time. Findings are values; nothing should throw.
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "fuzz_support.hpp"
#include "pdf/verify_record.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const crypto::TrustStore trust(fuzz::source("certs/trust"));
  static const Instant at = *parse_utc_instant("2026-11-22T09:00:00Z");
  try {
    const auto check = pdf::verify_record(fuzz::bytes(data, size), trust, at);
    fuzz::require(!check.findings.empty() || check.release_data.has_value(),
                  "a record without findings has its release data");
  } catch (const Error&) {
  }
  return 0;
}
