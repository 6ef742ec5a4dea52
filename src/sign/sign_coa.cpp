#include "sign/sign_coa.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "crypto/trust_store.hpp"
#include "crypto/xmldsig.hpp"
#include "dosegate/coa/reader.hpp"
#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate::sign {
namespace {

// Writes `bytes` to `path` through a temporary file in the same directory, synced and renamed,
// so `path` never holds a partial document.
void write_atomically(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0)
    throw IoError(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw IoError(path + ": write failed: " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0 ||
      ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw IoError(path + ": cannot write: " + std::strerror(err));
  }
}

}  // namespace

SignCoaResult sign_coa(const SignCoaOptions& o, const crypto::PassphrasePrompt& prompt) {
  SignCoaResult result;
  {
    std::error_code ec;
    if (!o.force &&
        (std::filesystem::exists(o.out_path, ec) || std::filesystem::is_symlink(o.out_path, ec)))
      throw Error("io.out-exists", o.out_path +
                                       ": exists; sign-coa does not replace a file (give another "
                                       "--out, or --force to replace it)");
  }
  // The trust directory first: a configuration it cannot read stops before any passphrase.
  std::optional<crypto::TrustStore> trust;
  if (o.trust_dir) trust.emplace(*o.trust_dir);
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
  auto signer = crypto::load_signer(o.signer.key, o.signer.cert, o.signer.chain,
                                    o.signer.passphrase_file, prompt);
  if (trust) {
    // Never sign what dosegate itself would refuse as a CoA signature.
    const auto check = trust->check(signer.certificate(), signer.chain(), crypto::Role::lab, o.at,
                                    "laboratory certificate");
    if (!check.ok()) {
      std::string why;
      for (const auto& f : check.findings) why += "\n  " + f.code + ": " + f.message;
      throw Error("signer.refused", "dosegate will not sign this CoA with " + o.signer.key +
                                        ": the trust directory " + *o.trust_dir +
                                        " would reject its signature:" + why);
    }
  }
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
