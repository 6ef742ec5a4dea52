#include "sign/sign_spec.hpp"

#include "crypto/xmldsig.hpp"
#include "dosegate/error.hpp"
#include "sign/write_atomically.hpp"
#include "token/token.hpp"
#include "util/text.hpp"

namespace dosegate::sign {

SignSpecResult sign_spec(const SignSpecOptions& o, const crypto::PassphrasePrompt& prompt) {
  const std::string bytes = text::read_file(o.spec_path);
  const auto unsigned_spec = spec::read(bytes, o.spec_path);  // throws SpecError when invalid
  if (unsigned_spec.has_signature)
    throw Error(
        "spec.already-signed",
        o.spec_path + ": the specification already holds a ds:Signature; sign the unsigned file");
  auto signer = token::load_signer(o.signer, prompt);
  const std::string dated = crypto::xmldsig::with_root_attribute(bytes, o.spec_path, "approved-at",
                                                                 format_instant(o.approved_at));
  const std::string signed_doc = crypto::xmldsig::sign_enveloped(dated, o.spec_path, signer);

  // Never hand out a document that dosegate itself would not read back as this specification.
  const auto check = crypto::xmldsig::verify_enveloped(signed_doc, o.out_path);
  if (!check.findings.empty() || !check.signed_content)
    throw Error("crypto.failure", "the freshly signed specification does not verify: " +
                                      (check.findings.empty() ? std::string("no signed content")
                                                              : check.findings[0].message));
  SignSpecResult result;
  result.specification = spec::read_signed_content(*check.signed_content, o.out_path);
  if (result.specification.id != unsigned_spec.id ||
      result.specification.version != unsigned_spec.version)
    throw Error("crypto.failure", "the freshly signed specification reads back differently");
  write_atomically(o.out_path, signed_doc);
  result.signer = signer.certificate().describe();
  result.algorithm = check.algorithm;
  result.certificates = 1 + signer.chain().size();
  return result;
}

}  // namespace dosegate::sign
