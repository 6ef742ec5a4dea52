// `dosegate ledger`: the ledger file itself: a consistent backup while others write, and the
// chain head to keep for `audit --expect-head`.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "util/json.hpp"

namespace dosegate::cli::detail {
namespace {

constexpr const char* kUsage =
    "dosegate ledger backup --out FILE [--ledger FILE]\n"
    "       dosegate ledger head [--ledger FILE] [--json]";

int backup(const po::variables_map& vm, std::ostream& out) {
  require(vm, {"out"});
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto l = ledger::Ledger::open(path, false);
  const auto target = vm["out"].as<std::string>();
  const auto entries = l.backup(target);
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
  opts.add_options()("out", po::value<std::string>()->value_name("FILE"),
                     "backup: the new file to write (never an existing one); required");
  add_json(opts);
  const auto vm = parse(args, opts);
  const auto words = positionals(vm);
  if (vm.count("help") || words.empty()) {
    if (!vm.count("help")) throw UsageError("ledger needs a subcommand: backup or head");
    print_help(
        out,
        {kUsage,
         "backup: a consistent copy of the whole ledger at one moment, made with SQLite's\n"
         "online backup while others go on releasing and confirming, into one self-contained\n"
         "file (no -wal beside it) that every dosegate command reads. An existing file is\n"
         "never replaced. head: the ledger's last entry and its hash, to keep elsewhere for\n"
         "`dosegate audit --expect-head HASH`.\n",
         "done", nullptr,
         "dosegate could not do its job: the ledger cannot be read, --out exists or cannot\n"
         "     be written, usage error",
         "  dosegate ledger backup --ledger ledger.sqlite --out /backup/ledger-2026-12-02.sqlite\n"
         "  dosegate ledger head --ledger ledger.sqlite\n"},
        opts);
    return kYes;
  }
  if (words.size() != 1)
    throw UsageError("ledger takes one subcommand (backup or head), got " +
                     std::to_string(words.size()) + " words");
  if (words[0] == "backup") return backup(vm, out);
  if (words[0] == "head") {
    if (vm.count("out")) throw UsageError("--out belongs to ledger backup, not ledger head");
    return head(vm, out);
  }
  throw UsageError("unknown ledger subcommand '" + words[0] + "'; available: backup, head");
}

}  // namespace dosegate::cli::detail
