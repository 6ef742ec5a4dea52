#include "dosegate/cli/cli.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <sstream>

#include "cli/common.hpp"
#include "cli/confirm_command.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release/release.hpp"
#include "dosegate/verify/verify.hpp"
#include "dosegate/version.hpp"
#include "ledger/audit.hpp"
#include "ledger/export.hpp"
#include "pdf/pades.hpp"
#include "sign/keys.hpp"
#include "sign/sign_coa.hpp"
#include "trust/trust_store.hpp"

namespace po = boost::program_options;

namespace dosegate::cli {
namespace {

using detail::kLedgerHelp;
using detail::optional_arg;
using detail::parse;
using detail::positionals;
using detail::usage_error;

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  yes: releasable (including releasable with pending tests the specification allows)\n"
    "  1  no: rejected for a reason found in the documents (failed or missing criterion,\n"
    "     malformed CoA, bad or untrusted signature, expired lot, ...)\n"
    "  2  dosegate could not do its job: usage error, unreadable file or directory, invalid\n"
    "     specification or trust configuration\n";

constexpr const char* kMainHelp =
    "dosegate: release gate for cell-therapy lots. Checks a laboratory's Certificate of\n"
    "Analysis (CoA) against a versioned release specification.\n"
    "\n"
    "Usage: dosegate COMMAND [OPTIONS]\n"
    "       dosegate COMMAND --help\n"
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
    "\n";

// Reads --as-of, or the clock.
Instant verification_time(const po::variables_map& vm, const Environment& env) {
  if (!vm.count("as-of")) return env.now();
  const auto text = vm["as-of"].as<std::string>();
  const auto t = parse_utc_instant(text);
  if (!t)
    throw UsageError("--as-of '" + text +
                     "' is not a UTC time; write YYYY-MM-DDThh:mm:ssZ, e.g. 2026-11-21T09:30:00Z");
  return *t;
}

int cmd_verify(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("spec", po::value<std::string>()->value_name("SPEC.xml"),
     "release specification (urn:dosegate:spec:1); default: the built-in wj-msc version 1, "
     "shipped as samples/specs/wj-msc.xml")
    ("trust", po::value<std::string>()->value_name("DIR"),
     "trust directory (anchors/, intermediates/, crls/, labs/, releasers/); required")
    ("signature", po::value<std::string>()->value_name("COA.xml.p7s"),
     "detached CMS signature; default: COA.xml.p7s beside the CoA when it exists")
    ("as-of", po::value<std::string>()->value_name("TIME"),
     "verify as of this UTC time (YYYY-MM-DDThh:mm:ssZ) instead of now")
    ("json", "print one JSON object instead of the table");
  // clang-format on
  const auto vm = parse(args, opts);

  if (vm.count("help")) {
    out << "Usage: dosegate verify COA.xml --trust DIR [--spec SPEC.xml] [--signature "
           "COA.xml.p7s]\n"
           "                       [--as-of TIME] [--json]\n"
           "\n"
           "Checks one Certificate of Analysis without side effects: the document against the\n"
           "CoA format (schemas/coa.xsd), its signature (enveloped XML-DSig, or a detached CMS\n"
           "signature) and signer (chain to an anchor, CRLs, labs/ allow-list), then, on the\n"
           "signed content only, every criterion of the release\n"
           "specification (exact decimals, units compared exactly), dose viable cells, lot\n"
           "expiry and the laboratory's accreditation. Prints each criterion with its\n"
           "specification, result and verdict, the pending tests, every finding and the\n"
           "decision: releasable, releasable-pending or rejected.\n"
           "\n"
        << opts << "\n"
        << kExitCodes
        << "\nExample:\n"
           "  dosegate verify samples/coa-pass.xml --trust certs/trust\n";
    return kYes;
  }
  const auto coas = positionals(vm);
  if (coas.empty()) throw UsageError("missing the CoA to verify (dosegate verify COA.xml ...)");
  if (coas.size() > 1)
    throw UsageError("verify checks one CoA at a time; got " + std::to_string(coas.size()) +
                     " files (" + coas[0] + ", " + coas[1] + (coas.size() > 2 ? ", ..." : "") +
                     ")");
  if (!vm.count("trust"))
    throw UsageError(
        "missing --trust DIR: the trust directory that says which laboratories may "
        "sign CoAs");

  VerifyOptions options;
  options.coa_path = coas[0];
  options.trust_dir = vm["trust"].as<std::string>();
  if (vm.count("spec")) options.spec_path = vm["spec"].as<std::string>();
  if (vm.count("signature")) options.signature_path = vm["signature"].as<std::string>();
  options.as_of = verification_time(vm, env);

  const auto report = verify(options);
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
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("key", po::value<std::string>()->value_name("KEY.pem"),
     "the laboratory signer's private key (PEM, ECDSA P-256 or RSA >= 2048); required")
    ("cert", po::value<std::string>()->value_name("CERT.pem"),
     "the signer's certificate (further certificates in the file are included as chain); "
     "required")
    ("chain", po::value<std::string>()->value_name("CHAIN.pem"),
     "intermediate CA certificates to include in the signature")
    ("passphrase-file", po::value<std::string>()->value_name("FILE"),
     "read the key's passphrase from the first line of FILE; without it an encrypted key's "
     "passphrase is asked for on the terminal")
    ("out", po::value<std::string>()->value_name("SIGNED.xml"),
     "where to write the signed CoA (written atomically); required");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate sign-coa COA.xml --key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
           "                         [--passphrase-file FILE] --out SIGNED.xml\n"
           "\n"
           "Signs a Certificate of Analysis with an enveloped XML-DSig (exclusive c14n,\n"
           "SHA-256, ECDSA-SHA256 or RSA-SHA256 by key type, the certificate and chain in\n"
           "X509Data) as the last child of the root. The CoA must be valid and unsigned. The\n"
           "result verifies in dosegate and in\n"
           "  xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty \\\n"
           "          --trusted-pem ROOT.pem SIGNED.xml\n"
           "\n"
        << opts << "\n"
        << "Exit codes:\n"
           "  0  signed and written\n"
           "  1  the CoA is malformed or already signed; nothing written\n"
           "  2  dosegate could not do its job: usage error, unreadable file, a key that does\n"
           "     not match its certificate, a wrong or missing passphrase\n"
           "\nExample:\n"
           "  dosegate sign-coa coa.xml --key certs/test-pki/lab-ec.key.pem \\\n"
           "      --cert certs/test-pki/lab-ec.cert.pem --chain certs/test-pki/lab-chain.pem \\\n"
           "      --out coa.signed.xml\n";
    return kYes;
  }
  const auto coas = positionals(vm);
  if (coas.size() != 1)
    throw UsageError(coas.empty() ? "missing the CoA to sign" : "sign-coa signs one CoA at a time");
  for (const char* required : {"key", "cert", "out"})
    if (!vm.count(required)) throw UsageError(std::string("missing --") + required);
  sign::SignCoaOptions o;
  o.coa_path = coas[0];
  o.key_path = vm["key"].as<std::string>();
  o.cert_path = vm["cert"].as<std::string>();
  o.out_path = vm["out"].as<std::string>();
  if (vm.count("chain")) o.chain_path = vm["chain"].as<std::string>();
  if (vm.count("passphrase-file")) o.passphrase_file = vm["passphrase-file"].as<std::string>();
  const auto r = sign::sign_coa(o, sign::terminal_prompt);
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
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("trust", po::value<std::string>()->value_name("DIR"),
     "trust directory; the CoA's signer must be in labs/, the releaser in releasers/; required")
    ("key", po::value<std::string>()->value_name("KEY.pem|KEY.p12"),
     "the QA releaser's private key: PEM (with --cert) or PKCS#12; required")
    ("cert", po::value<std::string>()->value_name("CERT.pem"), "the releaser's certificate")
    ("chain", po::value<std::string>()->value_name("CHAIN.pem"),
     "intermediate CA certificates to embed in each record")
    ("passphrase-file", po::value<std::string>()->value_name("FILE"),
     "read the key's passphrase from FILE; without it the passphrase is asked for on the "
     "terminal (re-authentication at signing)")
    ("out", po::value<std::string>()->value_name("DIR"),
     "directory for the records, created if missing; required")
    ("spec", po::value<std::string>()->value_name("SPEC.xml"),
     "release specification; default: the built-in wj-msc version 1")
    ("signature", po::value<std::string>()->value_name("COA.xml.p7s"),
     "detached CMS signature of the CoA")
    ("meaning", po::value<std::string>()->value_name("TEXT"),
     "meaning of the release signature; default: \"Released for clinical use\"")
    ("reason", po::value<std::string>()->value_name("TEXT"), "reason, shown on every record")
    ("role", po::value<std::string>()->value_name("TEXT"),
     "the releaser's role; default: \"Quality Assurance, lot release\"")
    ("as-of", po::value<std::string>()->value_name("TIME"),
     "release as of this UTC time instead of now (for reproducible records)")
    ("ledger", po::value<std::string>()->value_name("FILE"),
     "the ledger to record the decision in; default: $DOSEGATE_LEDGER, else "
     "$XDG_STATE_HOME/dosegate/ledger.sqlite or ~/.local/state/dosegate/ledger.sqlite")
    ("quiet", "no verification report, only the records written");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate release COA.xml --trust DIR --key KEY.pem --cert CERT.pem\n"
           "                        [--chain CHAIN.pem] --out DIR [--spec SPEC.xml] ...\n"
           "\n"
           "Verifies the CoA exactly as `dosegate verify` does. When the lot is releasable\n"
           "(also with pending tests the specification allows), writes one PDF release record\n"
           "per dose into --out, named DIN-PRODUCTCODE-DIVISION.pdf, each signed with the QA\n"
           "releaser's key (PAdES, ETSI.CAdES.detached) and carrying the release data as a\n"
           "signed attachment. A rejected lot gets no record. The releaser's certificate must\n"
           "pass the trust policy in the releasers/ role: dosegate does not produce a record\n"
           "its own checks would reject. Existing records are never overwritten.\n"
           "\n"
        << opts << "\n"
        << "Exit codes:\n"
           "  0  released: every record written\n"
           "  1  rejected: the report says why; nothing written\n"
           "  2  dosegate could not do its job: usage error, unreadable file, a key or\n"
           "     certificate it refuses to sign with, a record that already exists\n";
    return kYes;
  }
  const auto coas = positionals(vm);
  if (coas.size() != 1)
    throw UsageError(coas.empty() ? "missing the CoA to release" : "release takes one CoA");
  for (const char* required : {"trust", "key", "out"})
    if (!vm.count(required)) throw UsageError(std::string("missing --") + required);
  ReleaseOptions o;
  o.verify.coa_path = coas[0];
  o.verify.trust_dir = vm["trust"].as<std::string>();
  if (vm.count("spec")) o.verify.spec_path = vm["spec"].as<std::string>();
  if (vm.count("signature")) o.verify.signature_path = vm["signature"].as<std::string>();
  o.verify.as_of = verification_time(vm, env);
  o.key_path = vm["key"].as<std::string>();
  if (vm.count("cert")) o.cert_path = vm["cert"].as<std::string>();
  if (vm.count("chain")) o.chain_path = vm["chain"].as<std::string>();
  if (vm.count("passphrase-file")) o.passphrase_file = vm["passphrase-file"].as<std::string>();
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("meaning")) o.meaning = vm["meaning"].as<std::string>();
  if (vm.count("reason")) o.reason = vm["reason"].as<std::string>();
  if (vm.count("role")) o.role = vm["role"].as<std::string>();
  if (vm.count("ledger")) o.ledger_path = vm["ledger"].as<std::string>();
  o.on_recovered = [&](const std::string& note) {
    err << "dosegate release: earlier interrupted release: " << note << '\n';
  };

  // Progress on long releases, on the diagnostic stream so that the output stays parseable.
  auto progress = [&](std::size_t done, std::size_t total) {
    if (total >= 50 && (done % 100 == 0 || done == total))
      err << "dosegate release: " << done << " of " << total << " records written\n";
  };
  const auto r = release(o, sign::terminal_prompt, progress);
  if (!vm.count("quiet")) print_text(r.report, out);
  std::string entries;
  for (auto seq : r.ledger_entries) entries += (entries.empty() ? "" : ", ") + std::to_string(seq);
  if (!r.released) {
    out << "\nNo release records written. The rejection is ledger entry " << entries << " in "
        << r.ledger_path << ".\n";
    return kNo;
  }
  out << "\nReleased " << r.records.size() << " dose" << (r.records.size() == 1 ? "" : "s")
      << " into " << o.out_dir << " (ledger entries " << entries << " in " << r.ledger_path
      << "):\n";
  for (const auto& path : r.records) out << "  " << path << '\n';
  return kYes;
}

int cmd_history(const std::vector<std::string>& args, std::ostream& out) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("ledger", po::value<std::string>()->value_name("FILE"), kLedgerHelp)
    ("lot", po::value<std::string>()->value_name("DIN"), "only this lot (13-character DIN)")
    ("kind", po::value<std::string>()->value_name("KIND"),
     "only entries of this kind: release, records, rejection, recall, confirm")
    ("since", po::value<std::string>()->value_name("TIME"), "only entries at or after this UTC time")
    ("until", po::value<std::string>()->value_name("TIME"), "only entries at or before this UTC time")
    ("format", po::value<std::string>()->value_name("table|csv|json")->default_value("table"),
     "output format; CSV is UTF-8 with a byte order mark and CRLF, as spreadsheets expect");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate history [--ledger FILE] [--lot DIN] [--kind KIND] [--since TIME]\n"
           "                        [--until TIME] [--format table|csv|json]\n"
           "\n"
           "Lists the ledger's entries: every release, rejection, recall and confirmation,\n"
           "who signed it, when, why, and which CoA and specification version. Every export\n"
           "ends with the chain head (the ledger's last entry and its hash): keep it, and\n"
           "`dosegate audit --expect-head HASH` proves later that nothing was dropped.\n"
           "\n"
        << opts << "\n"
        << "Exit codes: 0 listed; 2 the ledger cannot be read or the options are wrong.\n";
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
  for (const char* t : {"since", "until"})
    if (vm.count(t) && !parse_utc_instant(vm[t].as<std::string>()))
      throw UsageError(std::string("--") + t + " '" + vm[t].as<std::string>() +
                       "' is not a UTC time; write YYYY-MM-DDThh:mm:ssZ");
  f.since = optional_arg(vm, "since");
  f.until = optional_arg(vm, "until");
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
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("ledger", po::value<std::string>()->value_name("FILE"), kLedgerHelp)
    ("trust", po::value<std::string>()->value_name("DIR"),
     "trust directory to check the entries' signatures (releasers/ role); required")
    ("expect-head", po::value<std::string>()->value_name("HASH"),
     "a chain head hash from an earlier export or record: the ledger must still contain it")
    ("json", "print one JSON object");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate audit --trust DIR [--ledger FILE] [--expect-head HASH] [--json]\n"
           "\n"
           "Recomputes the ledger's hash chain and every entry's hash, verifies every\n"
           "signature under the trust policy (as of the entry's own time), and checks that\n"
           "the append-only triggers are in place and no tail was removed. Says INTACT, or\n"
           "names the first entry that is wrong: a changed value, a deleted or reordered\n"
           "entry, a truncated tail, a forged signature.\n"
           "\n"
        << opts << "\n"
        << "Exit codes: 0 intact; 1 tampered; 2 the ledger or trust directory cannot be read.\n";
    return kYes;
  }
  if (!vm.count("trust"))
    throw UsageError("missing --trust DIR (to verify the entries' signatures)");
  const trust::TrustStore trust(vm["trust"].as<std::string>());
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  const auto ledger = ledger::Ledger::open(path, false);
  const auto r = ledger::audit(ledger, trust, optional_arg(vm, "expect-head"));
  if (vm.count("json")) {
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "audit").field("ledger", path);
    w.field("decision", r.intact() ? "intact" : "tampered");
    w.key("entries").value(static_cast<long long>(r.entries));
    w.key("chain_head");
    if (r.head) {
      w.begin_object();
      w.key("seq").value(r.head->seq).field("hash", r.head->hash);
      w.end_object();
    } else {
      w.null();
    }
    json::write_findings(w, r.findings);
    w.end_object();
  } else if (r.intact()) {
    out << "INTACT: " << r.entries << " entr" << (r.entries == 1 ? "y" : "ies") << " in " << path
        << "; every hash and signature holds.\n";
    if (r.head) out << "Chain head: entry " << r.head->seq << ", SHA-256 " << r.head->hash << '\n';
  } else {
    out << "TAMPERED: " << path << "\n";
    for (const auto& f : r.findings)
      out << "  " << f.code << "  " << text::escape_controls(f.message) << '\n';
  }
  return r.intact() ? kYes : kNo;
}

int cmd_recall(const std::vector<std::string>& args, std::ostream& out, const Environment& env) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
    ("help,h", "show this help and exit")
    ("reason", po::value<std::string>()->value_name("TEXT"), "why the lot is withdrawn; required")
    ("trust", po::value<std::string>()->value_name("DIR"),
     "trust directory; the signer must be in releasers/; required")
    ("key", po::value<std::string>()->value_name("KEY.pem|KEY.p12"), "the releaser's key; required")
    ("cert", po::value<std::string>()->value_name("CERT.pem"), "the releaser's certificate")
    ("chain", po::value<std::string>()->value_name("CHAIN.pem"), "intermediate CA certificates")
    ("passphrase-file", po::value<std::string>()->value_name("FILE"), "the key's passphrase")
    ("ledger", po::value<std::string>()->value_name("FILE"), kLedgerHelp)
    ("as-of", po::value<std::string>()->value_name("TIME"), "record the recall at this UTC time");
  // clang-format on
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    out << "Usage: dosegate recall DIN --reason TEXT --trust DIR --key KEY.pem --cert CERT.pem\n"
           "                       [--chain CHAIN.pem] [--ledger FILE]\n"
           "\n"
           "Withdraws a released lot: appends a recall entry, signed by a releaser, to the\n"
           "ledger. Later bedside confirmations of any dose of the lot answer NO-GO.\n"
           "\n"
        << opts << "\n"
        << "Exit codes: 0 recalled; 2 usage error, unreadable ledger, a lot never released, a\n"
           "key that cannot be used or a certificate the trust policy refuses.\n";
    return kYes;
  }
  const auto dins = positionals(vm);
  if (dins.size() != 1) throw UsageError("recall takes one lot DIN");
  if (!isbt128::is_valid_din(dins[0]))
    throw UsageError("'" + dins[0] + "' is not a 13-character DIN (e.g. A999926000147)");
  for (const char* required : {"reason", "trust", "key"})
    if (!vm.count(required)) throw UsageError(std::string("missing --") + required);
  const std::string reason = vm["reason"].as<std::string>();
  if (text::trim(reason).empty()) throw UsageError("--reason must say why the lot is withdrawn");
  const Instant at = verification_time(vm, env);
  const trust::TrustStore trust(vm["trust"].as<std::string>());
  const auto releaser = sign::load_releaser(
      vm["key"].as<std::string>(), optional_arg(vm, "cert"), optional_arg(vm, "chain"),
      optional_arg(vm, "passphrase-file"), sign::terminal_prompt, trust, at);
  const auto path = ledger::resolve_path(optional_arg(vm, "ledger"));
  auto ledger = ledger::Ledger::open(path, false);
  ledger::Filter f;
  f.din = dins[0];
  f.kind = "release";
  const auto releases = ledger.entries(f);
  if (releases.empty())
    throw Error("recall.unknown-lot",
                path + ": lot " + dins[0] + " was never released according to this ledger");
  ledger::Entry e;
  e.kind = "recall";
  e.decision = "recalled";
  e.at = format_instant(at);
  e.actor = releaser.signer.subject;
  e.actor_sha256 = releaser.signer.sha256;
  e.din = dins[0];
  e.divisions = releases.back().divisions;
  e.coa_id = releases.back().coa_id;
  e.coa_sha256 = releases.back().coa_sha256;
  e.spec_id = releases.back().spec_id;
  e.spec_version = releases.back().spec_version;
  e.spec_sha256 = releases.back().spec_sha256;
  e.reason = reason;
  const pdf::SigningIdentity id{releaser.key.key.get(), releaser.key.cert.get(), releaser.chain};
  ledger.begin();
  try {
    ledger.prepare(e);
    ledger.append(e, [&](const std::string& p) { return pdf::cades_detached(p, id); });
    ledger.commit();
  } catch (...) {
    ledger.rollback();
    throw;
  }
  out << "Recalled lot " << isbt128::din_eye_readable(dins[0]) << ": ledger entry " << e.seq
      << ", SHA-256 " << e.hash << "\n";
  return kYes;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env) {
  if (args.empty()) {
    err << kMainHelp << kExitCodes;
    return kCannot;
  }
  const std::string& command = args[0];
  if (command == "--help" || command == "-h" || command == "help") {
    out << kMainHelp << kExitCodes;
    return kYes;
  }
  if (command == "--version") {
    out << "dosegate " << version() << '\n';
    return kYes;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  return detail::guarded(command, err, [&] {
    if (command == "verify") return cmd_verify(rest, out, env);
    if (command == "sign-coa") return cmd_sign_coa(rest, out, err);
    if (command == "release") return cmd_release(rest, out, err, env);
    if (command == "confirm") return detail::cmd_confirm(rest, out, env);
    if (command == "history") return cmd_history(rest, out);
    if (command == "audit") return cmd_audit(rest, out);
    if (command == "recall") return cmd_recall(rest, out, env);
    if (!command.empty() && command[0] == '-')
      return usage_error(err, "", "expected a command before '" + command + "'");
    return usage_error(
        err, "",
        "unknown command '" + command +
            "'; available: verify, release, confirm, history, audit, recall, sign-coa");
  });
}

}  // namespace dosegate::cli
