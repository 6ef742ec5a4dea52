#include "dosegate/verify/verify.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "crypto/sha256.hpp"
#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void require_directory(const std::string& path, const char* what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IoError(path + ": cannot open " + what + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) throw IoError(path + ": " + what + " is not a directory");
}

}  // namespace

VerifyReport verify(const VerifyOptions& options) {
  VerifyReport report;
  report.as_of = options.as_of;
  report.coa_path = options.coa_path;

  // Everything that makes the job impossible is checked before any finding is produced.
  require_directory(options.trust_dir, "trust directory");
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

  auto read = coa::read(bytes, options.coa_path);
  for (const auto& d : read.errors)
    report.findings.push_back(Finding{"coa.malformed", Severity::error, d.to_string(), d.path});

  // Signature verification arrives with the signatures work; until then no CoA is releasable.
  report.signature.method = detached ? "detached CMS"
                            : (read.certificate && read.certificate->has_enveloped_signature)
                                ? "enveloped XML-DSig"
                                : "none found";
  report.signature.verified = false;
  report.signature.detail = "signature verification is not implemented in this version";
  report.findings.push_back(
      Finding{"signature.not-verified", Severity::error,
              "the CoA's signature (" + report.signature.method +
                  ") was not verified: this version of dosegate cannot verify signatures yet, so "
                  "no CoA is releasable",
              "/CertificateOfAnalysis"});

  if (read.certificate) {
    report.certificate = std::move(read.certificate);
    report.evaluation = evaluate(*report.certificate, report.specification, options.as_of);
    report.findings.insert(report.findings.end(), report.evaluation.findings.begin(),
                           report.evaluation.findings.end());
  }
  report.decision = decide(report.findings, report.evaluation.pending);
  return report;
}

}  // namespace dosegate
