// `dosegate trace`: the look-back of one lot, dose by dose.
#include <stdexcept>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/trace.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int cmd_trace(const Args& args, std::ostream& out, std::ostream& err, const Environment& /*env*/) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  add_trust(opts, "the signers of the lot's entries must be in releasers/");
  opts.add_options()(
      "format", po::value<std::string>()->value_name("table|csv|json")->default_value("table"),
      "output format; CSV is UTF-8 with a byte order mark and CRLF, one row per confirmation "
      "and one per dose never confirmed");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate trace DIN --trust DIR [--ledger FILE] [--format table|csv|json | --json]",
         "The look-back of one lot (vein to vein): its releases (when, by whom, which\n"
         "specification), late results, recalls, and for each dose whether it was given:\n"
         "every bedside confirmation with its time, answer, recipient (the pseudonymous id\n"
         "of the wristband, never a name), staff, second staff and thaw time. A dose never\n"
         "confirmed says \"not confirmed\"; a lot the ledger only rejected shows no release\n"
         "and no dose.\n"
         "\n"
         "DIN is the 13-character DIN (A999926000147), the eye-readable DIN with its check\n"
         "character (A9999 26 000147 9, spaces optional) or the bar-coded DIN\n"
         "(=A99992600014700); a wrong check character is refused.\n"
         "\n"
         "--trust is required: the ledger is read through the same checks as dosegate\n"
         "audit (every entry's hash, link and kind rule, the signatures of the lot's entries\n"
         "and of the newest signed one). When they do not hold, trace shows no look-back,\n"
         "only NOT VERIFIED and the findings (exit 1): an unverified story of who received\n"
         "a dose is worse than none. CSV then writes nothing and says so on standard error.\n"
         "Every output ends with the chain head, for dosegate audit --expect-head.\n",
         "the look-back, from a ledger that verifies for the lot",
         "NOT VERIFIED: the ledger does not verify for the lot (its findings are shown)",
         "dosegate could not do its job: usage error (a malformed DIN, a wrong check\n"
         "     character), the ledger or trust directory cannot be read, or the ledger holds\n"
         "     no entry of the lot (trace.unknown-lot: a mistyped DIN or another ledger)",
         "  dosegate trace A999926000147 --trust certs/trust\n"
         "  dosegate trace 'A9999 26 000147 9' --trust certs/trust --format csv > lot.csv\n"},
        opts);
    return kYes;
  }
  const auto dins = positionals(vm);
  if (dins.size() != 1) throw UsageError("trace takes one lot DIN");
  std::string din;
  try {
    din = isbt128::parse_din(dins[0]);
  } catch (const std::invalid_argument& e) {
    throw UsageError(text::escape_controls(e.what()));
  }
  require(vm, {"trust"});
  const auto format = output_format(vm);
  const crypto::TrustStore trust(vm["trust"].as<std::string>());
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  const auto trace = ledger::trace_lot(ledger, trust, din);
  if (format == "csv") {
    ledger::write_trace_csv(out, trace);
    if (!trace.verified()) ledger::write_trace_table(err, trace, path);
  } else if (format == "json") {
    ledger::write_trace_json(out, trace, path);
  } else {
    ledger::write_trace_table(out, trace, path);
  }
  return trace.verified() ? kYes : kNo;
}

}  // namespace dosegate::cli::detail
