// `dosegate history`: the ledger's entries as a table, CSV or JSON.
#include <algorithm>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/export.hpp"
#include "ledger/fields.hpp"

namespace dosegate::cli::detail {
namespace {

// The kinds of entry, from the ledger's own list.
std::string kinds() {
  std::string out;
  for (const auto& k : ledger::kKindRules) out += (out.empty() ? "" : ", ") + std::string(k.kind);
  return out;
}

}  // namespace

int cmd_history(const Args& args, std::ostream& out, std::ostream& /*err*/,
                const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  // clang-format off
  opts.add_options()
    ("lot", po::value<std::string>()->value_name("DIN"), "only this lot (13-character DIN)")
    ("kind", po::value<std::string>()->value_name("KIND"),
     ("only entries of this kind: " + kinds()).c_str());
  // clang-format on
  add_time(opts, "since", "only entries at or after this time");
  add_time(opts, "until", "only entries at or before this time");
  opts.add_options()(
      "format", po::value<std::string>()->value_name("table|csv|json")->default_value("table"),
      "output format; CSV is UTF-8 with a byte order mark and CRLF, as spreadsheets expect");
  opts.add_options()("records",
                     "list the release records, one row each (seq, at, kind, din, record, "
                     "sha256) instead of the entries; CSV only");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate history [--ledger FILE] [--lot DIN] [--kind KIND] [--since TIME]\n"
         "                        [--until TIME] [--format table|csv|json | --json]\n"
         "       dosegate history --records --format csv [--ledger FILE] [--lot DIN] ...",
         "Lists the ledger's entries: every release, rejection, recall, late result and\n"
         "confirmation, who signed it, when, why, and which CoA and specification version.\n"
         "Every export ends with the chain head (the ledger's last entry and its hash): keep\n"
         "it, and `dosegate audit --expect-head HASH` proves later that nothing was dropped.\n"
         "No CSV cell is longer than 32,767 characters (what spreadsheets take): the records\n"
         "of a large lot are listed one per row with --records.\n",
         "listed", nullptr,
         "dosegate could not do its job: the ledger cannot be read, or the options are wrong",
         "  dosegate history --lot A999926000147 --format csv > lot.csv\n"
         "  dosegate history --ledger ledger.sqlite --kind recall --since 2026-11-01T00:00:00Z\n"},
        opts);
    return kYes;
  }
  if (!positionals(vm).empty()) throw UsageError("history takes no file arguments");
  ledger::Filter f;
  f.din = optional_arg(vm, "lot");
  if (f.din && !isbt128::is_valid_din(*f.din))
    throw UsageError("--lot '" + *f.din + "' is not a 13-character DIN (e.g. A999926000147)");
  f.kind = optional_arg(vm, "kind");
  if (f.kind && ledger::signer_for(*f.kind) == ledger::EntrySigner::unknown)
    throw UsageError("--kind '" + *f.kind + "' is not one of " + kinds());
  if (const auto t = time_option(vm, "since", env)) f.since = format_instant(*t);
  if (const auto t = time_option(vm, "until", env)) f.until = format_instant(*t);
  const auto format = output_format(vm);
  if (vm.count("records") && format != "csv")
    throw UsageError("--records lists the records as CSV: give --format csv");
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  // Row by row, as the entries come, all from one state of the ledger: the chain head (the
  // whole ledger's last entry, whatever the filter) and, for the table, both of its passes.
  const auto snapshot = ledger.snapshot();
  const auto head = ledger.head();
  const auto each = [&](const auto& write) {
    ledger.for_each(f, [&](const ledger::Entry& e) {
      write(e);
      return true;
    });
  };
  if (vm.count("records")) {
    ledger::CsvRecordsWriter w(out);
    each([&](const ledger::Entry& e) { w.entry(e); });
    w.finish(head);
  } else if (format == "csv") {
    ledger::CsvWriter w(out);
    each([&](const ledger::Entry& e) { w.entry(e); });
    w.finish(head);
  } else if (format == "json") {
    ledger::JsonWriter w(out, path);
    each([&](const ledger::Entry& e) { w.entry(e); });
    w.finish(head);
  } else {
    ledger::TableWriter w(out);
    each([&](const ledger::Entry& e) { w.measure(e); });
    each([&](const ledger::Entry& e) { w.entry(e); });
    w.finish(head);
  }
  return kYes;
}

}  // namespace dosegate::cli::detail
