// `dosegate recall`: withdraw a lot.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/release/recall.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {
namespace {

std::string count(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Who already received a dose of the recalled lot: the clinic's next task.
void print_look_back(std::ostream& out, const ledger::LookBack& b) {
  if (!b.verified()) {
    out << "Look-back NOT VERIFIED: the ledger does not verify for this lot ("
        << b.findings.front().code << ": " << text::escape_controls(b.findings.front().message)
        << "); run dosegate audit. Its unverified entries say:\n";
  }
  out << "Look-back: ";
  if (b.doses_given == 0) {
    out << "none of the lot's " << count(b.doses, "dose was", "doses were")
        << " confirmed GO (given) before the recall.\n";
    return;
  }
  out << b.doses_given << " of the lot's " << count(b.doses, "dose", "doses") << " "
      << (b.doses_given == 1 ? "was" : "were") << " already given (confirmed GO): "
      << count(b.recipients, "distinct recipient", "distinct recipients") << " recorded, "
      << count(b.go_without_recipient, "GO confirmation", "GO confirmations")
      << " without a recipient.\n";
}

}  // namespace

int cmd_recall(const Args& args, std::ostream& out, std::ostream& /*err*/, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  opts.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                     "why the lot is withdrawn; required");
  add_trust(opts, "the signer must be in releasers/");
  add_signer(opts, "the releaser's");
  add_ledger(opts);
  add_tsa(opts, "the recall entry's signature gets");
  add_json(opts);
  refuse_as_of(args, "recall");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate recall DIN --reason TEXT --trust DIR --key KEY.pem|pkcs11:URI\n"
         "                       [--cert CERT.pem] [--chain CHAIN.pem]\n"
         "                       [--passphrase-file FILE | --pin-file FILE] [--ledger FILE]\n"
         "                       [--tsa URL [--tsa-timeout SECONDS]] [--json]",
         "Withdraws a released lot: appends a recall entry, signed by a releaser, to the\n"
         "ledger, at the clock's time (there is no --as-of). Later bedside confirmations of\n"
         "any dose of the lot answer NO-GO. Then says how many of the lot's doses were\n"
         "already given (confirmed GO), to how many recipients, and how many GO\n"
         "confirmations recorded no recipient; dosegate trace DIN lists them.\n",
         "recalled", nullptr,
         "dosegate could not do its job: usage error, unreadable ledger, a lot never released, a "
         "key\n"
         "     that cannot be used or a certificate the trust policy refuses",
         "  dosegate recall A999926000147 --reason 'sterility retest positive' \\\n"
         "      --trust certs/trust --key certs/test-pki/releaser-ec.key.pem \\\n"
         "      --cert certs/test-pki/releaser-ec.cert.pem\n"
         "  dosegate recall 'A9999 26 000147 9' --reason 'mycoplasma positive' \\\n"
         "      --trust certs/trust --key releaser.p12 --ledger ledger.sqlite\n"},
        opts);
    return kYes;
  }
  const auto dins = positionals(vm);
  if (dins.size() != 1) throw UsageError("recall takes one lot DIN");
  if (!isbt128::is_valid_din(dins[0]))
    throw UsageError("'" + dins[0] + "' is not a 13-character DIN (e.g. A999926000147)");
  require(vm, {"reason", "trust", "key"});
  RecallOptions o;
  o.din = dins[0];
  o.reason = vm["reason"].as<std::string>();
  o.trust_dir = vm["trust"].as<std::string>();
  o.signer = signer_files(vm);
  o.ledger_path = optional_arg(vm, "ledger");
  o.at = env.now();
  const auto tsa = tsa_choice(vm);
  o.tsa_url = tsa.url;
  o.tsa_timeout = tsa.timeout;
  const auto r = recall(o, crypto::terminal_prompt);
  if (vm.count("json")) {
    print_json(r, o.din, out);
    return kYes;
  }
  out << "Recalled lot " << isbt128::din_eye_readable(o.din) << ": ledger entry " << r.seq
      << ", SHA-256 " << r.hash << "\n";
  print_look_back(out, r.look_back);
  out << "Every dose, and to whom it was given: dosegate trace " << o.din << " --trust "
      << text::escape_controls(o.trust_dir) << " --ledger " << text::escape_controls(r.ledger_path)
      << "\n";
  for (const auto& w : r.warnings)
    out << "Warning [" << w.code << "]: " << text::escape_controls(w.message)
        << "; the warning is kept in recall entry " << r.seq << '\n';
  return kYes;
}

}  // namespace dosegate::cli::detail
