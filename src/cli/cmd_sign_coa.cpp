// `dosegate sign-coa`: a laboratory signs a CoA.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/error.hpp"
#include "sign/sign_coa.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int cmd_sign_coa(const Args& args, std::ostream& out, std::ostream& err, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_signer(opts, "the laboratory signer's");
  opts.add_options()("out", po::value<std::string>()->value_name("SIGNED.xml"),
                     "where to write the signed CoA (written atomically); required");
  opts.add_options()("force",
                     "replace --out when it exists (without it, an existing file is "
                     "refused: io.out-exists)");
  opts.add_options()("trust", po::value<std::string>()->value_name("DIR"),
                     "refuse a certificate this trust directory would reject for labs/ "
                     "(expired, revoked, not in labs/, a releaser's), checked at the clock's time");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate sign-coa COA.xml --key KEY.pem --cert CERT.pem [--chain CHAIN.pem]\n"
         "                         [--passphrase-file FILE] --out SIGNED.xml [--force]\n"
         "                         [--trust DIR] [--json]\n"
         "       dosegate sign-coa COA.xml --key KEY.p12 [--passphrase-file FILE] --out "
         "SIGNED.xml\n"
         "                         [--force] [--trust DIR] [--json]",
         "Signs a Certificate of Analysis with an enveloped XML-DSig (exclusive c14n,\n"
         "SHA-256, ECDSA-SHA256 or RSA-SHA256 by key type, the certificate and chain in\n"
         "X509Data) as the last child of the root. The CoA must be valid and unsigned. The\n"
         "result verifies in dosegate and in\n"
         "  xmlsec1 --verify --enabled-key-data x509 --enabled-reference-uris empty \\\n"
         "          --trusted-pem ROOT.pem SIGNED.xml\n"
         "The key is PEM with --cert, or PKCS#12 (*.p12, *.pfx) holding key, certificate and\n"
         "chain. An existing --out is never replaced without --force. With --trust, the\n"
         "signer's certificate must pass that trust directory's policy for labs/ now (chain\n"
         "to an anchor, CRLs, validity, listed in labs/): dosegate does not sign what it\n"
         "would itself reject.\n",
         "signed and written", "the CoA is malformed or already signed; nothing written",
         "dosegate could not do its job: usage error, unreadable file, a key that does not match "
         "its certificate, a wrong or missing passphrase, an existing --out (io.out-exists), a "
         "certificate --trust refuses (signer.refused)",
         "  dosegate sign-coa coa.xml --key certs/test-pki/lab-ec.key.pem \\\n"
         "      --cert certs/test-pki/lab-ec.cert.pem --chain certs/test-pki/lab-chain.pem \\\n"
         "      --out coa.signed.xml\n"
         "  dosegate sign-coa coa.xml --key lab.p12 --passphrase-file pass.txt --out "
         "coa.signed.xml\n"},
        opts);
    return kYes;
  }
  const auto coa = one_file(vm, "missing the CoA to sign", "sign-coa signs one CoA at a time");
  require(vm, {"key", "out"});
  sign::SignCoaOptions o;
  o.coa_path = coa;
  o.signer = signer_files(vm);
  o.out_path = vm["out"].as<std::string>();
  o.force = vm.count("force") > 0;
  o.trust_dir = optional_arg(vm, "trust");
  o.at = env.now();
  const auto r = sign::sign_coa(o, crypto::terminal_prompt);
  if (vm.count("json")) {
    // {"decision": "signed" | "refused"}; a refused CoA's problems as findings
    // (sign-coa.invalid), located at file:line:column and the element path.
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "sign-coa");
    w.field("decision", r.problems.empty() ? "signed" : "refused");
    w.field("coa", o.coa_path).field("out", r.problems.empty() ? o.out_path : "");
    if (r.problems.empty()) {
      w.field("id", r.coa_id).field("algorithm", r.algorithm);
      w.key("certificates").value(static_cast<long long>(r.certificates));
      w.key("signer").begin_object();
      w.field("subject", r.signer.subject).field("sha256", r.signer.sha256);
      w.end_object();
    }
    w.key("findings").begin_array();
    for (const auto& p : r.problems) {
      w.begin_object();
      w.field("code", "sign-coa.invalid").field("severity", "error").field("message", p.message);
      w.field("location", p.file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                              (p.path.empty() ? "" : " " + p.path));
      w.end_object();
    }
    w.end_array();
    w.end_object();
    return r.problems.empty() ? kYes : kNo;
  }
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

}  // namespace dosegate::cli::detail
