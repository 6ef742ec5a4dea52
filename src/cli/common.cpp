#include "cli/common.hpp"

#include "dosegate/error.hpp"
#include "dosegate/verify/verify.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

void add_help(po::options_description& opts) {
  opts.add_options()("help,h", "show this help and exit");
}

void add_trust(po::options_description& opts, const char* role_help) {
  opts.add_options()(
      "trust", po::value<std::string>()->value_name("DIR"),
      (std::string("trust directory (anchors/, intermediates/, crls/, labs/, releasers/, "
                   "approvers/); ") +
       role_help + "; required")
          .c_str());
}

void add_signer(po::options_description& opts, const char* whose, bool required) {
  const std::string w = whose;
  // clang-format off
  opts.add_options()
    ("key", po::value<std::string>()->value_name("KEY.pem|KEY.p12|pkcs11:URI"),
     (w + " private key: PEM (with --cert), PKCS#12 (*.p12, *.pfx), or a key on a token as an "
          "RFC 7512 URI ('pkcs11:token=QA;object=releaser'; the module from its module-path, "
          "else $DOSEGATE_PKCS11_MODULE, else p11-kit's proxy)" + (required ? "; required" : "")).c_str())
    ("cert", po::value<std::string>()->value_name("CERT.pem"),
     (w + " certificate (PEM); further certificates in the file count as chain; for a token "
          "key, default: the token's certificate with the key's id or label").c_str())
    ("chain", po::value<std::string>()->value_name("CHAIN.pem"),
     "intermediate CA certificates to embed with the signature")
    ("passphrase-file", po::value<std::string>()->value_name("FILE"),
     "read the key's passphrase from the first line of FILE; without it an encrypted key's "
     "passphrase is asked for on the terminal (re-authentication at signing)")
    ("pin-file", po::value<std::string>()->value_name("FILE"),
     "read a token's PIN from the first line of FILE; without it the PIN is asked for on the "
     "terminal, never echoed (a PIN is never taken on the command line)");
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

void add_tsa(po::options_description& opts, const char* what) {
  opts.add_options()("tsa", po::value<std::string>()->value_name("URL"),
                     (std::string("RFC 3161 timestamping authority (http:// or https://): ") +
                      what + " its token; its certificate must be in the trust directory's tsa/")
                         .c_str())("tsa-timeout", po::value<int>()->value_name("SECONDS"),
                                   "how long to wait for each answer of the TSA; default 30");
}

TsaChoice tsa_choice(const po::variables_map& vm) {
  TsaChoice c;
  if (vm.count("tsa")) c.url = vm["tsa"].as<std::string>();
  if (vm.count("tsa-timeout")) {
    if (!c.url) throw UsageError("--tsa-timeout needs --tsa URL");
    const int seconds = vm["tsa-timeout"].as<int>();
    if (seconds < 1) throw UsageError("--tsa-timeout takes a number of seconds, 1 or more");
    c.timeout = std::chrono::seconds(seconds);
  }
  return c;
}

SignerFiles signer_files(const po::variables_map& vm) {
  require(vm, {"key"});
  return {vm["key"].as<std::string>(), optional_arg(vm, "cert"), optional_arg(vm, "chain"),
          optional_arg(vm, "passphrase-file"), optional_arg(vm, "pin-file")};
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

thread_local HelpCapture* help_capture = nullptr;

namespace {

// One exit code: "  CODE TEXT", the code in a column of five, the text wrapped at 79 columns
// under itself. The text's own line breaks and indentation do not count.
void print_exit_code(std::ostream& out, const std::string& code, const std::string& text) {
  constexpr std::size_t kIndent = 7, kWidth = 79;
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\n') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  std::string line = "  " + code + std::string(kIndent - 2 - code.size(), ' ');
  bool first = true;
  for (const auto& w : words) {
    if (!first && line.size() + 1 + w.size() > kWidth) {
      out << line << '\n';
      line = std::string(kIndent, ' ') + w;
    } else {
      line += (first ? "" : " ") + w;
    }
    first = false;
  }
  out << line << '\n';
}

}  // namespace

void print_help(std::ostream& out, const Help& help, const po::options_description& opts) {
  if (help_capture) {
    help_capture->usage = help.usage;
    for (const auto& o : opts.options()) {
      const auto& sem = o->semantic();
      // The value's name without the default boost appends: "table|csv|json (=table)".
      std::string value = sem->max_tokens() > 0 ? sem->name() : std::string();
      if (const auto d = value.find(" (="); d != std::string::npos) value.resize(d);
      help_capture->options.push_back({o->long_name(), value});
    }
  }
  out << "Usage: " << help.usage << "\n\n" << help.description << '\n' << opts << '\n';
  out << "Exit codes:\n";
  print_exit_code(out, "0", help.yes);
  if (help.no) print_exit_code(out, "1", help.no);
  print_exit_code(out, "2", help.cannot);
  if (help.more) {
    std::string lines = help.more;
    std::size_t start = 0;
    while (start < lines.size()) {
      auto end = lines.find('\n', start);
      if (end == std::string::npos) end = lines.size();
      const auto line = lines.substr(start, end - start);
      const auto space = line.find(' ');
      if (space != std::string::npos)
        print_exit_code(out, line.substr(0, space), line.substr(space + 1));
      start = end + 1;
    }
  }
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

namespace {

void json_error(std::ostream* out, const std::string& command, const std::string& code,
                const std::string& message) {
  if (!out) return;
  json::Writer w(*out);
  w.begin_object();
  w.key("version").value(1LL).field("command", command).field("decision", "error");
  json::write_findings(w, {Finding{code, Severity::error, message, ""}});
  w.end_object();
}

}  // namespace

bool wants_json(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--json" || args[i] == "--format=json" ||
        (args[i] == "--format" && i + 1 < args.size() && args[i + 1] == "json"))
      return true;
  return false;
}

std::string output_format(const po::variables_map& vm) {
  const auto format = vm["format"].as<std::string>();
  if (format != "table" && format != "csv" && format != "json")
    throw UsageError("--format '" + text::escape_controls(format) + "' is not table, csv or json");
  if (vm.count("json")) {
    if (!vm["format"].defaulted() && format != "json")
      throw UsageError("--json and --format " + format + " ask for two formats; give one");
    return "json";
  }
  return format;
}

int guarded(const std::string& command, std::ostream& err, const std::function<int()>& body,
            std::ostream* json_out) {
  try {
    return body();
  } catch (const po::error& e) {
    json_error(json_out, command, "usage", e.what());
    return usage_error(err, command, e.what());
  } catch (const UsageError& e) {
    json_error(json_out, command, e.code(), e.what());
    return usage_error(err, command, e.what());
  } catch (const Error& e) {
    json_error(json_out, command, e.code(), e.what());
    // Messages quote documents (a specification's values, a file name): escape controls.
    err << "dosegate " << command << ": error [" << e.code()
        << "]: " << text::escape_controls(e.what(), true) << '\n';
    return kCannot;
  } catch (const std::exception& e) {
    json_error(json_out, command, "internal", e.what());
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
     "release specification (urn:dosegate:spec:1), signed by a certificate of the trust "
     "directory's approvers/ (dosegate sign-spec); default: the built-in wj-msc version 1, "
     "shipped as samples/specs/wj-msc.xml")
    ("allow-unapproved-spec",
     "use a --spec that no approver signed; shown as SPECIFICATION NOT APPROVED in the report, "
     "the record and the ledger")
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
  o.allow_unapproved_spec = vm.count("allow-unapproved-spec") > 0;
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
