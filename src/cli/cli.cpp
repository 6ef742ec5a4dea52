// The command line: options in, one library call, the library's printer out. Every option group
// is declared once (cli/common.hpp); the work is in the library.
#include "dosegate/cli/cli.hpp"

#include <cstdlib>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/completion.hpp"
#include "dosegate/error.hpp"
#include "dosegate/version.hpp"

namespace dosegate::cli {
namespace {

using namespace detail;

constexpr const char* kMainHelp =
    "Usage: dosegate COMMAND [OPTIONS]\n"
    "       dosegate COMMAND --help\n"
    "       dosegate help COMMAND\n"
    "       dosegate --version\n"
    "       dosegate --completion bash\n"
    "\n"
    "dosegate: release gate for cell-therapy lots. Checks a laboratory's Certificate of\n"
    "Analysis (CoA) against a versioned release specification, writes one signed PDF\n"
    "release record per dose, answers GO or NO-GO at the bedside and keeps every\n"
    "decision in a tamper-evident ledger.\n"
    "\n"
    "\"Releasable\" means the lot conforms to the named specification. It is not a regulatory\n"
    "approval.\n"
    "\n"
    "Commands:\n"
    "  verify     full check of one CoA (signature, every criterion, doses, expiry); no side\n"
    "             effects\n"
    "  release    verify a CoA, then write one signed PDF release record per dose\n"
    "  confirm    at the bedside: GO or NO-GO for the dose in hand, from its release record\n"
    "  history    the release history from the ledger (table, CSV or JSON)\n"
    "  audit      prove that the ledger is intact (chain, content, signatures)\n"
    "  recall     withdraw a lot; later confirmations say NO-GO\n"
    "  complete   record a released lot's late results from the superseding CoA; a late\n"
    "             failure recalls the lot\n"
    "  trace      look-back: every dose of a lot, whether and to whom it was given\n"
    "  sign-coa   sign a CoA for a laboratory (enveloped XML-DSig that dosegate and xmlsec1\n"
    "             verify)\n"
    "  ledger     the ledger file: a consistent backup while others write, the chain head\n"
    "  serve      the bedside, QA and audit pages and the JSON API over HTTP(S)\n"
    "  user       user add NAME --role ROLE: an account of the service (password on stdin)\n"
    "\n"
    "Options:\n"
    "  -h [ --help ]         show this help and exit\n"
    "  --version             print the version and exit\n"
    "  --completion bash     print the bash completion script (commands, options, files)\n"
    "\n"
    "Exit codes:\n"
    "  0    yes: releasable (including releasable with pending tests the specification\n"
    "       allows), released, GO, ledger intact, late results complete\n"
    "  1    no: rejected for a reason found in the documents (failed or missing criterion,\n"
    "       malformed CoA, bad or untrusted signature, expired lot, ...), NO-GO, ledger\n"
    "       tampered\n"
    "  2    dosegate could not do its job: usage error, unreadable file or directory,\n"
    "       invalid specification or trust configuration\n"
    "\n"
    "Examples:\n"
    "  dosegate verify samples/coa-pass.xml --trust certs/trust\n"
    "  dosegate help release\n";

std::string command_names() {
  std::string out;
  for (const auto& c : kCommandTable) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env_in) {
  Environment env = env_in;
#ifdef DOSEGATE_FAULT_INJECTION
  // Test builds only (CMake option DOSEGATE_FAULT_INJECTION, off in the release preset): the
  // tests that start dosegate as a process set its clock with DOSEGATE_TEST_NOW.
  if (const char* now = std::getenv("DOSEGATE_TEST_NOW"); now && *now) {
    const auto fixed = parse_utc_instant(now);
    if (!fixed) {
      err << "dosegate: DOSEGATE_TEST_NOW='" << now << "' is not a UTC time\n";
      return kCannot;
    }
    env.now = [t = *fixed] { return t; };
  }
#endif
  if (args.empty()) {
    err << kMainHelp;
    return kCannot;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || (command == "help" && args.size() == 1)) {
    out << kMainHelp;
    return kYes;
  }
  if (command == "help") return run({args[1], "--help"}, out, err, env);
  if (command == "--completion") {
    if (args.size() != 2 || args[1] != "bash")
      return usage_error(err, "", "--completion takes one shell: bash");
    out << bash_completion(env);
    return kYes;
  }
  if (command == "--version") {
    out << "dosegate " << version() << '\n';
    return kYes;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return guarded(
      command, err,
      [&] {
        for (const auto& c : kCommandTable)
          if (command == c.name) return c.run(rest, out, err, env);
        if (!command.empty() && command[0] == '-')
          return usage_error(err, "", "expected a command before '" + command + "'");
        return usage_error(err, "",
                           "unknown command '" + command + "'; available: " + command_names());
      },
      wants_json(rest) ? &out : nullptr);
}

}  // namespace dosegate::cli
