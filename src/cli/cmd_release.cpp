// `dosegate release`: verify a CoA, then one signed release record per dose.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/release/release.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {
namespace {

// `release --json`: verify's object (command "release"), then what the release did: released,
// the records written, the ledger and its entries, the warnings, the entry re-issued (--again).
void print_json(const ReleaseResult& r, std::ostream& out) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "release");
  write_json_members(r.report, w);
  w.key("released").value(r.released);
  w.key("records").begin_array();
  for (const auto& path : r.records) w.value(path);
  w.end_array();
  w.field("ledger", r.ledger_path);
  w.key("ledger_entries").begin_array();
  for (auto seq : r.ledger_entries) w.value(seq);
  w.end_array();
  w.key("reissue_of");
  if (r.reissue_of)
    w.value(*r.reissue_of);
  else
    w.null();
  w.field("reason", r.reason);
  w.key("warnings");
  json::write_finding_list(w, r.warnings);
  w.end_object();
}

}  // namespace

int cmd_release(const Args& args, std::ostream& out, std::ostream& err, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the CoA's signer must be in labs/, the releaser in releasers/");
  add_signer(opts, "the QA releaser's");
  // clang-format off
  opts.add_options()
    ("out", po::value<std::string>()->value_name("DIR"),
     "directory for the records, created if missing; required")
    ("meaning", po::value<std::string>()->value_name("TEXT"),
     "meaning of the release signature; default: \"Released for clinical use\"")
    ("reason", po::value<std::string>()->value_name("TEXT"), "reason, shown on every record")
    ("role", po::value<std::string>()->value_name("TEXT"),
     "the releaser's role; default: \"Quality Assurance, lot release\"")
    ("again", "issue the records of a lot the ledger already released again (lost records); "
     "needs --reason, recorded in the release entry")
    ("wait", po::value<int>()->value_name("SECONDS"),
     "how long to wait for another release into --out, or for the ledger; default 300")
    ("exceptional", "exceptional release (out of specification) of a lot whose only errors are "
     "failed criteria the specification allows to be waived, to one named recipient; needs "
     "--recipient, --physician and --reason")
    ("recipient", po::value<std::string>()->value_name("ID"),
     "--exceptional: the one recipient (wristband id) the lot may be given to")
    ("physician", po::value<std::string>()->value_name("NAME"),
     "--exceptional: the treating physician who requested it");
  // clang-format on
  add_tsa(opts, "every record's signature (PAdES B-T) and the release's ledger entries get");
  opts.add_options()("no-validation-data",
                     "with --tsa: no /DSS update after the signature (PAdES B-T instead of B-LT)")(
      "lta",
      "with --tsa: after the /DSS update, a document timestamp over the whole file "
      "(PAdES B-LTA)");
  add_coa_checks(opts, false);
  add_ledger(opts);
  opts.add_options()("quiet", "no verification report and no list of records: one summary line");
  add_json(opts);
  refuse_as_of(args, "release");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate release COA.xml --trust DIR --key KEY.pem|pkcs11:URI [--cert CERT.pem]\n"
         "                        [--chain CHAIN.pem] [--passphrase-file FILE | --pin-file FILE]\n"
         "                        --out DIR [--spec SPEC.xml [--allow-unapproved-spec]]\n"
         "                        [--signature COA.xml.p7s] [--meaning TEXT]\n"
         "                        [--reason TEXT] [--role TEXT] [--ledger FILE]\n"
         "                        [--again --reason TEXT] [--wait SECONDS]\n"
         "                        [--exceptional --recipient ID --physician NAME --reason TEXT]\n"
         "                        [--tsa URL [--tsa-timeout SECONDS] [--no-validation-data | "
         "--lta]]\n"
         "                        [--quiet | --json]",
         "Verifies the CoA exactly as `dosegate verify` does. When the lot is releasable\n"
         "(also with pending tests the specification allows), writes one PDF release record\n"
         "per dose into --out, named DIN-PRODUCTCODE-DIVISION.pdf, each signed with the QA\n"
         "releaser's key (PAdES, ETSI.CAdES.detached) and carrying the release data as a\n"
         "signed attachment. A rejected lot gets no record. The releaser's certificate must\n"
         "pass the trust policy in the releasers/ role: dosegate does not produce a record\n"
         "its own checks would reject. Existing records are never overwritten. The decision\n"
         "is recorded in the ledger at the clock's time (there is no --as-of:\n"
         "a release cannot be back-dated), and the lot's history there is part of it: a recalled "
         "lot\n"
         "is rejected (release.recalled), a lot rejected before needs a CoA that names the\n"
         "rejected CoA in <Supersedes> (release.supersedes-missing), and a lot already released\n"
         "is refused (release.already-released) unless --again --reason TEXT re-issues lost\n"
         "records. A pending test whose expected date is before the day of the release (UTC)\n"
         "does not stop it: a warning (release.pending-overdue), recorded in the release entry.\n"
         "With --tsa URL every record's signature, and the signature of each ledger entry\n"
         "the release appends, carries an RFC 3161 timestamp (PAdES B-T) from that TSA,\n"
         "checked on receipt (imprint, nonce, the TSA's certificate in tsa/ of\n"
         "the trust directory); a timestamped record is judged as of its timestamp, so it\n"
         "stays valid after the releaser's certificate expires or is revoked for a reason\n"
         "other than a compromise before that time. A TSA that fails or answers wrongly stops\n"
         "the release before the ledger commit: nothing written, the error names the URL and\n"
         "the reason. With --tsa each record also gets its validation data (PAdES B-LT): the\n"
         "releaser's and the TSA's certificates and the CRLs current at the release, in a /DSS\n"
         "update after the signature (--no-validation-data: B-T only); --lta adds a document\n"
         "timestamp from the same TSA over the whole file after it (PAdES B-LTA).\n"
         "Without --tsa, a releaser certificate that expires before the lot is a\n"
         "warning (release.certificate-expires-before-lot), recorded in the release entry.\n"
         "One release at a time per --out directory (DIR/.dosegate-release.lock);\n"
         "another waits for it, with progress, for at most --wait seconds. Ctrl-C or SIGTERM\n"
         "before the ledger commit rolls back and removes the unfinished records (exit 130 or\n"
         "143).\n",
         "released: every record written",
         "rejected: the report says why (the documents or the lot's history); nothing written",
         "dosegate could not do its job: usage error, unreadable file, a key or certificate it "
         "refuses to sign with, a record that already exists, a lot already released, another "
         "release into --out or a ledger still busy after --wait",
         "  dosegate release samples/coa-pass.xml --trust certs/trust \\\n"
         "      --key certs/test-pki/releaser-ec.key.pem \\\n"
         "      --cert certs/test-pki/releaser-ec.cert.pem --out records/\n"
         "  dosegate release samples/coa-pass.xml --trust certs/trust \\\n"
         "      --key releaser.p12 --passphrase-file pass.txt --out records/ \\\n"
         "      --again --reason 'records lost in transit' --quiet\n",
         "130 interrupted by SIGINT before the ledger commit; nothing released\n"
         "143 interrupted by SIGTERM before the ledger commit; nothing released\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the CoA to release", "release takes one CoA");
  require(vm, {"trust", "key", "out"});
  ReleaseOptions o;
  o.verify = coa_checks(vm, coa, env);
  o.signer = signer_files(vm);
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("meaning")) o.meaning = vm["meaning"].as<std::string>();
  if (vm.count("reason")) o.reason = vm["reason"].as<std::string>();
  if (vm.count("role")) o.role = vm["role"].as<std::string>();
  o.ledger_path = optional_arg(vm, "ledger");
  o.again = vm.count("again") > 0;
  if (vm.count("exceptional")) {
    require(vm, {"recipient", "physician", "reason"});
    ReleaseOptions::Exceptional x{vm["recipient"].as<std::string>(),
                                  vm["physician"].as<std::string>()};
    if (auto problem = id_problem("--recipient", x.recipient)) throw UsageError(*problem);
    if (text::trim(x.physician).empty() || text::trim(o.reason).empty())
      throw UsageError("--exceptional needs the physician's name and the reason, not empty");
    o.exceptional = x;
  } else if (vm.count("recipient") || vm.count("physician")) {
    throw UsageError("--recipient and --physician belong to --exceptional");
  }
  if (o.again && o.reason.empty())
    throw UsageError("--again needs --reason TEXT saying why the records are issued again");
  if (vm.count("wait")) {
    const int seconds = vm["wait"].as<int>();
    if (seconds < 0) throw UsageError("--wait takes a number of seconds, 0 or more");
    o.wait = std::chrono::seconds(seconds);
  }
  const auto tsa = tsa_choice(vm);
  o.tsa_url = tsa.url;
  o.tsa_timeout = tsa.timeout;
  if (vm.count("no-validation-data")) {
    if (!o.tsa_url) throw UsageError("--no-validation-data goes with --tsa URL");
    o.validation_data = false;
  }
  if (vm.count("lta")) {
    if (!o.tsa_url) throw UsageError("--lta goes with --tsa URL");
    if (!o.validation_data)
      throw UsageError("--lta needs the validation data: leave out --no-validation-data");
    o.document_timestamp = true;
  }
  o.on_recovered = [&](const std::string& note) {
    err << "dosegate release: earlier interrupted release: " << note << '\n';
  };
  o.on_waiting = [&](const std::string& note) {
    err << "dosegate release: " << note << '\n' << std::flush;
  };
  // Progress on long releases, on the diagnostic stream so that the output stays parseable.
  auto progress = [&](std::size_t done, std::size_t total) {
    if (total >= 50 && (done % 100 == 0 || done == total))
      err << "dosegate release: " << done << " of " << total << " records written\n";
  };
  ReleaseResult r;
  try {
    r = release(o, crypto::terminal_prompt, progress);
  } catch (const ReleaseInterrupted& e) {
    err << "dosegate release: " << e.what() << '\n';
    return 128 + e.signal();
  }
  if (vm.count("json")) {
    print_json(r, out);
    return r.released ? kYes : kNo;
  }
  if (!vm.count("quiet")) print_text(r.report, out);
  std::string entries;
  for (auto seq : r.ledger_entries) entries += (entries.empty() ? "" : ", ") + std::to_string(seq);
  if (!r.released) {
    if (vm.count("quiet"))  // the report is not printed: say why all the same
      for (const auto& f : r.report.findings)
        if (f.severity == Severity::error) out << f.code << ": " << f.message << '\n';
    out << "\nNo release records written. The rejection is ledger entry " << entries << " in "
        << r.ledger_path << ".\n";
    for (const auto& w : r.warnings)
      out << "Warning [" << w.code << "]: " << text::escape_controls(w.message)
          << "; the warning is kept in rejection entry " << entries << '\n';
    return kNo;
  }
  if (r.exceptional)
    out << "\nEXCEPTIONAL RELEASE: OUT OF SPECIFICATION, for recipient " << o.exceptional->recipient
        << " only, on the request of physician " << text::escape_controls(o.exceptional->physician)
        << ".";
  out << "\nReleased " << r.records.size() << " dose" << (r.records.size() == 1 ? "" : "s")
      << " into " << o.out_dir << " (ledger entries " << entries << " in " << r.ledger_path << ")"
      << (vm.count("quiet") ? ".\n" : ":\n");
  // --quiet: the summary line alone, whatever the number of doses (a 2,000-dose lot would
  // otherwise print 2,000 names); the names are in --out and in the ledger's records entry.
  if (!vm.count("quiet"))
    for (const auto& path : r.records) out << "  " << path << '\n';
  // An overdue pending test does not stop the release, but is said, and kept in the ledger.
  for (const auto& w : r.warnings) {
    out << "Warning [" << w.code << "]: " << text::escape_controls(w.message);
    out << (w.code == "release.pending-overdue"
                ? " and is still pending; released as the specification allows, with the "
                  "warning in release entry "
                : "; the warning is kept in release entry ")
        << r.ledger_entries.front() << '\n';
  }
  if (r.timestamp)
    out << "Timestamped (PAdES "
        << (r.document_timestamp ? "B-LTA, with validation data and a document timestamp"
            : r.validation_data  ? "B-LT, with validation data"
                                 : "B-T")
        << ") by " << r.tsa.value_or("?") << " at " << *r.timestamp << '\n';
  if (r.reissue_of)
    out << "Re-issued records of release entry " << *r.reissue_of << " (--again): " << r.reason
        << '\n';
  return kYes;
}

}  // namespace dosegate::cli::detail
