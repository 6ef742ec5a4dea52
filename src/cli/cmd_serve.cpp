// `dosegate serve`: the bedside, QA and audit pages and the JSON API.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/serve/serve.hpp"
#include "users/users.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int cmd_serve(const Args& args, std::ostream& out, std::ostream& err, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "records' signers must be in releasers/, CoAs' in labs/");
  add_ledger(opts);
  // A passphrase or PIN only from --passphrase-file or --pin-file: nobody types it.
  add_signer(opts,
             "the releaser's key to sign recalls from /qa with (POST /api/v1/recall):", false);
  // clang-format off
  opts.add_options()
    ("records", po::value<std::string>()->value_name("DIR"),
     "the directory release writes records to (--out); the service finds a dose's record from "
     "its scan, never from a typed path. Required")
    ("listen", po::value<std::string>()->value_name("ADDR:PORT")->default_value("127.0.0.1:8443"),
     "where to listen; without TLS only a loopback address (127.0.0.1, [::1]); port 0: any free "
     "port, named at start-up")
    ("tls-cert", po::value<std::string>()->value_name("FILE"), "TLS certificate (PEM)")
    ("tls-key", po::value<std::string>()->value_name("FILE"), "TLS private key (PEM)")
    ("max-connections", po::value<std::string>()->value_name("N")->default_value("32"),
     "connections served at once (1 to 1024); a connection beyond them is answered 503 "
     "serve.busy")
    ("users", po::value<std::string>()->value_name("FILE"),
     "the users file (dosegate user add); default $DOSEGATE_USERS, else "
     "$XDG_STATE_HOME/dosegate/users or ~/.local/state/dosegate/users");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate serve --trust DIR --ledger FILE --records DIR [--listen ADDR:PORT]\n"
         "                      [--tls-cert FILE --tls-key FILE] [--users FILE]\n"
         "                      [--max-connections N]\n"
         "                      [--key KEY.pem|pkcs11:URI [--cert CERT.pem] [--chain CHAIN.pem]\n"
         "                       [--passphrase-file FILE | --pin-file FILE]]",
         "Serves the bedside (/bedside), QA (/qa) and audit (/audit) pages and the JSON API\n"
         "v1 (/api/v1/confirm, verify, history, trace/DIN, audit, pending, recall,\n"
         "records/NAME.pdf, health) until SIGTERM or SIGINT; then answers the requests in\n"
         "flight and exits 0. Every request but /login and /api/v1/health needs a user\n"
         "(dosegate user add) with the role for it: bedside confirms, qa verifies, reads\n"
         "and recalls, auditor reads. The trust directory is read once and again when its\n"
         "files change (a new CRL). Without TLS it listens on a loopback address only.\n"
         "With --key the service holds a releaser's key, and a qa user may recall a lot\n"
         "(/qa, POST /api/v1/recall): the entry is signed with that key, and its reason\n"
         "names the user. Without --key there are no recalls here.\n",
         "stopped after SIGTERM or SIGINT", nullptr,
         "usage error (a non-loopback --listen without TLS), unreadable trust directory,\n"
         "users file, records directory or TLS files, address in use",
         "  dosegate serve --trust /etc/dosegate/trust --ledger /var/lib/dosegate/ledger.sqlite "
         "\\\n"
         "      --records /var/lib/dosegate/records --listen 0.0.0.0:8443 \\\n"
         "      --tls-cert /etc/dosegate/tls.pem --tls-key /etc/dosegate/tls.key\n"
         "  dosegate serve --trust certs/trust --ledger ledger.sqlite --records records/ \\\n"
         "      --listen 127.0.0.1:0 --users users\n"},
        opts);
    return kYes;
  }
  if (!positionals(vm).empty()) throw UsageError("serve takes no file arguments");
  require(vm, {"trust", "records"});
  serve::ServeOptions o;
  serve::parse_listen(vm["listen"].as<std::string>(), o);
  o.trust_dir = vm["trust"].as<std::string>();
  o.ledger_path = ledger::resolve_path(optional_arg(vm, "ledger"));
  o.records_dir = vm["records"].as<std::string>();
  o.tls_cert = optional_arg(vm, "tls-cert");
  o.tls_key = optional_arg(vm, "tls-key");
  o.users_path = users::resolve_path(optional_arg(vm, "users"));
  const auto max = vm["max-connections"].as<std::string>();
  if (max.empty() || max.size() > 4 || max.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(max) < 1 || std::stoi(max) > 1024)
    throw UsageError("--max-connections takes a whole number from 1 to 1024, got '" +
                     text::escape_controls(max) + "'");
  o.max_connections = static_cast<std::size_t>(std::stoi(max));
  if (vm.count("key"))
    o.recall_signer = signer_files(vm);
  else if (vm.count("cert") || vm.count("chain") || vm.count("passphrase-file") ||
           vm.count("pin-file"))
    throw UsageError("--cert, --chain, --passphrase-file and --pin-file go with --key");
  return serve::run(o, out, err, env.now);
}

}  // namespace dosegate::cli::detail
