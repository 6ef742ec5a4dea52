#include "cli/common.hpp"

#include "dosegate/error.hpp"
#include "dosegate/verify/verify.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

void add_help(po::options_description& opts) {
  opts.add_options()("help,h", "show this help and exit");
}

void add_trust(po::options_description& opts, const char* role_help) {
  opts.add_options()(
      "trust", po::value<std::string>()->value_name("DIR"),
      (std::string("trust directory (anchors/, intermediates/, crls/, labs/, releasers/); ") +
       role_help + "; required")
          .c_str());
}

void add_signer(po::options_description& opts, const char* whose) {
  const std::string w = whose;
  // clang-format off
  opts.add_options()
    ("key", po::value<std::string>()->value_name("KEY.pem|KEY.p12"),
     (w + " private key: PEM (with --cert) or PKCS#12 (*.p12, *.pfx); required").c_str())
    ("cert", po::value<std::string>()->value_name("CERT.pem"),
     (w + " certificate (PEM); further certificates in the file count as chain").c_str())
    ("chain", po::value<std::string>()->value_name("CHAIN.pem"),
     "intermediate CA certificates to embed with the signature")
    ("passphrase-file", po::value<std::string>()->value_name("FILE"),
     "read the key's passphrase from the first line of FILE; without it an encrypted key's "
     "passphrase is asked for on the terminal (re-authentication at signing)");
  // clang-format on
}

void add_ledger(po::options_description& opts) {
  opts.add_options()("ledger", po::value<std::string>()->value_name("FILE|URI"),
                     "the ledger: a SQLite file, or a shared PostgreSQL ledger as "
                     "postgresql://HOST/DATABASE (password from ~/.pgpass or PGPASSFILE); "
                     "default: $DOSEGATE_LEDGER, else "
                     "$XDG_STATE_HOME/dosegate/ledger.sqlite or "
                     "~/.local/state/dosegate/ledger.sqlite");
}

void add_time(po::options_description& opts, const char* name, const char* help) {
  opts.add_options()(
      name, po::value<std::string>()->value_name("TIME"),
      (std::string(help) + " (UTC as 2026-12-02T06:30:00Z, a local time with its offset as "
                           "2026-12-02T07:30+01:00, or now)")
          .c_str());
}

void add_json(po::options_description& opts) {
  opts.add_options()("json", "print one JSON object (\"version\": 1) instead of the text");
}

SignerFiles signer_files(const po::variables_map& vm) {
  require(vm, {"key"});
  return {vm["key"].as<std::string>(), optional_arg(vm, "cert"), optional_arg(vm, "chain"),
          optional_arg(vm, "passphrase-file")};
}

std::optional<Instant> time_option(const po::variables_map& vm, const char* name,
                                   const Environment& env) {
  if (!vm.count(name)) return std::nullopt;
  const auto text = vm[name].as<std::string>();
  if (auto t = parse_time_argument(text, env.now())) return t;
  throw UsageError(std::string("--") + name + " " + text::quoted(text) +
                   " is not a time; write UTC as 2026-12-02T06:30:00Z, a local time with its "
                   "offset as 2026-12-02T07:30+01:00, or now");
}

Instant time_or_now(const po::variables_map& vm, const char* name, const Environment& env) {
  const auto t = time_option(vm, name, env);
  return t ? *t : env.now();
}

void print_help(std::ostream& out, const Help& help, const po::options_description& opts) {
  out << "Usage: " << help.usage << "\n\n" << help.description << '\n' << opts << '\n';
  out << "Exit codes:\n  0  " << help.yes << '\n';
  if (help.no) out << "  1  " << help.no << '\n';
  out << "  2  " << help.cannot << '\n';
  if (help.examples) out << "\nExamples:\n" << help.examples;
}

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  const std::string prefix = command.empty() ? "dosegate" : "dosegate " + command;
  err << prefix << ": error: " << message << "\n"
      << "Try '" << prefix << " --help'.\n";
  return kCannot;
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts) {
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

std::vector<std::string> positionals(const po::variables_map& vm) {
  return vm.count("positional") ? vm["positional"].as<std::vector<std::string>>()
                                : std::vector<std::string>{};
}

std::optional<std::string> optional_arg(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

void require(const po::variables_map& vm, std::initializer_list<const char*> names) {
  static const std::pair<const char*, const char*> kWhat[] = {
      {"trust", " DIR: the trust directory that says who may sign what"},
      {"key", " KEY.pem (or KEY.p12): the signer's private key"},
      {"cert", " CERT.pem: the signer's certificate"},
      {"out", ": where to write"},
      {"reason", " TEXT: why"},
      {"dose", " SCANNED: what the scanner read from the bag label"},
  };
  for (const char* name : names) {
    if (vm.count(name)) continue;
    std::string message = std::string("missing --") + name;
    for (const auto& [option, what] : kWhat)
      if (message.substr(10) == option) message += what;
    throw UsageError(message);
  }
}

int guarded(const std::string& command, std::ostream& err, const std::function<int()>& body) {
  try {
    return body();
  } catch (const po::error& e) {
    return usage_error(err, command, e.what());
  } catch (const UsageError& e) {
    return usage_error(err, command, e.what());
  } catch (const Error& e) {
    // Messages quote documents (a specification's values, a file name): escape controls.
    err << "dosegate " << command << ": error [" << e.code()
        << "]: " << text::escape_controls(e.what(), true) << '\n';
    return kCannot;
  } catch (const std::exception& e) {
    err << "dosegate " << command << ": internal error: " << e.what() << '\n';
    return kCannot;
  }
}

// A release or a recall records the time of the clock: an earlier time would back-date the
// record and the ledger, a later one would release what is not yet due. The option is refused by
// name, with what to do instead, rather than as an unknown option.
void refuse_as_of(const std::vector<std::string>& args, const char* command) {
  for (const auto& a : args)
    if (a == "--as-of" || a.rfind("--as-of=", 0) == 0)
      throw UsageError(std::string(command) +
                       " records the clock's time and does not accept --as-of (it would "
                       "back-date the record and the ledger); to check a CoA as of another "
                       "time, use dosegate verify --as-of");
}

// The options that verify and release share: the CoA's specification, signature and, for
// verify, the time.
void add_coa_checks(po::options_description& opts, bool as_of) {
  // clang-format off
  opts.add_options()
    ("spec", po::value<std::string>()->value_name("SPEC.xml"),
     "release specification (urn:dosegate:spec:1); default: the built-in wj-msc version 1, "
     "shipped as samples/specs/wj-msc.xml")
    ("signature", po::value<std::string>()->value_name("COA.xml.p7s"),
     "detached CMS signature; default: COA.xml.p7s beside the CoA when it exists");
  // clang-format on
  if (as_of)
    add_time(opts, "as-of", "check the lot's expiry, certificates and CRLs as of this time");
}

VerifyOptions coa_checks(const po::variables_map& vm, const std::string& coa,
                         const Environment& env) {
  VerifyOptions o;
  o.coa_path = coa;
  o.trust_dir = vm["trust"].as<std::string>();
  o.spec_path = optional_arg(vm, "spec");
  o.signature_path = optional_arg(vm, "signature");
  o.as_of = vm.count("as-of") ? time_or_now(vm, "as-of", env) : env.now();
  return o;
}

// The one positional file a command takes.
std::string one_file(const po::variables_map& vm, const char* missing, const char* many) {
  const auto files = positionals(vm);
  if (files.empty()) throw UsageError(missing);
  if (files.size() > 1)
    throw UsageError(std::string(many) + "; got " + std::to_string(files.size()) + " (" + files[0] +
                     ", " + files[1] + (files.size() > 2 ? ", ..." : "") + ")");
  return files[0];
}

}  // namespace dosegate::cli::detail
