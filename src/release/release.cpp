#include "dosegate/release/release.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/release/release_data.hpp"
#include "pdf/record.hpp"
#include "pdf/verify_record.hpp"
#include "sign/keys.hpp"
#include "trust/trust_store.hpp"

namespace dosegate {
namespace {

namespace fs = std::filesystem;

ReleaseData lot_data(const VerifyReport& r, const Signer& releaser, const ReleaseOptions& o,
                     Instant at) {
  const auto& c = *r.certificate;
  ReleaseData d;
  d.din = c.lot.din;
  d.check_character = std::string(1, isbt128::din_check_character(c.lot.din));
  d.product_code = c.product.code;
  d.product_name = c.product.name;
  d.product_source = c.product.source;
  d.expires = format_instant(c.lot.expires);
  d.decision = to_string(r.decision);
  d.criteria = r.evaluation.rows;
  d.pending = r.evaluation.pending;
  d.dose_count = c.lot.doses.size();
  d.coa_id = c.id;
  d.coa_sha256 = r.coa_sha256;
  d.laboratory_id = c.laboratory.id;
  d.laboratory_name = c.laboratory.name;
  d.coa_signature = r.signature.method + ", " + r.signature.algorithm;
  if (r.signature.signer) {
    d.coa_signer_subject = r.signature.signer->subject;
    d.coa_signer_sha256 = r.signature.signer->sha256;
  }
  d.spec_id = r.specification.id;
  d.spec_version = r.specification.version;
  d.spec_title = r.specification.title;
  d.spec_sha256 = r.specification.sha256;
  d.use_within_after_thaw_minutes = r.specification.use_within_after_thaw_minutes;
  d.released_by = releaser.common_name.empty() ? releaser.subject : releaser.common_name;
  d.releaser_subject = releaser.subject;
  d.releaser_sha256 = releaser.sha256;
  d.role = o.role;
  d.meaning = o.meaning;
  d.reason = o.reason;
  d.released_at = format_instant(at);
  return d;
}

// A file in `dir` that is removed again unless it is renamed into place.
struct TempFile {
  std::string path;
  bool kept = false;
  ~TempFile() {
    if (!kept && !path.empty()) ::unlink(path.c_str());
  }
};

void write_fully(int fd, const std::string& bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) throw IoError(path + ": write failed: " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

ReleaseResult release(const ReleaseOptions& o, const Prompt& prompt, const Progress& progress) {
  ReleaseResult result;
  result.report = verify(o.verify);
  const auto& r = result.report;
  if (r.decision != Decision::releasable && r.decision != Decision::releasable_pending)
    return result;  // rejected: nothing is written

  // The releaser must pass the same policy that `confirm` will apply to the records.
  const trust::TrustStore trust(o.verify.trust_dir);
  auto signer = sign::load_signer(o.key_path, o.cert_path, o.chain_path, o.passphrase_file,
                                  [&](const std::string& p) { return prompt(p); });
  std::vector<X509*> chain;
  for (const auto& c : signer.chain) chain.push_back(c.get());
  const Instant now = o.verify.as_of;
  const auto check =
      trust.check(signer.cert.get(), chain, trust::Role::releaser, now, "releaser certificate");
  if (!check.ok()) {
    std::string why;
    for (const auto& f : check.findings) why += "\n  " + f.code + ": " + f.message;
    throw Error("release.signer-refused",
                "dosegate will not sign release records with this certificate, because its own "
                "confirm would reject them:" +
                    why);
  }

  const ReleaseData lot = lot_data(r, check.signer, o, now);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) throw IoError(o.out_dir + ": cannot create the output directory: " + ec.message());
  std::vector<std::pair<ReleaseDose, std::string>> doses;
  std::size_t index = 0;
  for (const auto& d : r.certificate->lot.doses) {
    ReleaseDose dose{d.division, d.viable_cells.text(), d.volume.text() + " " + d.volume_unit,
                     ++index};
    ReleaseData named = lot;
    named.dose = dose;
    const std::string path = (fs::path(o.out_dir) / (record_id(named) + ".pdf")).string();
    if (fs::exists(path, ec))
      throw IoError(path +
                    ": a release record already exists under this name; dosegate never "
                    "overwrites a record (move it away to release again)");
    doses.emplace_back(dose, path);
  }

  const pdf::RecordWriter writer(lot);
  const pdf::SigningIdentity id{signer.key.get(), signer.cert.get(), chain};
  std::vector<TempFile> temps(doses.size());
  // Self-check first: never hand out a record that dosegate's own verifier would reject.
  const auto first = writer.write(doses.front().first, id, now);
  const auto self = pdf::verify_record(first, trust, now);
  if (!self.findings.empty())
    throw Error("pdf.failure",
                "a freshly signed record does not verify: " + self.findings[0].message);
  // Records are independent: sign and write them on every core.
  std::atomic<std::size_t> next{0}, done{0};
  std::mutex progress_mutex;
  std::exception_ptr failure;
  auto work = [&] {
    try {
      for (std::size_t i = next++; i < doses.size() && !failure; i = next++) {
        const std::string bytes = i == 0 ? first : writer.write(doses[i].first, id, now);
        std::string tmp = doses[i].second + ".tmp-XXXXXX";
        const int fd = ::mkstemp(tmp.data());
        if (fd < 0)
          throw IoError(doses[i].second +
                        ": cannot create a temporary file: " + std::strerror(errno));
        temps[i].path = tmp;
        try {
          write_fully(fd, bytes, tmp);
        } catch (...) {
          ::close(fd);
          throw;
        }
        if (::fchmod(fd, 0644) != 0 || ::close(fd) != 0)
          throw IoError(tmp + ": cannot write: " + std::strerror(errno));
        const std::size_t n = ++done;
        if (progress) {
          std::lock_guard lock(progress_mutex);
          progress(n, doses.size());
        }
      }
    } catch (...) {
      std::lock_guard lock(progress_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  const unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  // One sync for the whole lot, then the renames, then the directory.
  const int dir_fd = ::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd < 0 || ::syncfs(dir_fd) != 0)
    throw IoError(o.out_dir + ": cannot sync the records to disk: " + std::strerror(errno));
  for (std::size_t i = 0; i < doses.size(); ++i) {
    if (::rename(temps[i].path.c_str(), doses[i].second.c_str()) != 0)
      throw IoError(doses[i].second +
                    ": cannot move the record into place: " + std::strerror(errno));
    temps[i].kept = true;
    result.records.push_back(doses[i].second);
  }
  ::fsync(dir_fd);
  ::close(dir_fd);
  result.released = true;
  return result;
}

}  // namespace dosegate
