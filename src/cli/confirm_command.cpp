#include "cli/confirm_command.hpp"

#include <cstdlib>
#include <stdexcept>

#include "cli/common.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::cli {
namespace detail {

int cmd_confirm(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("trust", po::value<std::string>()->value_name("DIR"),
     "trust directory; the record's signer must be in releasers/; required")
    ("dose", po::value<std::string>()->value_name("SCANNED"),
     "what the scanner reads from the bag label (=DIN+flags then =<product code, e.g. "
     "=A99992600014700=<S7777VA0), or the eye-readable DIN with its check character and the "
     "product code (A9999 26 000147 9 S7777VA0); required")
    ("thawed-at", po::value<std::string>()->value_name("TIME"),
     "when the dose was thawed (UTC); checks the specification's use-within window")
    ("staff", po::value<std::string>()->value_name("ID"),
     "who confirms, recorded in the ledger; default: the login name")
    ("ledger", po::value<std::string>()->value_name("FILE"), kLedgerHelp)
    ("no-recall-check", "answer without the ledger's recall status when it cannot be read "
     "(shown in the answer)")
    ("at", po::value<std::string>()->value_name("TIME"), "confirm as of this UTC time instead of now")
    ("json", "print one JSON object");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate confirm RECORD.pdf --trust DIR --dose SCANNED [--thawed-at TIME]\n"
           "                        [--staff ID] [--ledger FILE] [--at TIME] [--json]\n"
           "\n"
           "Answers GO or NO-GO, on the first line, for the dose in hand: GO only if the\n"
           "record's signature is valid, covers the whole file and chains to an anchor in the\n"
           "releasers/ role with nothing revoked; the release data in the signed record match\n"
           "the scanned lot, product code and division; the lot has not expired; the thaw\n"
           "window (with --thawed-at) has not passed; and the ledger shows no recall. Every\n"
           "failure is named. Pending tests are shown on a GO line. The confirmation is\n"
           "appended to the ledger with the staff id.\n"
           "\n"
        << opts << "\n"
        << "Exit codes: 0 GO; 1 NO-GO; 2 could not check (malformed scan, unreadable record or\n"
           "trust directory, usage error).\n";
    return kYes;
  }
  const auto records = positionals(vm);
  if (records.size() != 1) throw UsageError("confirm takes one release record (RECORD.pdf)");
  for (const char* required : {"trust", "dose"})
    if (!vm.count(required)) throw UsageError(std::string("missing --") + required);
  ConfirmOptions o;
  o.record_path = records[0];
  o.trust_dir = vm["trust"].as<std::string>();
  o.scanned = vm["dose"].as<std::string>();
  o.ledger_path = optional_arg(vm, "ledger");
  o.no_recall_check = vm.count("no-recall-check") > 0;
  if (vm.count("at")) {
    const auto t = parse_utc_instant(vm["at"].as<std::string>());
    if (!t) throw UsageError("--at '" + vm["at"].as<std::string>() + "' is not a UTC time");
    o.at = *t;
  } else {
    o.at = env.now();
  }
  if (vm.count("thawed-at")) {
    const auto t = parse_utc_instant(vm["thawed-at"].as<std::string>());
    if (!t)
      throw UsageError("--thawed-at '" + vm["thawed-at"].as<std::string>() +
                       "' is not a UTC time; write YYYY-MM-DDThh:mm:ssZ");
    o.thawed_at = *t;
  }
  if (vm.count("staff")) {
    o.staff = vm["staff"].as<std::string>();
  } else if (const char* user = std::getenv("USER"); user && *user) {
    o.staff = user;
  } else {
    o.staff = "unknown";
  }
  ConfirmResult r;
  try {
    r = confirm(o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dose: ") + e.what());
  }
  std::string line = r.go ? "GO" : "NO-GO";
  if (r.go && !r.pending.empty()) {
    line += ", " + std::to_string(r.pending.size()) + " test" + (r.pending.size() == 1 ? "" : "s") +
            " pending:";
    for (std::size_t i = 0; i < r.pending.size(); ++i)
      line += (i ? "; " : " ") + r.pending[i].test + ", expected " + r.pending[i].expected;
  }
  if (!r.go) {
    std::vector<std::string> reasons;
    for (const auto& f : r.findings)
      if (f.severity == Severity::error) reasons.push_back(f.message);
    line += ": " + text::join(reasons, "; ");
  }
  for (const auto& f : r.findings)
    if (f.code == "confirm.recall-not-checked") line += " [RECALL NOT CHECKED]";
  if (vm.count("json")) {
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "confirm");
    w.field("decision", r.go ? "go" : "no-go").field("answer", line);
    w.field("record", o.record_path).field("at", format_instant(o.at));
    w.key("dose").begin_object();
    w.field("din", r.din).field("product_code", r.product_code).field("division", r.division);
    w.field("expires", r.expires).field("released_at", r.released_at);
    w.field("released_by", r.released_by).field("signer", r.signer);
    w.end_object();
    w.key("pending").begin_array();
    for (const auto& p : r.pending) {
      w.begin_object();
      w.field("test", p.test).field("expected", p.expected);
      w.end_object();
    }
    w.end_array();
    w.key("recall_checked").value(r.recall_checked);
    w.key("ledger_entry");
    if (r.ledger_entry)
      w.value(*r.ledger_entry);
    else
      w.null();
    json::write_findings(w, r.findings);
    w.end_object();
  } else {
    // Record and ledger text reaches a terminal: controls and bidi overrides shown, not obeyed.
    const auto safe = [](const std::string& t) { return text::escape_controls(t); };
    out << safe(line) << '\n';
    if (!r.din.empty())
      out << "  Dose      " << isbt128::din_eye_readable(r.din) << "  "
          << safe(r.division.size() == 2 ? r.product_code.substr(0, 6) + r.division
                                         : r.product_code + " " + r.division)
          << ", " << safe(r.product_name) << '\n'
          << "  Expires   " << safe(r.expires) << " (UTC)\n"
          << "  Released  " << safe(r.released_at) << " by " << safe(r.released_by) << '\n';
    if (!r.signer.empty()) out << "  Signed by " << safe(r.signer) << '\n';
    for (const auto& f : r.findings)
      if (f.severity == Severity::warning) out << "  Warning   " << safe(f.message) << '\n';
    out << "  Recall    "
        << safe(r.recall_checked ? "checked in " + r.ledger_path : std::string("NOT CHECKED"))
        << '\n';
    out << "  Ledger    "
        << safe(r.ledger_entry ? "confirmation recorded as entry " +
                                     std::to_string(*r.ledger_entry) + " (staff " + o.staff + ")"
                               : r.ledger_note)
        << '\n';
  }
  return r.go ? kYes : kNo;
}

}  // namespace detail

}  // namespace dosegate::cli
