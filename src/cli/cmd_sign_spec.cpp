// `dosegate sign-spec`: an approver signs a release specification.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/error.hpp"
#include "sign/sign_spec.hpp"
#include "token/token.hpp"
#include "util/json.hpp"

namespace dosegate::cli::detail {

int cmd_sign_spec(const Args& args, std::ostream& out, std::ostream& /*err*/,
                  const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  add_signer(opts, "the approver's");
  opts.add_options()("out", po::value<std::string>()->value_name("SIGNED.xml"),
                     "where to write the approved specification (written atomically); required");
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate sign-spec SPEC.xml --key KEY.pem|pkcs11:URI [--cert CERT.pem]\n"
         "                          [--chain CHAIN.pem] [--passphrase-file FILE | --pin-file "
         "FILE]\n"
         "                          --out SIGNED.xml [--json]",
         "Approves a release specification: sets its approval time (attribute approved-at,\n"
         "UTC, now) and signs it with an enveloped XML-DSig as sign-coa does (exclusive c14n,\n"
         "SHA-256, ECDSA-SHA256 or RSA-SHA256, the certificate and chain in X509Data).\n"
         "verify, release and complete accept the result as --spec when the signer's\n"
         "certificate is in the trust directory's approvers/. The specification must be valid\n"
         "and unsigned. The result verifies in xmlsec1 as a signed CoA does.\n",
         "signed and written", nullptr,
         "dosegate could not do its job: usage error, unreadable file, an invalid or already\n"
         "     signed specification, a key that does not match its certificate, a wrong or\n"
         "     missing passphrase; nothing written",
         "  dosegate sign-spec my-spec.xml --key certs/test-pki/approver.key.pem \\\n"
         "      --cert certs/test-pki/approver.cert.pem --chain certs/test-pki/qa-chain.pem \\\n"
         "      --out my-spec.signed.xml\n"
         "  dosegate sign-spec my-spec.xml --pin-file approver.pin \\\n"
         "      --key 'pkcs11:token=QA;object=approver' --out my-spec.signed.xml\n"},
        opts);
    return kYes;
  }
  const auto spec_path =
      one_file(vm, "missing the specification to sign", "sign-spec signs one specification");
  require(vm, {"key"});
  // A token holds its certificate beside the key; a key file needs --cert.
  if (!token::is_uri(vm["key"].as<std::string>())) require(vm, {"cert"});
  require(vm, {"out"});
  sign::SignSpecOptions o;
  o.spec_path = spec_path;
  o.signer = signer_files(vm);
  o.out_path = vm["out"].as<std::string>();
  o.approved_at = env.now();
  const auto r = sign::sign_spec(o, crypto::terminal_prompt);
  const auto& s = r.specification;
  if (vm.count("json")) {
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "sign-spec").field("decision", "signed");
    w.field("spec", spec_path).field("out", o.out_path);
    w.key("specification").begin_object();
    w.field("id", s.id).field("version", s.version).field("sha256", s.sha256);
    w.end_object();
    w.field("approved_at", format_instant(o.approved_at)).field("algorithm", r.algorithm);
    w.key("certificates").value(static_cast<long long>(r.certificates));
    w.key("approver").begin_object();
    w.field("subject", r.signer.subject).field("sha256", r.signer.sha256);
    w.end_object();
    w.key("findings").begin_array().end_array();
    w.end_object();
    return kYes;
  }
  out << "approved specification " << s.id << " version " << s.version << " at "
      << format_instant(o.approved_at) << " (" << r.algorithm << ", " << r.certificates
      << " certificate" << (r.certificates == 1 ? "" : "s") << " in X509Data)\n"
      << "  approver " << r.signer.subject << "\n"
      << "  SHA-256  " << r.signer.sha256 << "\n"
      << "  content  " << s.sha256 << " (the specification's SHA-256 on records)\n"
      << "wrote " << o.out_path << '\n';
  return kYes;
}

}  // namespace dosegate::cli::detail
