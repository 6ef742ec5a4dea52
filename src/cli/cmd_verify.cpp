// `dosegate verify`: the full check of one CoA, no side effects.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "dosegate/verify/verify.hpp"

namespace dosegate::cli::detail {

int cmd_verify(const Args& args, std::ostream& out, std::ostream& /*err*/, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the CoA's signer must be in labs/");
  add_coa_checks(opts);
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate verify COA.xml --trust DIR [--spec SPEC.xml [--allow-unapproved-spec]]\n"
         "                       [--signature COA.xml.p7s] [--as-of TIME] [--json]",
         "Checks one Certificate of Analysis without side effects: the document against the\n"
         "CoA format (schemas/coa.xsd), its signature (enveloped XML-DSig, or a detached CMS\n"
         "signature) and signer (chain to an anchor, CRLs, labs/ allow-list), then, on the\n"
         "signed content only, every criterion of the release specification (exact decimals,\n"
         "units compared exactly), dose viable cells, lot expiry and the laboratory's\n"
         "accreditation. Prints each criterion with its specification, result and verdict, the\n"
         "pending tests, every finding and the decision: releasable, releasable-pending or\n"
         "rejected.\n",
         "releasable (also with pending tests the specification allows)",
         "rejected for a reason found in the documents (failed or missing criterion, malformed\n"
         "     CoA, bad or untrusted signature, expired lot, ...)",
         kCannotDefault,
         "  dosegate verify samples/coa-pass.xml --trust certs/trust\n"
         "  dosegate verify samples/coa-pass.xml --trust certs/trust --as-of "
         "2026-11-21T12:00:00Z --json\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the CoA to verify (dosegate verify COA.xml ...)",
                            "verify checks one CoA at a time");
  require(vm, {"trust"});
  const auto report = verify(coa_checks(vm, coa, env));
  if (vm.count("json"))
    print_json(report, out);
  else
    print_text(report, out);
  return report.decision == Decision::releasable || report.decision == Decision::releasable_pending
             ? kYes
             : kNo;
}

}  // namespace dosegate::cli::detail
