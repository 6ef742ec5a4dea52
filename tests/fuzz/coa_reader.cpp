// The strict CoA reader on arbitrary bytes; a CoA it accepts is also evaluated against the
// built-in specification. coa::read never throws for bad input: every problem is a Diagnostic.
#include "dosegate/coa/reader.hpp"
#include "dosegate/spec/engine.hpp"
#include "dosegate/spec/specification.hpp"
#include "fuzz_support.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = coa::read(fuzz::bytes(data, size), "fuzz.xml");
  fuzz::require(result.certificate.has_value() == result.errors.empty(),
                "coa::read returns a certificate exactly when it reports no error");
  for (const auto& d : result.errors) (void)d.to_string();
  if (result.certificate) {
    const auto at = *parse_utc_instant("2026-11-21T12:00:00Z");
    const auto evaluation = evaluate(*result.certificate, spec::default_specification(), at);
    (void)decide(evaluation.findings, evaluation.pending);
  }
  return 0;
}
