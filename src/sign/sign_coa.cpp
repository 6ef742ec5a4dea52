#include "sign/sign_coa.hpp"

#include "crypto/xmldsig.hpp"
#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "sign/write_atomically.hpp"
#include "token/token.hpp"
#include "util/text.hpp"

namespace dosegate::sign {

SignCoaResult sign_coa(const SignCoaOptions& o, const crypto::PassphrasePrompt& prompt) {
  SignCoaResult result;
  const std::string bytes = text::read_file(o.coa_path);
  auto read = coa::read(bytes, o.coa_path);
  if (!read.errors.empty()) {
    result.problems = std::move(read.errors);
    return result;
  }
  if (read.certificate->has_enveloped_signature) {
    result.problems.push_back(Diagnostic{o.coa_path, 0, 0, "/CertificateOfAnalysis/Signature",
                                         "the CoA is already signed; sign the unsigned CoA"});
    return result;
  }
  result.coa_id = read.certificate->id;
  auto signer = token::load_signer(o.signer, prompt);
  const std::string signed_doc = crypto::xmldsig::sign_enveloped(bytes, o.coa_path, signer);

  // Never hand out a document that dosegate itself would not verify.
  const auto check = crypto::xmldsig::verify_enveloped(signed_doc, o.out_path);
  if (!check.findings.empty() || !check.signed_content)
    throw Error("crypto.failure", "the freshly signed CoA does not verify: " +
                                      (check.findings.empty() ? std::string("no signed content")
                                                              : check.findings[0].message));
  write_atomically(o.out_path, signed_doc);
  result.signer = signer.certificate().describe();
  result.algorithm = check.algorithm;
  result.certificates = 1 + signer.chain().size();
  return result;
}

}  // namespace dosegate::sign
