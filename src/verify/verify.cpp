#include "verify/verify_with_trust.hpp"

#include <sys/stat.h>

#include "crypto/cms.hpp"
#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "crypto/xmldsig.hpp"
#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

constexpr const char* kRoot = "/CertificateOfAnalysis";

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void add_all(std::vector<Finding>& to, const std::vector<Finding>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// Verifies the CoA's signature (detached CMS when there is one, else enveloped XML-DSig) and
// returns the bytes it covers when the signature and its signer hold.
std::optional<std::string> check_signature(const VerifyOptions& options, const std::string& bytes,
                                           const std::optional<std::string>& detached,
                                           const crypto::TrustStore& trust, VerifyReport& report) {
  auto& sig = report.signature;
  std::vector<Finding> findings;
  std::optional<std::string> signed_content;
  if (detached) {
    sig.method = "detached CMS (" + *detached + ")";
    const auto result =
        crypto::verify_detached(text::read_file(*detached), bytes, trust, crypto::Role::lab,
                                options.as_of, kRoot, "this CoA");
    sig.algorithm = result.algorithm;
    if (result.signer_found) sig.signer = result.signer;
    findings = result.findings;
    if (findings.empty()) signed_content = bytes;
  } else {
    const auto result = crypto::xmldsig::verify_enveloped(bytes, options.coa_path);
    if (!result.present && result.findings.empty()) {
      sig.method = "none";
      findings.push_back(Finding{"signature.missing", Severity::error,
                                 "the CoA is not signed: it holds no enveloped ds:Signature and "
                                 "no detached signature " +
                                     options.coa_path +
                                     ".p7s lies beside it (give one with --signature)",
                                 kRoot});
    } else {
      sig.method = "enveloped XML-DSig";
      sig.algorithm = result.algorithm;
      findings = result.findings;
      if (findings.empty()) {
        auto check = trust.check(*result.signer, result.extra, crypto::Role::lab, options.as_of,
                                 kRoot + std::string("/Signature"));
        sig.signer = check.signer;
        findings = std::move(check.findings);
        if (findings.empty()) signed_content = result.signed_content;
      }
    }
  }
  sig.verified = findings.empty() && signed_content.has_value();
  sig.detail = sig.verified ? "valid; the signer chains to an anchor, is not revoked and is "
                              "allowed to sign CoAs (labs/)"
                            : findings.front().message;
  add_all(report.findings, findings);
  return signed_content;
}

}  // namespace

VerifyReport verify(const VerifyOptions& options) {
  // Everything that makes the job impossible is checked before any finding is produced.
  const crypto::TrustStore trust(options.trust_dir);
  return verify(options, trust);
}

VerifyReport verify(const VerifyOptions& options, const crypto::TrustStore& trust) {
  VerifyReport report;
  report.as_of = options.as_of;
  report.coa_path = options.coa_path;
  report.specification = options.spec_path
                             ? spec::read(text::read_file(*options.spec_path), *options.spec_path)
                             : spec::default_specification();
  const std::string bytes = text::read_file(options.coa_path);
  std::optional<std::string> detached = options.signature_path;
  if (detached) {
    text::read_file(*detached);  // unreadable: cannot do the job
  } else if (file_exists(options.coa_path + ".p7s")) {
    detached = options.coa_path + ".p7s";
  }
  report.coa_sha256 = crypto::sha256_hex(bytes);

  // The file as a whole must be a well-formed CoA (errors with the file's own line numbers).
  auto raw = coa::read(bytes, options.coa_path);
  for (const auto& d : raw.errors)
    report.findings.push_back(Finding{"coa.malformed", Severity::error, d.to_string(), d.path});

  const auto signed_content = check_signature(options, bytes, detached, trust, report);

  // Business data comes only from the bytes the signature covers.
  if (signed_content && raw.errors.empty()) {
    auto covered = coa::read(*signed_content, options.coa_path + " (signed content)");
    for (const auto& d : covered.errors)
      report.findings.push_back(Finding{"coa.malformed", Severity::error, d.to_string(), d.path});
    if (covered.certificate) {
      report.certificate = std::move(covered.certificate);
      report.evaluation = evaluate(*report.certificate, report.specification, options.as_of);
      report.evaluated = true;
      add_all(report.findings, report.evaluation.findings);
    }
  }
  report.decision = decide(report.findings, report.evaluation.pending);
  return report;
}

}  // namespace dosegate
