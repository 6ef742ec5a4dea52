#include "dosegate/release/release.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "crypto/timestamp.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"
#include "pdf/record.hpp"
#include "pdf/verify_record.hpp"
#include "release/timestamping.hpp"
#include "token/token.hpp"
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
  d.manufactured = format_date(c.lot.manufactured);
  d.storage = c.product.storage.value_or("");
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
  const auto& a = r.spec_approval;
  d.spec_approval = a.status == SpecApproval::Status::approved   ? "approved"
                    : a.status == SpecApproval::Status::built_in ? "built-in"
                                                                 : "unapproved";
  if (a.status == SpecApproval::Status::approved) {
    d.spec_approver_subject = a.approver->subject;
    d.spec_approver_sha256 = a.approver->sha256;
    d.spec_approved_at = format_instant(*a.approved_at);
  }
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
// which the process dies at once, as a kill would. Compiled in test builds only (CMake option
// DOSEGATE_FAULT_INJECTION); the release preset's binary ignores the variable.
void crash_point([[maybe_unused]] const char* step) {
#ifdef DOSEGATE_FAULT_INJECTION
  const char* at = std::getenv("DOSEGATE_TEST_CRASH_AT");
  if (at && std::strcmp(at, step) == 0) std::_Exit(86);
#endif
}

constexpr const char* kPending = ".pending";
constexpr const char* kLockName = ".dosegate-release.lock";
constexpr auto kNoteEvery = std::chrono::seconds(5);

// SIGINT and SIGTERM during a release only set this flag; the release checks it between
// records and before the commit, rolls back and removes what it wrote.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);
extern "C" void on_release_signal(int signal) {
  g_signal.store(signal);
}

class SignalGuard {
 public:
  SignalGuard() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_release_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  // Throws ReleaseInterrupted when a signal has come.
  static void check() {
    if (const int s = g_signal.load())
      throw ReleaseInterrupted(s, std::string("interrupted by ") +
                                      (s == SIGINT ? "SIGINT" : "SIGTERM") +
                                      " before the ledger commit: nothing was released (the "
                                      "ledger transaction was rolled back and the unfinished "
                                      "records removed)");
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// One release at a time in an output directory: an exclusive flock on DIR/.dosegate-release.lock,
// held until the release has renamed its records. The holder writes its pid into the file for
// whoever waits. The file stays (removing it would let two releases lock two different files).
class DirectoryLock {
 public:
  DirectoryLock(const std::string& dir, std::chrono::seconds wait,
                const std::function<void(const std::string&)>& note)
      : path_((fs::path(dir) / kLockName).string()) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw IoError(path_ + ": cannot open the release lock: " + std::strerror(errno));
    const auto start = std::chrono::steady_clock::now();
    auto next_note = start;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        throw IoError(path_ + ": cannot lock: " + why);
      }
      try {
        SignalGuard::check();
      } catch (...) {
        ::close(fd_);
        throw;
      }
      const auto now = std::chrono::steady_clock::now();
      const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - start);
      if (now - start >= wait) {
        const std::string holder = this->holder();
        ::close(fd_);
        throw Error("release.directory-busy",
                    dir + ": another release into this directory (pid " + holder +
                        ") is still running after " + std::to_string(waited.count()) +
                        " s of waiting; nothing was written. Release again when it has finished "
                        "(or give --wait SECONDS)");
      }
      if (now >= next_note) {
        if (note)
          note("waiting for another release into " + dir + " (pid " + holder() + ") to finish, " +
               std::to_string(waited.count()) + " s so far");
        next_note = now + kNoteEvery;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] const auto n = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
  }
  ~DirectoryLock() { ::close(fd_); }  // closing releases the lock
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  std::string holder() const {
    char buf[32] = {};
    const auto n = ::pread(fd_, buf, sizeof buf - 1, 0);
    std::string pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid.empty() ? "unknown" : pid;
  }
  std::string path_;
  int fd_ = -1;
};

// Never replaces a file: a record under a final name is never overwritten.
int rename_no_replace(const char* from, const char* to) {
  return ::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

// Completes or removes what an interrupted release left in `dir`: a NAME.pdf.pending whose
// SHA-256 the ledger recorded is renamed into place (the release had committed); any other
// is removed (it had not). Called only with the directory's lock held: every .pending file
// then belongs to a release that is no longer running.
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
      if (rename_no_replace(p.c_str(), final_path.c_str()) != 0)
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

// Whether the document is a CoA at all: its lot was read, or the reader's findings lie inside a
// CertificateOfAnalysis root element (a malformed or badly signed CoA is still a CoA, and its
// rejection is recorded).
bool is_coa_document(const VerifyReport& r) {
  if (r.certificate) return true;
  return std::any_of(r.findings.begin(), r.findings.end(), [](const Finding& f) {
    return f.code.rfind("coa.", 0) == 0 && f.location.rfind("/CertificateOfAnalysis", 0) == 0;
  });
}

std::string first_error(const VerifyReport& r) {
  for (const auto& f : r.findings)
    if (f.severity == Severity::error) return f.code + ": " + f.message;
  return "no lot";
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
  if (r.spec_approval.status == SpecApproval::Status::approved) {
    e.spec_approver = r.spec_approval.approver->subject;
    e.spec_approver_sha256 = r.spec_approval.approver->sha256;
    e.spec_approved_at = format_instant(*r.spec_approval.approved_at);
  }
  if (r.certificate) {
    e.din = r.certificate->lot.din;
    e.coa_id = r.certificate->id;
    for (const auto& d : r.certificate->lot.doses) e.divisions.push_back(d.division);
  }
  return e;
}

std::string eye(const std::string& din) {
  return isbt128::din_eye_readable(din);
}

// The pending tests whose expected date is before the day of the release (UTC): the
// laboratory's result is already late. Each is a release.pending-overdue warning whose message
// is "TEST was expected YYYY-MM-DD".
std::vector<Finding> release_warnings(const VerifyReport& r, Instant at) {
  std::vector<Finding> out;
  // Leniency shows in the ledger: an unapproved specification (--allow-unapproved-spec).
  for (const auto& f : r.findings)
    if (f.code == "spec.unapproved") out.push_back(f);
  const Date today = std::chrono::floor<std::chrono::days>(at);
  for (const auto& p : r.evaluation.pending) {
    const auto expected = parse_date(p.expected);
    if (expected && *expected < today)
      out.push_back(Finding{
          "release.pending-overdue", Severity::warning, p.test + " was expected " + p.expected,
          "/CertificateOfAnalysis/Results/Result[@test='" + p.test + "']/Expected"});
  }
  return out;
}

crypto::Timestamp fetch_timestamp(const ReleaseOptions& o, std::string_view data,
                                  const crypto::TrustStore& trust,
                                  crypto::TsaChainCache* chains = nullptr) {
  return request_timestamp(*o.tsa_url, o.tsa_timeout, data, trust, chains);
}

// release.certificate-expires-before-lot: without a timestamp a record's signature is judged
// at the time of the check, so it stops verifying when the releaser's certificate expires.
std::optional<Finding> expires_before_lot(const VerifyReport& r, const Signer& releaser,
                                          const ReleaseOptions& o) {
  if (o.tsa_url || !r.certificate) return std::nullopt;
  const auto not_after = parse_utc_instant(releaser.not_after);
  if (!not_after || *not_after >= r.certificate->lot.expires) return std::nullopt;
  return Finding{"release.certificate-expires-before-lot", Severity::warning,
                 "the releaser's certificate expires at " + releaser.not_after +
                     ", before the lot (" + format_instant(r.certificate->lot.expires) +
                     "); without a timestamp (--tsa URL) every record of this lot is NO-GO "
                     "from then on",
                 "--cert"};
}

std::string warning_lines(const std::vector<Finding>& warnings) {
  std::string out;
  for (const auto& w : warnings) out += (out.empty() ? "" : "\n") + w.code + ": " + w.message;
  return out;
}

// What the ledger already holds about the lot, checked in the transaction that appends the
// new decision. Adds release.recalled and release.supersedes-missing to the report (which then
// rejects the lot); returns the lot's last release entry and its records entry, if any.
struct PastRelease {
  ledger::Entry release;
  std::optional<ledger::Entry> records;
};

bool only_supersedes_missing(const std::string& reason) {
  std::istringstream in(reason);
  bool any = false;
  for (std::string line; std::getline(in, line); any = true)
    if (line.rfind("release.supersedes-missing: ", 0) != 0) return false;
  return any;
}

std::optional<PastRelease> check_history(const ledger::Ledger& ledger, VerifyReport& report) {
  if (!report.certificate) return std::nullopt;
  const auto& c = *report.certificate;
  ledger::Filter f;
  f.din = c.lot.din;
  const auto past = ledger.entries(f);
  const ledger::Entry* recall = nullptr;
  const ledger::Entry* rejection = nullptr;
  std::optional<PastRelease> released;
  for (const auto& e : past) {
    if (e.kind == "recall") recall = &e;
    // A rejection only for a missing <Supersedes> says nothing about the lot: the CoA to
    // supersede stays the one rejected on its merits.
    if (e.kind == "rejection" && !e.coa_id.empty() && !only_supersedes_missing(e.reason))
      rejection = &e;
    if (e.kind == "release" || e.kind == "exceptional-release")
      released = PastRelease{e, std::nullopt};
    if (e.kind == "records" && released && !released->records) released->records = e;
  }
  const auto add = [&](const char* code, const std::string& message) {
    report.findings.push_back(Finding{code, Severity::error, message, "ledger"});
    report.decision = Decision::rejected;
  };
  if (recall)
    add("release.recalled", "lot " + eye(c.lot.din) + " was recalled (ledger entry " +
                                std::to_string(recall->seq) + ", " + recall->at + ", " +
                                recall->reason + "); a recalled lot is never released again");
  if (rejection &&
      (!c.supersedes || *c.supersedes != rejection->coa_id || c.id == rejection->coa_id))
    add("release.supersedes-missing",
        "lot " + eye(c.lot.din) + " was rejected on CoA " + rejection->coa_id + " (ledger entry " +
            std::to_string(rejection->seq) + ", " + rejection->at +
            "); a CoA that releases it must name that CoA in <Supersedes>" +
            (c.id == rejection->coa_id ? " (this is the rejected CoA itself)"
             : c.supersedes            ? " (this CoA supersedes " + *c.supersedes + ")"
                                       : " (this CoA supersedes none)"));
  return released;
}

std::string describe(const PastRelease& p) {
  std::string out = "ledger entry " + std::to_string(p.release.seq) + " (" + p.release.at +
                    ", by " + p.release.actor + ", CoA " + p.release.coa_id + ")";
  if (p.records) {
    out += ", records in entry " + std::to_string(p.records->seq) + ": ";
    const std::size_t shown = std::min<std::size_t>(p.records->records.size(), 4);
    for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + p.records->records[i].file;
    if (p.records->records.size() > shown)
      out += " and " + std::to_string(p.records->records.size() - shown) + " more";
  }
  return out;
}

}  // namespace

ReleaseResult release(const ReleaseOptions& o, const Prompt& prompt, const Progress& progress) {
  ReleaseResult result;
  {
    std::error_code ec;
    if (fs::exists(o.out_dir, ec) && !fs::is_directory(o.out_dir, ec))
      throw Error("io.out-exists", o.out_dir +
                                       ": --out is an existing file, not a directory; give the "
                                       "directory for the records (created when missing)");
  }
  const crypto::TrustStore trust(o.verify.trust_dir);  // read once, for the CoA and the releaser
  result.report = verify(o.verify, trust);
  auto& r = result.report;
  // A file that is no CoA at all (not XML, another root element) names no lot: refused before
  // anything goes into the ledger, where it would be a signed rejection of no lot.
  if (!is_coa_document(r))
    throw UsageError(o.verify.coa_path + " is not a Certificate of Analysis (" + first_error(r) +
                     "); nothing was recorded. Give the CoA's XML file: root element "
                     "<CertificateOfAnalysis> in namespace urn:dosegate:coa:1");
  const Instant now = o.verify.as_of;

  // The releaser must pass the same policy that `confirm` will apply to the records; the key
  // also signs the ledger entry of a rejection.
  const auto releaser = token::load_releaser(
      o.signer, [&](const std::string& p) { return prompt(p); }, trust, now);
  const auto& id = releaser.key;
  // Ledger entries keep the revocation data current at signing (Entry::crls).
  const EntrySigning signing{id, trust, now, o.tsa_url, o.tsa_timeout};

  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(o.wait);
  result.ledger_path = ledger::resolve_path(o.ledger_path);
  auto ledger = ledger::Ledger::open(result.ledger_path, true, wait);
  const SignalGuard signals;  // from here on, SIGINT and SIGTERM roll back instead of killing

  // Exceptional release: only failed criteria the specification allows to be waived.
  if (o.exceptional) {
    if (r.decision == Decision::releasable || r.decision == Decision::releasable_pending)
      throw Error("release.exceptional-not-needed",
                  "the lot conforms to the specification; release it without --exceptional");
    std::string why;
    for (const auto& f : r.findings)
      if (f.severity == Severity::error && f.code != "criterion.failed")
        why += "\n  " + f.code + ": " + f.message;
    for (const auto& row : r.evaluation.rows) {
      const auto* c = std::get_if<spec::Criterion>(&row.specification);
      if (row.verdict == Verdict::fail && (!c || !c->exceptional_release))
        why += "\n  " + row.test +
               " failed, and the specification never allows it to be waived "
               "(exceptional-release=\"never\")";
    }
    if (!r.evaluated) why += "\n  the results were not evaluated";
    if (why.empty()) {
      result.exceptional = true;
    } else {
      r.findings.push_back(Finding{"release.exceptional-refused", Severity::error,
                                   "no exceptional release: only failed criteria the "
                                   "specification allows to be waived may be, and here:" +
                                       why,
                                   "--exceptional"});
    }
  }
  const auto releasable = [&] {
    return result.exceptional || r.decision == Decision::releasable ||
           r.decision == Decision::releasable_pending;
  };
  // Only a release writes into the directory: it takes the directory's lock for the whole
  // release, then completes or removes what an earlier, interrupted release left there.
  std::optional<DirectoryLock> directory;
  if (releasable()) {
    std::error_code ec;
    fs::create_directories(o.out_dir, ec);
    if (ec) throw IoError(o.out_dir + ": cannot create the output directory: " + ec.message());
    directory.emplace(o.out_dir, o.wait, o.on_waiting);
    for (const auto& note : recover(o.out_dir, ledger))
      if (o.on_recovered) o.on_recovered(note);
  }

  // PAdES B-T: the TSA is asked once before anything is written, so that a TSA that is down or
  // answers wrongly stops the release here; the token's size sizes the room in every record.
  std::optional<pdf::SignatureStamp> stamp;
  crypto::TsaChainCache tsa_chains;  // a TSA's chain checked once per second of genTime
  crypto::ValidationMaterialCache material(trust, now);
  if (o.tsa_url && releasable()) {
    const auto probe = fetch_timestamp(o, "dosegate: is the timestamping authority there?", trust);
    stamp = pdf::SignatureStamp{probe.token.size() + 1024,
                                [&o, &trust, &tsa_chains](const std::string& cms) {
                                  const auto ts = fetch_timestamp(
                                      o, crypto::own_signature_value(cms), trust, &tsa_chains);
                                  return crypto::add_signature_timestamp(cms, ts.token);
                                },
                                {},
                                0,
                                {}};
    // PAdES B-LT: the chains and the CRLs current now, in a /DSS update after the signature.
    // The same for every record with the same certificates: computed once.
    if (o.validation_data)
      stamp->validation_data = [&material](const std::string& cms) {
        auto m = material.get(cms);
        return pdf::ValidationData{std::move(m.certs), std::move(m.crls)};
      };
    // PAdES B-LTA: a document timestamp over the whole file after the /DSS update.
    if (o.validation_data && o.document_timestamp) {
      stamp->document_room = probe.token.size() + 1024;
      stamp->document_timestamp = [&o, &trust, &tsa_chains](const std::string& covered) {
        return fetch_timestamp(o, covered, trust, &tsa_chains).token;
      };
    }
  }

  // One transaction from the lot's history to the commit: the history checked is the one the
  // new entries follow. Waiting for another writer is reported and can be interrupted.
  auto next_note = kNoteEvery;
  ledger.begin(wait, std::chrono::milliseconds(200), [&](std::chrono::milliseconds waited) {
    SignalGuard::check();
    if (waited >= next_note) {
      if (o.on_waiting)
        o.on_waiting("waiting for the ledger " + result.ledger_path +
                     " (another process is writing to it), " +
                     std::to_string(waited.count() / 1000) + " s so far");
      next_note += kNoteEvery;
    }
  });
  std::vector<std::string> pending;
  bool committed = false;
  try {
    const auto past = check_history(ledger, r);
    if (!releasable()) {
      auto e = base_entry(r, releaser.signer, now);
      e.kind = "rejection";
      e.decision = to_string(r.decision);
      e.reason = reasons_of(r);
      if (const auto w = crypto::unprotected_key_warning(releaser.key)) {
        result.warnings.push_back(*w);
        e.warnings = warning_lines(result.warnings);
      }
      ledger.prepare(e);
      ledger.append(e, signing.for_entry(e));
      ledger.commit();
      result.ledger_entries.push_back(e.seq);
      return result;  // rejected: no record is written
    }
    const std::string din = eye(r.certificate->lot.din);
    result.reason = o.reason;
    if (past && !o.again)
      throw Error("release.already-released",
                  "lot " + din + " was already released: " + describe(*past) +
                      ". A lot is released once; to issue lost records again, give --again "
                      "--reason TEXT (recorded in the ledger)");
    if (!past && o.again)
      throw Error("release.not-released",
                  "--again issues the records of a released lot again, "
                  "and the ledger has no release of lot " +
                      din + "; release it without --again");
    if (past) {
      result.reissue_of = past->release.seq;
      result.reason = "re-issue (--again) of the records of release entry " +
                      std::to_string(past->release.seq) + ": " + o.reason;
    }

    ReleaseData lot = lot_data(r, releaser.signer, o, now);
    lot.reason = result.reason;
    if (result.exceptional) {
      lot.decision = "exceptional-release";
      lot.exceptional_recipient = o.exceptional->recipient;
      lot.exceptional_physician = o.exceptional->physician;
      lot.exceptional_reason = o.reason;
    }
    std::vector<std::pair<ReleaseDose, std::string>> doses;
    std::size_t index = 0;
    for (const auto& d : r.certificate->lot.doses) {
      ReleaseDose dose{d.division, d.viable_cells.text(), d.volume.text() + " " + d.volume_unit,
                       ++index};
      ReleaseData named = lot;
      named.dose = dose;
      const std::string path = (fs::path(o.out_dir) / (record_id(named) + ".pdf")).string();
      std::error_code ec;
      if (fs::exists(path, ec))
        throw Error("release.record-exists",
                    path +
                        ": a release record already exists under this name; dosegate never "
                        "overwrites a record (move it away to release again)");
      doses.emplace_back(dose, path);
    }
    pending.resize(doses.size());

    // The release entry (its number and hash go on every record), the records, the records
    // entry with their SHA-256.
    auto entry = base_entry(r, releaser.signer, now);
    entry.kind = result.exceptional ? "exceptional-release" : "release";
    entry.decision = result.exceptional ? "exceptional-release" : to_string(r.decision);
    entry.reason = result.reason;
    if (result.exceptional) {
      entry.recipient = o.exceptional->recipient;
      entry.reason = "EXCEPTIONAL RELEASE: OUT OF SPECIFICATION, for recipient " +
                     o.exceptional->recipient + " on the request of physician " +
                     o.exceptional->physician + ": " + result.reason;
    }
    result.warnings = release_warnings(r, now);
    // A key anyone who copies the file can use: accepted, said, and kept in the ledger.
    if (const auto w = crypto::unprotected_key_warning(releaser.key)) result.warnings.push_back(*w);
    if (auto w = expires_before_lot(r, releaser.signer, o)) result.warnings.push_back(*w);
    entry.warnings = warning_lines(result.warnings);
    ledger.prepare(entry);
    ledger.append(entry, signing.for_entry(entry));
    lot.ledger_seq = entry.seq;
    lot.ledger_hash = entry.hash;
    result.ledger_entries.push_back(entry.seq);

    const pdf::RecordWriter writer(lot);
    const pdf::SignatureStamp* stamp_ptr = stamp ? &*stamp : nullptr;
    // Self-check first: never hand out a record that dosegate's own verifier would reject.
    const auto first = writer.write(doses.front().first, id, now, stamp_ptr);
    const auto self = pdf::verify_record(first.bytes, trust, now);
    if (!self.findings.empty())
      throw Error(self.findings[0].code == "signature.timestamp-invalid" ||
                          self.findings[0].code == "record.document-timestamp-invalid"
                      ? "tsa.failure"
                      : "pdf.failure",
                  "a freshly signed record does not verify: " + self.findings[0].message);
    if (stamp) {
      result.timestamp = self.timestamp;
      result.tsa = self.tsa;
      result.validation_data = self.validation_data;
      result.document_timestamp = self.document_timestamp;
    }
    std::vector<std::string> digests(doses.size());
    // Records are independent: sign and write them on every core.
    std::atomic<std::size_t> next{0}, done{0};
    std::mutex progress_mutex;
    std::exception_ptr failure;
    auto work = [&] {
      try {
        for (std::size_t i = next++; i < doses.size() && !failure; i = next++) {
          SignalGuard::check();
          const auto record = i == 0 ? first : writer.write(doses[i].first, id, now, stamp_ptr);
          digests[i] = record.sha256;  // the writer's digest of the whole file
          const std::string tmp = doses[i].second + kPending;
          const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          if (fd < 0) throw IoError(tmp + ": cannot create: " + std::strerror(errno));
          pending[i] = tmp;
          try {
            write_fully(fd, record.bytes, tmp);
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
    // With a TSA most of a record's time is the wait for its token: as many workers as
    // requests may be in flight.
    const unsigned threads = stamp
                                 ? std::max(1u, o.tsa_in_flight)
                                 : std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
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
    ledger.append(records, signing.for_entry(records));
    result.ledger_entries.push_back(records.seq);

    // The records reach the disk before the ledger says they exist.
    const int dir_fd = ::open(o.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0 || ::syncfs(dir_fd) != 0) {
      if (dir_fd >= 0) ::close(dir_fd);
      throw IoError(o.out_dir + ": cannot sync the records to disk: " + std::strerror(errno));
    }
    ::close(dir_fd);
    crash_point("before-commit");
    SignalGuard::check();  // the last moment at which a signal still means "nothing released"
    ledger.commit();
    committed = true;
    // Committed: from here on the release exists; renaming only makes it visible, and the
    // next release into this directory finishes the renames if this process dies.
    crash_point("after-commit");
    for (std::size_t i = 0; i < doses.size(); ++i) {
      if (rename_no_replace(pending[i].c_str(), doses[i].second.c_str()) != 0)
        throw IoError(doses[i].second +
                      ": cannot move the record into place: " + std::strerror(errno) +
                      "; it is recorded in the ledger, and the next release into this "
                      "directory completes it");
      result.records.push_back(doses[i].second);
      if (i == 0) crash_point("mid-rename");
    }
  } catch (const Error& e) {
    // A commit whose outcome is unknown (a shared ledger's connection lost after COMMIT was
    // sent) keeps its pending files: the next release into this directory completes them if
    // the ledger holds the release, and removes them if it does not.
    if (!committed && e.code() != "ledger.commit-unknown") {
      ledger.rollback();
      for (const auto& p : pending)
        if (!p.empty()) ::unlink(p.c_str());
    }
    throw;
  } catch (...) {
    if (!committed) {  // once committed, the records must stay: they are the release
      ledger.rollback();
      for (const auto& p : pending)
        if (!p.empty()) ::unlink(p.c_str());
    }
    throw;
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
