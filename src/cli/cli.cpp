// The command line: options in, one library call, the library's printer out. Every option group
// is declared once (cli/common.hpp); the work is in the library.
#include "dosegate/cli/cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release/recall.hpp"
#include "dosegate/release/release.hpp"
#include "dosegate/verify/verify.hpp"
#include "dosegate/version.hpp"
#include "ledger/audit.hpp"
#include "ledger/export.hpp"
#include "sign/sign_coa.hpp"
#include "util/text.hpp"

namespace dosegate::cli {
namespace {

using namespace detail;

constexpr const char* kMainHelp =
    "dosegate: release gate for cell-therapy lots. Checks a laboratory's Certificate of\n"
    "Analysis (CoA) against a versioned release specification.\n"
    "\n"
    "Usage: dosegate COMMAND [OPTIONS]\n"
    "       dosegate COMMAND --help\n"
    "       dosegate help COMMAND\n"
    "       dosegate --version\n"
    "\n"
    "Commands:\n"
    "  verify     full check of one CoA (signature, every criterion, doses, expiry); no side\n"
    "             effects\n"
    "  release    verify a CoA, then write one signed PDF release record per dose\n"
    "  confirm    at the bedside: GO or NO-GO for the dose in hand, from its release record\n"
    "  history    the release history from the ledger (table, CSV or JSON)\n"
    "  audit      prove that the ledger is intact (chain, content, signatures)\n"
    "  recall     withdraw a lot; later confirmations say NO-GO\n"
    "  sign-coa   sign a CoA for a laboratory (enveloped XML-DSig that dosegate and xmlsec1\n"
    "             verify)\n"
    "\n"
    "\"Releasable\" means the lot conforms to the named specification. It is not a regulatory\n"
    "approval.\n"
    "\n"
    "Exit codes:\n"
    "  0  yes: releasable (including releasable with pending tests the specification allows),\n"
    "     released, GO, ledger intact\n"
    "  1  no: rejected for a reason found in the documents (failed or missing criterion,\n"
    "     malformed CoA, bad or untrusted signature, expired lot, ...), NO-GO, ledger tampered\n"
    "  2  dosegate could not do its job: usage error, unreadable file or directory, invalid\n"
    "     specification or trust configuration\n";

constexpr const char* kCannotDefault =
    "dosegate could not do its job: usage error, unreadable file or directory, invalid "
    "specification or "
    "trust configuration";

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
void add_coa_checks(po::options_description& opts, bool as_of = true) {
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

int cmd_verify(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the CoA's signer must be in labs/");
  add_coa_checks(opts);
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate verify COA.xml --trust DIR [--spec SPEC.xml] [--signature COA.xml.p7s]\n"
         "                       [--as-of TIME] [--json]",
         "Checks one Certificate of Analysis without side effects: the document against the\n"
         "CoA format (schemas/coa.xsd), its signature (enveloped XML-DSig, or a detached CMS\n"
         "signature) and signer (chain to an anchor, CRLs, labs/ allow-list), then, on the\n"
         "signed content only, every criterion of the release specification (exact decimals,\n"
         "units compared exactly), dose viable cells, lot expiry and the laboratory's\n"
         "accreditation. Prints each criterion with its specification, result and verdict, the\n"
         "pending tests, every finding and the decision: releasable, releasable-pending or\n"
         "rejected.\n",
         "releasable (also with pending tests the specification allows)",
         "rejected for a reason found in the documents (failed or missing criterion, malformed\n"
         "     CoA, bad or untrusted signature, expired lot, ...)",
         kCannotDefault,
         "  dosegate verify samples/coa-pass.xml --trust certs/trust\n"
         "  dosegate verify samples/coa-pass.xml --trust certs/trust --as-of "
         "2026-11-21T12:00:00Z --json\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the CoA to verify (dosegate verify COA.xml ...)",
                            "verify checks one CoA at a time");
  require(vm, {"trust"});
  const auto report = verify(coa_checks(vm, coa, env));
  if (vm.count("json"))
    print_json(report, out);
  else
    print_text(report, out);
  return report.decision == Decision::releasable || report.decision == Decision::releasable_pending
             ? kYes
             : kNo;
}

int cmd_sign_coa(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  add_help(opts);
  add_signer(opts, "the laboratory signer's");
  opts.add_options()("out", po::value<std::string>()->value_name("SIGNED.xml"),
                     "where to write the signed CoA (written atomically); required");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate sign-coa COA.xml --key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
         "                         [--passphrase-file FILE] --out SIGNED.xml",
         "Signs a Certificate of Analysis with an enveloped XML-DSig (exclusive c14n,\n"
         "SHA-256, ECDSA-SHA256 or RSA-SHA256 by key type, the certificate and chain in\n"
         "X509Data) as the last child of the root. The CoA must be valid and unsigned. The\n"
         "result verifies in dosegate and in\n"
         "  xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty \\\n"
         "          --trusted-pem ROOT.pem SIGNED.xml\n",
         "signed and written", "the CoA is malformed or already signed; nothing written",
         "dosegate could not do its job: usage error, unreadable file, a key that does not match "
         "its\n"
         "     certificate, a wrong or missing passphrase",
         "  dosegate sign-coa coa.xml --key certs/test-pki/lab-ec.key.pem \\\n"
         "      --cert certs/test-pki/lab-ec.cert.pem --chain certs/test-pki/lab-chain.pem \\\n"
         "      --out coa.signed.xml\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the CoA to sign", "sign-coa signs one CoA at a time");
  require(vm, {"key", "cert", "out"});
  sign::SignCoaOptions o;
  o.coa_path = coa;
  o.signer = signer_files(vm);
  o.out_path = vm["out"].as<std::string>();
  const auto r = sign::sign_coa(o, crypto::terminal_prompt);
  if (!r.problems.empty()) {
    err << "dosegate sign-coa: " << o.coa_path << " was not signed:\n"
        << text::escape_controls(join_diagnostics(r.problems), true) << '\n';
    return kNo;
  }
  out << "signed " << r.coa_id << " (" << r.algorithm << ", " << r.certificates << " certificate"
      << (r.certificates == 1 ? "" : "s") << " in X509Data)\n"
      << "  signer  " << r.signer.subject << "\n"
      << "  SHA-256 " << r.signer.sha256 << "\n"
      << "wrote " << o.out_path << '\n';
  return kYes;
}

int cmd_release(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                const Environment& env) {
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
     "how long to wait for another release into --out, or for the ledger; default 300");
  // clang-format on
  add_coa_checks(opts, false);
  add_ledger(opts);
  opts.add_options()("quiet", "no verification report, only the records written");
  refuse_as_of(args, "release");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate release COA.xml --trust DIR --key KEY.pem --cert CERT.pem\n"
         "                        [--chain CHAIN.pem] [--passphrase-file FILE] --out DIR\n"
         "                        [--spec SPEC.xml] [--signature COA.xml.p7s] [--meaning TEXT]\n"
         "                        [--reason TEXT] [--role TEXT] [--ledger FILE]\n"
         "                        [--again --reason TEXT] [--wait SECONDS] [--quiet]",
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
         "records. One release at a time per --out directory (DIR/.dosegate-release.lock);\n"
         "another waits for it, with progress, for at most --wait seconds. Ctrl-C or SIGTERM\n"
         "before the ledger commit rolls back and removes the unfinished records (exit 130 or\n"
         "143).\n",
         "released: every record written",
         "rejected: the report says why (the documents or the lot's history); nothing written",
         "dosegate could not do its job: usage error, unreadable file, a key or certificate it "
         "refuses\n"
         "     to sign with, a record that already exists, a lot already released, another\n"
         "     release into --out or a ledger still busy after --wait\n"
         "  130  interrupted by SIGINT (143: by SIGTERM) before the commit; nothing released",
         "  dosegate release samples/coa-pass.xml --trust certs/trust \\\n"
         "      --key certs/test-pki/releaser-ec.key.pem \\\n"
         "      --cert certs/test-pki/releaser-ec.cert.pem --out records/\n"},
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
  if (o.again && o.reason.empty())
    throw UsageError("--again needs --reason TEXT saying why the records are issued again");
  if (vm.count("wait")) {
    const int seconds = vm["wait"].as<int>();
    if (seconds < 0) throw UsageError("--wait takes a number of seconds, 0 or more");
    o.wait = std::chrono::seconds(seconds);
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
  if (!vm.count("quiet")) print_text(r.report, out);
  std::string entries;
  for (auto seq : r.ledger_entries) entries += (entries.empty() ? "" : ", ") + std::to_string(seq);
  if (!r.released) {
    if (vm.count("quiet"))  // the report is not printed: say why all the same
      for (const auto& f : r.report.findings)
        if (f.severity == Severity::error) out << f.code << ": " << f.message << '\n';
    out << "\nNo release records written. The rejection is ledger entry " << entries << " in "
        << r.ledger_path << ".\n";
    return kNo;
  }
  out << "\nReleased " << r.records.size() << " dose" << (r.records.size() == 1 ? "" : "s")
      << " into " << o.out_dir << " (ledger entries " << entries << " in " << r.ledger_path
      << "):\n";
  for (const auto& path : r.records) out << "  " << path << '\n';
  if (r.reissue_of)
    out << "Re-issued records of release entry " << *r.reissue_of << " (--again): " << r.reason
        << '\n';
  return kYes;
}

int cmd_confirm(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_trust(opts, "the record's signer must be in releasers/");
  // clang-format off
  opts.add_options()
    ("dose", po::value<std::string>()->value_name("SCANNED"),
     "what the scanner reads from the bag label (=DIN+flags then =<product code, e.g. "
     "=A99992600014700=<S7777VA0), or the eye-readable DIN with its check character and the "
     "product code (A9999 26 000147 9 S7777VA0); required")
    ("staff", po::value<std::string>()->value_name("ID"),
     "who confirms, recorded in the ledger; default: the login name");
  // clang-format on
  add_time(opts, "thawed-at", "when the dose was thawed; checks the use-within window");
  add_ledger(opts);
  opts.add_options()("no-recall-check",
                     "answer without the ledger's recall status when it cannot be read "
                     "(shown in the answer)");
  add_time(opts, "as-of",
           "answer as of this time instead of now (a check only: never recorded in the ledger)");
  add_time(opts, "at", "the same as --as-of (the earlier name)");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate confirm RECORD.pdf --trust DIR --dose SCANNED [--thawed-at TIME]\n"
         "                        [--staff ID] [--ledger FILE] [--no-recall-check]\n"
         "                        [--as-of TIME] [--json]",
         "Answers GO or NO-GO, on the first line, for the dose in hand: GO only if the\n"
         "record's signature is valid, covers the whole file and chains to an anchor in the\n"
         "releasers/ role with nothing revoked; the release data in the signed record match\n"
         "the scanned lot, product code and division; the lot has not expired; the thaw\n"
         "window (with --thawed-at) has not passed; and the ledger shows no recall. Every\n"
         "failure is named. Pending tests are shown on a GO line. The confirmation is\n"
         "appended to the ledger with the staff id; never GO without it. At most 5 s are\n"
         "spent waiting for a ledger another process holds locked: then NO-GO\n"
         "(confirm.ledger-busy, confirm.not-recorded). A confirmation made with --as-of (or\n"
         "--at) is not recorded (\"not recorded: --as-of given\"), so that none can be\n"
         "back-dated.\n",
         "GO", "NO-GO",
         "could not check: malformed scan, unreadable record or trust directory, usage error",
         "  dosegate confirm records/A999926000147-S1234V00-A0.pdf --trust certs/trust \\\n"
         "      --dose '=A99992600014700=<S1234VA0' --staff nurse-17\n"},
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
  o.scanned = vm["dose"].as<std::string>();
  o.ledger_path = optional_arg(vm, "ledger");
  o.no_recall_check = vm.count("no-recall-check") > 0;
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

int cmd_history(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  // clang-format off
  opts.add_options()
    ("lot", po::value<std::string>()->value_name("DIN"), "only this lot (13-character DIN)")
    ("kind", po::value<std::string>()->value_name("KIND"),
     "only entries of this kind: release, records, rejection, recall, confirm");
  // clang-format on
  add_time(opts, "since", "only entries at or after this time");
  add_time(opts, "until", "only entries at or before this time");
  opts.add_options()(
      "format", po::value<std::string>()->value_name("table|csv|json")->default_value("table"),
      "output format; CSV is UTF-8 with a byte order mark and CRLF, as spreadsheets expect");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate history [--ledger FILE] [--lot DIN] [--kind KIND] [--since TIME]\n"
         "                        [--until TIME] [--format table|csv|json]",
         "Lists the ledger's entries: every release, rejection, recall and confirmation,\n"
         "who signed it, when, why, and which CoA and specification version. Every export\n"
         "ends with the chain head (the ledger's last entry and its hash): keep it, and\n"
         "`dosegate audit --expect-head HASH` proves later that nothing was dropped.\n",
         "listed", nullptr,
         "dosegate could not do its job: the ledger cannot be read, or the options are wrong",
         "  dosegate history --lot A999926000147 --format csv > lot.csv\n"},
        opts);
    return kYes;
  }
  if (!positionals(vm).empty()) throw UsageError("history takes no file arguments");
  ledger::Filter f;
  f.din = optional_arg(vm, "lot");
  if (f.din && !isbt128::is_valid_din(*f.din))
    throw UsageError("--lot '" + *f.din + "' is not a 13-character DIN (e.g. A999926000147)");
  f.kind = optional_arg(vm, "kind");
  const std::vector<std::string> kinds{"release", "records", "rejection", "recall", "confirm"};
  if (f.kind && std::find(kinds.begin(), kinds.end(), *f.kind) == kinds.end())
    throw UsageError("--kind '" + *f.kind +
                     "' is not one of release, records, rejection, recall, confirm");
  if (const auto t = time_option(vm, "since", env)) f.since = format_instant(*t);
  if (const auto t = time_option(vm, "until", env)) f.until = format_instant(*t);
  const auto format = vm["format"].as<std::string>();
  if (format != "table" && format != "csv" && format != "json")
    throw UsageError("--format '" + format + "' is not table, csv or json");
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  const auto entries = ledger.entries(f);
  const auto head = ledger.head();
  if (format == "csv")
    ledger::write_csv(out, entries, head);
  else if (format == "json")
    ledger::write_json(out, entries, head, path);
  else
    ledger::write_table(out, entries, head);
  return kYes;
}

int cmd_audit(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description opts("Options");
  add_help(opts);
  add_ledger(opts);
  add_trust(opts, "the entries' signers must be in releasers/");
  opts.add_options()(
      "expect-head", po::value<std::string>()->value_name("HASH"),
      "a chain head hash from an earlier export or record: the ledger must still contain it");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(out,
               {"dosegate audit --trust DIR [--ledger FILE] [--expect-head HASH] [--json]",
                "Recomputes the ledger's hash chain and every entry's hash, verifies every\n"
                "signature under the trust policy (as of the entry's own time), and checks that\n"
                "the append-only triggers are in place and no tail was removed. Says INTACT, or\n"
                "names the first entry that is wrong: a changed value, a deleted or reordered\n"
                "entry, a truncated tail, a forged signature.\n",
                "intact", "tampered",
                "dosegate could not do its job: the ledger or trust directory cannot be read",
                "  dosegate audit --trust certs/trust --expect-head HASH\n"},
               opts);
    return kYes;
  }
  require(vm, {"trust"});
  const crypto::TrustStore trust(vm["trust"].as<std::string>());
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  const auto r = ledger::audit(ledger, trust, optional_arg(vm, "expect-head"));
  if (vm.count("json"))
    ledger::print_json(r, path, out);
  else
    ledger::print_text(r, path, out);
  return r.intact() ? kYes : kNo;
}

int cmd_recall(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  opts.add_options()("reason", po::value<std::string>()->value_name("TEXT"),
                     "why the lot is withdrawn; required");
  add_trust(opts, "the signer must be in releasers/");
  add_signer(opts, "the releaser's");
  add_ledger(opts);
  refuse_as_of(args, "recall");
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate recall DIN --reason TEXT --trust DIR --key KEY.pem --cert CERT.pem\n"
         "                       [--chain CHAIN.pem] [--passphrase-file FILE] [--ledger FILE]",
         "Withdraws a released lot: appends a recall entry, signed by a releaser, to the\n"
         "ledger, at the clock's time (there is no --as-of). Later bedside confirmations of\n"
         "any dose of the lot answer NO-GO.\n",
         "recalled", nullptr,
         "dosegate could not do its job: usage error, unreadable ledger, a lot never released, a "
         "key\n"
         "     that cannot be used or a certificate the trust policy refuses",
         "  dosegate recall A999926000147 --reason 'sterility retest positive' \\\n"
         "      --trust certs/trust --key certs/test-pki/releaser-ec.key.pem \\\n"
         "      --cert certs/test-pki/releaser-ec.cert.pem\n"},
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
  const auto r = recall(o, crypto::terminal_prompt);
  out << "Recalled lot " << isbt128::din_eye_readable(o.din) << ": ledger entry " << r.seq
      << ", SHA-256 " << r.hash << "\n";
  return kYes;
}

constexpr const char* kCommands = "verify, release, confirm, history, audit, recall, sign-coa";

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env_in) {
  Environment env = env_in;
#ifdef DOSEGATE_FAULT_INJECTION
  // Test builds only (CMake option DOSEGATE_FAULT_INJECTION, off in the release preset): the
  // tests that start dosegate as a process set its clock with DOSEGATE_TEST_NOW.
  if (const char* now = std::getenv("DOSEGATE_TEST_NOW"); now && *now) {
    const auto fixed = parse_utc_instant(now);
    if (!fixed) {
      err << "dosegate: DOSEGATE_TEST_NOW='" << now << "' is not a UTC time\n";
      return kCannot;
    }
    env.now = [t = *fixed] { return t; };
  }
#endif
  if (args.empty()) {
    err << kMainHelp;
    return kCannot;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || (command == "help" && args.size() == 1)) {
    out << kMainHelp;
    return kYes;
  }
  if (command == "help") return run({args[1], "--help"}, out, err, env);
  if (command == "--version") {
    out << "dosegate " << version() << '\n';
    return kYes;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return guarded(command, err, [&] {
    if (command == "verify") return cmd_verify(rest, out, env);
    if (command == "sign-coa") return cmd_sign_coa(rest, out, err);
    if (command == "release") return cmd_release(rest, out, err, env);
    if (command == "confirm") return cmd_confirm(rest, out, env);
    if (command == "history") return cmd_history(rest, out, env);
    if (command == "audit") return cmd_audit(rest, out);
    if (command == "recall") return cmd_recall(rest, out, env);
    if (!command.empty() && command[0] == '-')
      return usage_error(err, "", "expected a command before '" + command + "'");
    return usage_error(err, "", "unknown command '" + command + "'; available: " + kCommands);
  });
}

}  // namespace dosegate::cli
