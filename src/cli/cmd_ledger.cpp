// `dosegate ledger`: the ledger itself: its creation (a SQLite file or a shared PostgreSQL
// database), a copy of a SQLite ledger into PostgreSQL, a consistent backup while others write,
// and the chain head to keep for `audit --expect-head`.
#include <functional>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/migrate.hpp"
#include "util/json.hpp"

namespace dosegate::cli::detail {
namespace {

constexpr const char* kUsage =
    "dosegate ledger init [--ledger FILE|URI] [--grant ROLE] [--json]\n"
    "       dosegate ledger migrate --from FILE --to URI --trust DIR [--json]\n"
    "       dosegate ledger backup --out FILE [--ledger FILE] [--json]\n"
    "       dosegate ledger head [--ledger FILE|URI] [--json]";

// --json for init, migrate and backup: {"version": 1, "command": "ledger SUBCOMMAND",
// "decision": "done", what was done, "findings": []}; a failure is the exit-2 error object.
void json_done(std::ostream& out, const char* subcommand,
               const std::function<void(json::Writer&)>& members) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", std::string("ledger ") + subcommand);
  w.field("decision", "done");
  members(w);
  w.key("findings").begin_array().end_array();
  w.end_object();
}

int init(const po::variables_map& vm, const std::vector<std::string>& words, std::ostream& out) {
  if (words.size() > 2)
    throw UsageError("ledger init takes one ledger, got " + std::to_string(words.size() - 1));
  if (words.size() == 2 && vm.count("ledger"))
    throw UsageError("ledger init: give the ledger once, as --ledger or as a word, not both");
  const auto location =
      words.size() == 2 ? words[1] : ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto said = ledger::Ledger::init(location, optional_arg(vm, "grant"));
  if (vm.count("json")) {
    json_done(out, "init",
              [&](json::Writer& w) { w.field("ledger", location).field("message", said); });
    return kYes;
  }
  out << said << "\n";
  return kYes;
}

int migrate(const po::variables_map& vm, std::ostream& out) {
  require(vm, {"from", "to", "trust"});
  const crypto::TrustStore trust(vm["trust"].as<std::string>());
  const auto from = vm["from"].as<std::string>();
  const auto to = vm["to"].as<std::string>();
  const auto r = ledger::migrate(from, to, trust);
  if (vm.count("json")) {
    json_done(out, "migrate", [&](json::Writer& w) {
      w.field("from", from).field("to", to);
      w.key("entries").value(static_cast<long long>(r.entries));
      w.field("head_hash", r.head_hash);
    });
    return kYes;
  }
  out << "Copied " << r.entries << " entr" << (r.entries == 1 ? "y" : "ies") << " of " << from
      << " to " << to << "; the copy audits INTACT"
      << (r.head_hash.empty() ? std::string(" (both are empty)")
                              : ", chain head SHA-256 " + r.head_hash + " as in the source")
      << ".\n";
  return kYes;
}

int backup(const po::variables_map& vm, std::ostream& out) {
  require(vm, {"out"});
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto l = ledger::Ledger::open(path, false);
  const auto target = vm["out"].as<std::string>();
  const auto entries = l.backup(target);
  if (vm.count("json")) {
    json_done(out, "backup", [&](json::Writer& w) {
      w.field("ledger", path).field("out", target);
      w.key("entries").value(static_cast<long long>(entries));
    });
    return kYes;
  }
  out << "Backed up " << entries << " entr" << (entries == 1 ? "y" : "ies") << " of " << path
      << " to " << target << " (one self-contained file)\n";
  return kYes;
}

int head(const po::variables_map& vm, std::ostream& out) {
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto l = ledger::Ledger::open(path, false);
  const auto h = l.head();
  if (vm.count("json")) {
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "ledger head").field("ledger", path);
    w.key("seq");
    if (h)
      w.value(h->seq);
    else
      w.null();
    w.field("hash", h ? h->hash : std::string()).field("at", h ? h->at : std::string());
    w.end_object();
    return kYes;
  }
  if (h)
    out << "Chain head: entry " << h->seq << ", SHA-256 " << h->hash << " (" << h->at << ")\n";
  else
    out << "Chain head: none (the ledger is empty)\n";
  return kYes;
}

}  // namespace

int cmd_ledger(const Args& args, std::ostream& out, std::ostream& /*err*/,
               const Environment& /*env*/) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  // clang-format off
  opts.add_options()
    ("trust", po::value<std::string>()->value_name("DIR"),
     "migrate (required there): the trust directory; the entries' signers must be in "
     "releasers/")
    ("out", po::value<std::string>()->value_name("FILE"),
     "backup: the new file to write (never an existing one); required")
    ("grant", po::value<std::string>()->value_name("ROLE"),
     "init, PostgreSQL: the role the sites connect as; it may SELECT and INSERT entries, "
     "nothing more")
    ("from", po::value<std::string>()->value_name("FILE"),
     "migrate: the ledger to copy (a SQLite file)")
    ("to", po::value<std::string>()->value_name("URI"),
     "migrate: the new, empty ledger to copy it into (postgresql://HOST/DATABASE, made by "
     "ledger init)");
  // clang-format on
  add_json(opts);
  const auto vm = parse(args, opts);
  const auto words = positionals(vm);
  if (vm.count("help") || words.empty()) {
    if (!vm.count("help"))
      throw UsageError("ledger needs a subcommand: init, migrate, backup or head");
    print_help(
        out,
        {kUsage,
         "The ledger is a SQLite file, or a shared PostgreSQL database given as a libpq URI\n"
         "(postgresql://HOST[:PORT]/DATABASE[?sslmode=verify-full]; the password comes from\n"
         "~/.pgpass or PGPASSFILE, never from the URI). init: creates the ledger's schema (on\n"
         "PostgreSQL: tables, append-only triggers; --grant ROLE lets the sites' role SELECT\n"
         "and INSERT, nothing more), or says that it is there. migrate: copies every entry of\n"
         "a SQLite ledger byte for byte into a new, empty ledger, audits the copy, and commits\n"
         "only when it is INTACT with the source's head (all or nothing).\n"
         "backup: a consistent copy of the whole ledger at one moment, made with SQLite's\n"
         "online backup while others go on releasing and confirming, into one self-contained\n"
         "file (no -wal beside it) that every dosegate command reads. An existing file is\n"
         "never replaced. head: the ledger's last entry and its hash, to keep elsewhere for\n"
         "`dosegate audit --expect-head HASH`.\n",
         "done", nullptr,
         "dosegate could not do its job: the ledger cannot be read, --out exists or cannot\n"
         "     be written, the source of a migration is not intact or its target not empty,\n"
         "     a password in the URI, usage error",
         "  dosegate ledger init --ledger postgresql://db.example.org/dosegate --grant "
         "dosegate_site\n"
         "  dosegate ledger migrate --from ledger.sqlite --to postgresql://db.example.org/dosegate "
         "--trust trust\n"
         "  dosegate ledger backup --ledger ledger.sqlite --out /backup/ledger-2026-12-02.sqlite\n"
         "  dosegate ledger head --ledger ledger.sqlite\n"},
        opts);
    return kYes;
  }
  if (words[0] == "init") return init(vm, words, out);
  if (words.size() != 1)
    throw UsageError("ledger takes one subcommand (init, migrate, backup or head), got " +
                     std::to_string(words.size()) + " words");
  if (words[0] == "migrate") {
    if (vm.count("ledger")) throw UsageError("ledger migrate takes --from and --to, not --ledger");
    return migrate(vm, out);
  }
  if (words[0] == "backup") return backup(vm, out);
  if (words[0] == "head") {
    if (vm.count("out")) throw UsageError("--out belongs to ledger backup, not ledger head");
    return head(vm, out);
  }
  throw UsageError("unknown ledger subcommand '" + words[0] +
                   "'; available: init, migrate, backup, head");
}

}  // namespace dosegate::cli::detail
