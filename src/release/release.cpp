#include "dosegate/release/release.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "pdf/record.hpp"
#include "pdf/verify_record.hpp"
#include "util/text.hpp"
#include "verify/verify_with_trust.hpp"

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
  d.criteria = printed(r.evaluation.rows);
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

void write_fully(int fd, const std::string& bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) throw IoError(path + ": write failed: " + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

// Fault injection for the crash tests: DOSEGATE_TEST_CRASH_AT names a step of a release at
// which the process dies at once, as a kill would.
void crash_point(const char* step) {
  const char* at = std::getenv("DOSEGATE_TEST_CRASH_AT");
  if (at && std::strcmp(at, step) == 0) std::_Exit(86);
}

constexpr const char* kPending = ".pending";

// Completes or removes what an interrupted release left in `dir`: a NAME.pdf.pending whose
// SHA-256 the ledger recorded is renamed into place (the release had committed); any other
// is removed (it had not).
std::vector<std::string> recover(const std::string& dir, const ledger::Ledger& ledger) {
  std::vector<std::string> notes;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return notes;
  std::vector<fs::path> pending;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == kPending) pending.push_back(e.path());
  if (pending.empty()) return notes;
  std::set<std::pair<std::string, std::string>> recorded;
  ledger::Filter f;
  f.kind = "records";
  for (const auto& e : ledger.entries(f))
    for (const auto& r : e.records) recorded.emplace(r.file, r.sha256);
  for (const auto& p : pending) {
    const auto final_path = p.parent_path() / p.stem();
    const auto sha = crypto::sha256_hex(text::read_file(p.string()));
    if (recorded.count({final_path.filename().string(), sha}) && !fs::exists(final_path, ec)) {
      if (::rename(p.c_str(), final_path.c_str()) != 0)
        throw IoError(final_path.string() +
                      ": cannot complete an interrupted release: " + std::strerror(errno));
      notes.push_back("completed " + final_path.string() + " (recorded in the ledger)");
    } else {
      fs::remove(p, ec);
      notes.push_back("removed " + p.string() + " (its release was never recorded)");
    }
  }
  return notes;
}

std::string reasons_of(const VerifyReport& r) {
  std::string out;
  for (const auto& f : r.findings)
    if (f.severity == Severity::error) out += (out.empty() ? "" : "\n") + f.code + ": " + f.message;
  return out;
}

ledger::Entry base_entry(const VerifyReport& r, const Signer& actor, Instant at) {
  ledger::Entry e;
  e.at = format_instant(at);
  e.actor = actor.subject;
  e.actor_sha256 = actor.sha256;
  e.coa_sha256 = r.coa_sha256;
  e.spec_id = r.specification.id;
  e.spec_version = r.specification.version;
  e.spec_sha256 = r.specification.sha256;
  if (r.certificate) {
    e.din = r.certificate->lot.din;
    e.coa_id = r.certificate->id;
    for (const auto& d : r.certificate->lot.doses) e.divisions.push_back(d.division);
  }
  return e;
}

}  // namespace

ReleaseResult release(const ReleaseOptions& o, const Prompt& prompt, const Progress& progress) {
  ReleaseResult result;
  const crypto::TrustStore trust(o.verify.trust_dir);  // read once, for the CoA and the releaser
  result.report = verify(o.verify, trust);
  const auto& r = result.report;
  const Instant now = o.verify.as_of;

  // The releaser must pass the same policy that `confirm` will apply to the records; the key
  // also signs the ledger entry of a rejection.
  const auto releaser = crypto::load_releaser(
      o.key_path, o.cert_path, o.chain_path, o.passphrase_file,
      [&](const std::string& p) { return prompt(p); }, trust, now);
  const auto& id = releaser.key;
  const auto sign = [&](const std::string& payload) { return crypto::cades_detached(payload, id); };

  result.ledger_path = ledger::resolve_path(o.ledger_path);
  auto ledger = ledger::Ledger::open(result.ledger_path, true);

  if (r.decision != Decision::releasable && r.decision != Decision::releasable_pending) {
    auto e = base_entry(r, releaser.signer, now);
    e.kind = "rejection";
    e.decision = to_string(r.decision);
    e.reason = reasons_of(r);
    ledger.begin();
    try {
      ledger.prepare(e);
      ledger.append(e, sign);
      ledger.commit();
    } catch (...) {
      ledger.rollback();
      throw;
    }
    result.ledger_entries.push_back(e.seq);
    return result;  // rejected: no record is written
  }

  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) throw IoError(o.out_dir + ": cannot create the output directory: " + ec.message());
  for (const auto& note : recover(o.out_dir, ledger))
    if (o.on_recovered) o.on_recovered(note);

  ReleaseData lot = lot_data(r, releaser.signer, o, now);
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

  // One transaction: the release entry (its number and hash go on every record), the
  // records, the records entry with their SHA-256. It waits for any other release.
  ledger.begin();
  std::vector<std::string> pending(doses.size());
  try {
    auto entry = base_entry(r, releaser.signer, now);
    entry.kind = "release";
    entry.decision = to_string(r.decision);
    entry.reason = o.reason;
    ledger.prepare(entry);
    ledger.append(entry, sign);
    lot.ledger_seq = entry.seq;
    lot.ledger_hash = entry.hash;
    result.ledger_entries.push_back(entry.seq);

    const pdf::RecordWriter writer(lot);
    // Self-check first: never hand out a record that dosegate's own verifier would reject.
    const auto first = writer.write(doses.front().first, id, now);
    const auto self = pdf::verify_record(first, trust, now);
    if (!self.findings.empty())
      throw Error("pdf.failure",
                  "a freshly signed record does not verify: " + self.findings[0].message);
    std::vector<std::string> digests(doses.size());
    // Records are independent: sign and write them on every core.
    std::atomic<std::size_t> next{0}, done{0};
    std::mutex progress_mutex;
    std::exception_ptr failure;
    auto work = [&] {
      try {
        for (std::size_t i = next++; i < doses.size() && !failure; i = next++) {
          const std::string bytes = i == 0 ? first : writer.write(doses[i].first, id, now);
          digests[i] = crypto::sha256_hex(bytes);
          const std::string tmp = doses[i].second + kPending;
          const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          if (fd < 0) throw IoError(tmp + ": cannot create: " + std::strerror(errno));
          pending[i] = tmp;
          try {
            write_fully(fd, bytes, tmp);
          } catch (...) {
            ::close(fd);
            throw;
          }
          if (::close(fd) != 0) throw IoError(tmp + ": cannot write: " + std::strerror(errno));
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

    auto records = base_entry(r, releaser.signer, now);
    records.kind = "records";
    records.decision = to_string(r.decision);
    for (std::size_t i = 0; i < doses.size(); ++i)
      records.records.push_back({fs::path(doses[i].second).filename().string(), digests[i]});
    ledger.prepare(records);
    ledger.append(records, sign);
    result.ledger_entries.push_back(records.seq);

    // The records reach the disk before the ledger says they exist.
    const int dir_fd = ::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || ::syncfs(dir_fd) != 0) {
      if (dir_fd >= 0) ::close(dir_fd);
      throw IoError(o.out_dir + ": cannot sync the records to disk: " + std::strerror(errno));
    }
    ::close(dir_fd);
    crash_point("before-commit");
    ledger.commit();
  } catch (...) {
    ledger.rollback();
    for (const auto& p : pending)
      if (!p.empty()) ::unlink(p.c_str());
    throw;
  }
  crash_point("after-commit");
  // Committed: from here on the release exists; renaming only makes it visible, and the next
  // release into this directory finishes the renames if this process dies.
  for (std::size_t i = 0; i < doses.size(); ++i) {
    if (::rename(pending[i].c_str(), doses[i].second.c_str()) != 0)
      throw IoError(doses[i].second + ": cannot move the record into place: " +
                    std::strerror(errno) + "; it is recorded in the ledger, and the next " +
                    "release into this directory completes it");
    result.records.push_back(doses[i].second);
    if (i == 0) crash_point("mid-rename");
  }
  const int dir_fd = ::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  result.released = true;
  return result;
}

}  // namespace dosegate
