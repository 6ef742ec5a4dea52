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

std::string reason_of(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) out += (out.empty() ? "" : "; ") + f.code + ": " + f.message;
  return out;
}

// The specification: the built-in one, or a file that a certificate of the approvers/ role
// signed (read from the bytes the signature covers); anything else only under
// --allow-unapproved-spec.
void load_specification(const VerifyOptions& o, const crypto::TrustStore& trust,
                        VerifyReport& report) {
  auto& a = report.spec_approval;
  if (!o.spec_path) {
    report.specification = spec::default_specification();
    a.status = SpecApproval::Status::built_in;
  } else {
    const std::string& path = *o.spec_path;
    const std::string bytes = text::read_file(path);
    const auto sig = crypto::xmldsig::verify_enveloped(bytes, path);
    std::string why;
    if (!sig.present && sig.findings.empty()) {
      report.specification = spec::read(bytes, path);
      if (report.specification.sha256 == spec::default_specification().sha256) {
        a.status = SpecApproval::Status::built_in;
      } else {
        why = "the specification is not signed by an approver";
      }
    } else if (!sig.findings.empty() || !sig.signed_content) {
      throw Error("spec.signature-invalid",
                  path + ": the specification's signature does not hold (" +
                      reason_of(sig.findings) +
                      "); it was changed after approval, or signed wrongly. Use the approved "
                      "file, or have it approved again with dosegate sign-spec");
    } else {
      report.specification = spec::read_signed_content(*sig.signed_content, path);
      const auto check = trust.check(*sig.signer, sig.extra, crypto::Role::approver, o.as_of,
                                     "/ReleaseSpecification/Signature");
      a.approver = check.signer;
      a.approved_at = report.specification.approved_at;
      if (!check.ok()) {
        why = "its signer may not approve specifications: " + reason_of(check.findings);
      } else if (!a.approved_at) {
        why =
            "its signature carries no approval time (attribute approved-at); sign it with "
            "dosegate sign-spec";
      } else if (*a.approved_at > o.as_of) {
        why = "it was approved at " + format_instant(*a.approved_at) + ", after " +
              format_instant(o.as_of);
      } else {
        a.status = SpecApproval::Status::approved;
      }
    }
    if (a.status == SpecApproval::Status::unknown) {
      a.status = SpecApproval::Status::unapproved;
      a.detail = why;
      if (!o.allow_unapproved_spec)
        throw Error("spec.unapproved",
                    path + ": " + why + ". dosegate uses a specification only when it is the " +
                        "built-in one or a certificate in " + trust.dir() +
                        "/approvers/ signed it (dosegate sign-spec); to use it anyway, give " +
                        "--allow-unapproved-spec (shown in the report, the record and the " +
                        "ledger)");
      report.findings.push_back(
          Finding{"spec.unapproved", Severity::warning,
                  "SPECIFICATION NOT APPROVED (--allow-unapproved-spec): " + path + ": " + why,
                  "/ReleaseSpecification"});
    }
  }
  const auto& s = report.specification;
  const std::string name = "specification " + s.id + " version " + s.version + " (" +
                           (o.spec_path ? *o.spec_path : std::string("built-in")) + ")";
  if (s.effective_from && o.as_of < *s.effective_from)
    throw Error("spec.not-effective",
                name + " is in effect from " + format_instant(*s.effective_from) + ", not at " +
                    format_instant(o.as_of) + "; use the specification in effect at that time");
  if (s.effective_until && o.as_of > *s.effective_until)
    throw Error("spec.not-effective",
                name + " was in effect until " + format_instant(*s.effective_until) + ", not at " +
                    format_instant(o.as_of) + "; use the specification that replaced it");
}

}  // namespace

std::string SpecApproval::describe() const {
  switch (status) {
    case Status::built_in: return "built-in specification";
    case Status::approved:
      return "approved by " + (approver ? approver->subject : std::string("?")) + " (SHA-256 " +
             (approver ? approver->sha256 : std::string("?")) + ") at " +
             (approved_at ? format_instant(*approved_at) : std::string("?"));
    case Status::unapproved: return "SPECIFICATION NOT APPROVED: " + detail;
    case Status::unknown: break;
  }
  return "unknown";
}

VerifyReport verify(const VerifyOptions& options) {
  // Everything that makes the job impossible is checked before any finding is produced.
  const crypto::TrustStore trust(options.trust_dir);
  return verify(options, trust);
}

VerifyReport verify(const VerifyOptions& options, const crypto::TrustStore& trust) {
  VerifyReport report;
  report.as_of = options.as_of;
  report.coa_path = options.coa_path;
  load_specification(options, trust, report);
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
