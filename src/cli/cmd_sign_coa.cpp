// `dosegate sign-coa`: a laboratory signs a CoA.
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "crypto/keys.hpp"
#include "dosegate/error.hpp"
#include "sign/sign_coa.hpp"
#include "token/token.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int cmd_sign_coa(const Args& args, std::ostream& out, std::ostream& err,
                 const Environment& /*env*/) {
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
  require(vm, {"key"});
  // A token holds its certificate beside the key; a key file needs --cert.
  if (!token::is_uri(vm["key"].as<std::string>())) require(vm, {"cert"});
  require(vm, {"out"});
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

}  // namespace dosegate::cli::detail
