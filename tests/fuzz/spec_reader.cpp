// The specification reader on arbitrary bytes; a specification it accepts is also applied to
// a sample CoA. spec::read throws SpecError (a dosegate::Error) for an invalid specification.
#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "dosegate/spec/engine.hpp"
#include "dosegate/spec/specification.hpp"
#include "fuzz_support.hpp"
#include "util/text.hpp"

using namespace dosegate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const coa::Certificate sample = [] {
    auto r = coa::read(text::read_file(fuzz::source("samples/coa-pass.xml")), "coa-pass.xml");
    fuzz::require(r.certificate.has_value(), "samples/coa-pass.xml reads");
    return *r.certificate;
  }();
  try {
    const auto specification = spec::read(fuzz::bytes(data, size), "fuzz.xml");
    for (const auto& rule : specification.rules)
      if (const auto* c = std::get_if<spec::Criterion>(&rule)) (void)c->describe();
    const auto at = *parse_utc_instant("2026-11-21T12:00:00Z");
    const auto evaluation = evaluate(sample, specification, at);
    (void)decide(evaluation.findings, evaluation.pending);
  } catch (const Error&) {
  }
  return 0;
}
