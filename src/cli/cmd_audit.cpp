// `dosegate audit`: prove that the ledger is intact.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/audit.hpp"

namespace dosegate::cli::detail {

int cmd_audit(const Args& args, std::ostream& out, std::ostream& /*err*/,
              const Environment& /*env*/) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  add_trust(opts, "the entries' signers must be in releasers/");
  opts.add_options()(
      "expect-head", po::value<std::string>()->value_name("HASH"),
      "a chain head hash from an earlier export or record: the ledger must still contain it");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(out,
               {"dosegate audit --trust DIR [--ledger FILE] [--expect-head HASH] [--json]",
                "Recomputes the ledger's hash chain and every entry's hash, verifies every\n"
                "signature under the trust policy (as of the entry's own time; when the CRL\n"
                "current then was replaced, from the freshest CRL issued since, which still\n"
                "refuses a revocation dated before the entry), and checks that\n"
                "the append-only triggers are in place and no tail was removed. Says INTACT, or\n"
                "names the first entry that is wrong: a changed value, a deleted or reordered\n"
                "entry, a truncated tail, a forged signature.\n",
                "intact", "tampered",
                "dosegate could not do its job: the ledger or trust directory cannot be read, or\n"
                "     a signature cannot be checked (ledger.could-not-check: no CRL of the trust\n"
                "     directory speaks for its time; COULD NOT CHECK, nothing found wrong)",
                "  dosegate audit --trust certs/trust --expect-head HASH\n"
                "  dosegate audit --trust certs/trust --ledger ledger.sqlite --json\n"},
               opts);
    return kYes;
  }
  require(vm, {"trust"});
  const crypto::TrustStore trust(vm["trust"].as<std::string>());
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  const auto r = ledger::audit(ledger, trust, optional_arg(vm, "expect-head"));
  if (vm.count("json"))
    ledger::print_json(r, path, out);
  else
    ledger::print_text(r, path, out);
  return r.intact() ? kYes : r.could_not_check() ? kCannot : kNo;
}

}  // namespace dosegate::cli::detail
