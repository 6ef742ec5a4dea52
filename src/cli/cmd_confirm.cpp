// `dosegate confirm`: GO or NO-GO at the bedside.
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"

namespace dosegate::cli::detail {
namespace {

// --no-recall-check was the earlier, narrower name of --record-only.
void refuse_old_names(const Args& args) {
  for (const auto& a : args)
    if (a == "--no-recall-check")
      throw UsageError(
          "--no-recall-check is replaced by --record-only (answer from the record alone, "
          "shown as [LEDGER NOT CONSULTED]); by default the ledger is required");
}

// The --dose values in order, "-" replaced by the lines of standard input (read once).
std::vector<std::string> dose_scans(const std::vector<std::string>& doses, const Environment& env) {
  std::vector<std::string> scans;
  bool read_input = false;
  for (const auto& dose : doses) {
    if (dose != "-") {
      scans.push_back(dose);
      continue;
    }
    if (read_input) throw UsageError("--dose -: standard input is read once; give - once");
    read_input = true;
    try {
      const auto lines = isbt128::read_scan_lines(env.in ? *env.in : std::cin);
      scans.insert(scans.end(), lines.begin(), lines.end());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--dose -: ") + e.what());
    }
  }
  return scans;
}

}  // namespace

int cmd_confirm(const Args& args, std::ostream& out, std::ostream& /*err*/,
                const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the record's signer must be in releasers/");
  // clang-format off
  opts.add_options()
    ("dose", po::value<std::vector<std::string>>()->value_name("SCAN"),
     "what the scanner reads from the bag label, one --dose per bar code in any order or "
     "together: the DIN (=A99992600015400) and the product code (=<S1234VB0), or both "
     "(=A99992600015400=<S1234VB0), or a DataMatrix compound message "
     "(=+02000=A99992600015400=<S1234VB0); a trailing CR/LF and a symbology identifier ]C0, ]C4 "
     "]d1 or ]d2 are ignored. Or the eye-readable DIN with its check character and the product code "
     "(A9999 26 000154 B S1234VB0). - reads the scans from standard input, one per line. "
     "Required")
    ("staff", po::value<std::string>()->value_name("ID"),
     "who confirms, recorded in the ledger; default: the login name")
    ("second-staff", po::value<std::string>()->value_name("ID"),
     "the second checker's staff id, recorded in the ledger")
    ("recipient", po::value<std::string>()->value_name("ID"),
     "the recipient's pseudonymous id (the wristband scan, never a name), recorded in the "
     "ledger; the first GO binds the dose to it");
  // clang-format on
  add_time(opts, "thawed-at", "when the dose was thawed; checks the use-within window");
  add_ledger(opts);
  opts.add_options()("record-only",
                     "answer from the record alone, for a device with no ledger: no recall, "
                     "release or earlier administration is checked and nothing is recorded "
                     "(the answer line says [LEDGER NOT CONSULTED])");
  add_time(opts, "as-of",
           "answer as of this time instead of now (a check only: never recorded in the ledger)");
  add_time(opts, "at", "the same as --as-of (the earlier name)");
  add_json(opts);
  refuse_old_names(args);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate confirm RECORD.pdf --trust DIR --dose SCAN [--dose SCAN]...\n"
         "                        [--recipient ID] [--staff ID] [--second-staff ID]\n"
         "                        [--thawed-at TIME] [--ledger FILE | --record-only]\n"
         "                        [--as-of TIME | --at TIME] [--json]",
         "Answers GO or NO-GO, on the first line, for the dose in hand: GO only if the\n"
         "record's signature is valid, covers the whole file and chains to an anchor in the\n"
         "releasers/ role with nothing revoked; the release data in the signed record match\n"
         "the scanned lot, product code and division; the lot has not expired; the thaw\n"
         "window (with --thawed-at) has not passed; the ledger holds the release the record\n"
         "names and lists this record; the ledger shows no recall; no pending test is past\n"
         "its expected date without a late result (dosegate complete); and the dose was not\n"
         "already confirmed for another recipient. Every failure is named. Pending tests are\n"
         "shown on a GO line. The confirmation is appended to the ledger with the staff ids,\n"
         "the recipient and the thaw time; never GO without it. At most 5 s are spent\n"
         "waiting for a ledger another process holds locked: then NO-GO\n"
         "(confirm.ledger-busy, confirm.not-recorded). A confirmation made with --as-of (or\n"
         "--at) is not recorded (\"not recorded: --as-of given\"), so that none can be\n"
         "back-dated. confirm never creates a ledger. Only a device that has no ledger\n"
         "answers with --record-only, from the record alone: the answer line then says\n"
         "[LEDGER NOT CONSULTED].\n",
         "GO", "NO-GO",
         "could not check: malformed scan, unreadable record or trust directory, usage error",
         "  dosegate confirm records/A999926000147-S1234V00-A0.pdf --trust certs/trust \\\n"
         "      --dose '=A99992600014700=<S1234VA0' --staff nurse-17 --recipient MRN-0042\n"
         "  dosegate confirm records/A999926000147-S1234V00-A0.pdf --trust certs/trust \\\n"
         "      --dose 'A9999 26 000147 9 S1234VA0' --thawed-at 2026-11-21T11:40:00Z --json\n"},
        opts);
    return kYes;
  }
  const auto record = one_file(vm, "confirm takes one release record (RECORD.pdf)",
                               "confirm takes one release record (RECORD.pdf)");
  require(vm, {"trust", "dose"});
  if (vm.count("at") && vm.count("as-of"))
    throw UsageError("give --as-of or its earlier name --at, not both");
  ConfirmOptions o;
  o.record_path = record;
  o.trust_dir = vm["trust"].as<std::string>();
  o.scans = dose_scans(vm["dose"].as<std::vector<std::string>>(), env);
  o.ledger_path = optional_arg(vm, "ledger");
  o.record_only = vm.count("record-only") > 0;
  if (o.record_only && vm.count("ledger"))
    throw UsageError("--record-only answers without a ledger; give --ledger or --record-only");
  for (const char* name : {"recipient", "second-staff"})
    if (const auto v = optional_arg(vm, name))
      if (const auto problem = id_problem(std::string("--") + name, *v)) throw UsageError(*problem);
  if (const auto v = optional_arg(vm, "recipient")) o.recipient = *v;
  if (const auto v = optional_arg(vm, "second-staff")) o.second_staff = *v;
  o.at = time_or_now(vm, vm.count("at") ? "at" : "as-of", env);
  o.record = !vm.count("at") && !vm.count("as-of");
  o.thawed_at = time_option(vm, "thawed-at", env);
  if (vm.count("staff")) {
    o.staff = vm["staff"].as<std::string>();
  } else if (const char* user = std::getenv("USER"); user && *user) {
    o.staff = user;
  } else {
    o.staff = "unknown";
  }
  if (!o.second_staff.empty() && o.second_staff == o.staff)
    throw UsageError("--second-staff '" + o.second_staff +
                     "' is the confirming staff id itself; a second check needs another person");
  ConfirmResult r;
  try {
    r = confirm(o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dose: ") + e.what());
  }
  if (vm.count("json"))
    print_json(r, o, out);
  else
    print_text(r, o, out);
  return r.go ? kYes : kNo;
}

}  // namespace dosegate::cli::detail
