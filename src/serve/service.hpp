// What the bedside service does, apart from HTTP (src/serve/server.cpp is the only file that
// includes cpp-httplib): the trust directory kept loaded, accounts and sessions, and one function
// per API endpoint, each returning the status and the JSON (or CSV, PDF) to send.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "confirm/confirm_with_trust.hpp"
#include "crypto/instants.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/serve/serve.hpp"
#include "ledger/audit.hpp"
#include "pdf/verify_record.hpp"
#include "users/users.hpp"

namespace dosegate::serve {

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// An error as JSON: {"version": 1, "status": N, "decision": "error", "findings": [one error]}.
Reply error_reply(int status, const std::string& code, const std::string& message,
                  const std::string& location = "");

struct Principal {
  std::string user;
  users::Role role = users::Role::unknown;
  std::string session;  // the session id when authenticated by cookie, else empty (Basic)
  std::string csrf;     // the session's CSRF token
};

struct Upload {
  std::string filename;
  std::string content;
};

// Query parameters of a GET.
using Params = std::map<std::string, std::string>;

class Service {
 public:
  // Loads the trust directory and the users file (a missing users file means no accounts yet).
  // Throws like TrustStore and read_users.
  Service(ServeOptions options, std::function<Instant()> now);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  const ServeOptions& options() const { return options_; }
  Instant now() const { return now_(); }

  // Accounts. login() checks the password (Argon2id) and the per-user attempt limit and opens
  // a session; nullopt for a wrong user, password or a locked account (the caller waits
  // kFailedLoginDelay and answers 401 without saying which). basic() does the same for an
  // Authorization: Basic header's value, remembering a verified password for a few minutes
  // (a keyed hash of it, in memory) so that API clients are not slowed by Argon2id each call.
  std::optional<Principal> login(const std::string& user, const std::string& password);
  std::optional<Principal> basic(const std::string& header_value);
  std::optional<Principal> session(const std::string& session_id);
  void logout(const std::string& session_id);
  // The names of the users file's accounts (read again when it changed).
  std::vector<std::string> user_names();

  // The API v1. Each returns JSON with the CLI's --json objects, or an error_reply.
  Reply confirm(const Principal& who, const std::string& body);
  Reply verify(const std::optional<Upload>& coa, const std::optional<Upload>& signature,
               const std::optional<Upload>& spec);
  Reply history(const Params& params);
  Reply trace(const std::string& din, const Params& params);
  Reply audit(const Params& params);
  Reply record(const std::string& name);
  Reply health();
  // The QA worklist: every pending test of every released lot that has no late result yet,
  // overdue first, read from the signed records (their release data) of lots whose ledger
  // entries verify (read_lot); a lot that does not verify is listed with its finding.
  Reply pending();
  // A recall by a QA user ({"lot": DIN, "reason": TEXT}), signed with the service's releaser key
  // (ServeOptions::recall_signer); the reason recorded names the user. 501
  // serve.recall-unavailable when the service holds no key.
  Reply recall(const Principal& who, const std::string& body);

 private:
  std::shared_ptr<const crypto::TrustStore> trust();  // reloaded when the files change
  // The same, with the generation of the trust directory's state (one more at each reload) and
  // the instants written in its certificates and CRLs (TrustStore::instants).
  struct TrustState {
    std::shared_ptr<const crypto::TrustStore> store;
    unsigned long long generation = 0;
    std::shared_ptr<const std::vector<long long>> instants;
  };
  TrustState trust_state();
  // pdf::verify_record's answer for a record's bytes (`name` in its findings) under `trust` at
  // now_(). A check depends on the bytes, the trust directory and the time only through the
  // instants written in the record's signature and the trust directory's certificates and CRLs
  // (crypto/instants.hpp), so it is kept with the stretch of time in which it holds, keyed by
  // the path, the SHA-256 of the bytes read for this request and the trust generation, and
  // checked again (one check per core at once) when now leaves that stretch.
  struct CachedCheck {
    std::shared_ptr<const pdf::RecordCheck> check;
    std::shared_ptr<const ReleaseData> data;  // its release data, read once (null: unreadable)
    crypto::Window window;                    // the verification times (seconds) it holds for
    bool judged_now = false;  // its judged_at is the verification time: set for each answer
  };
  CachedCheck record_check(const std::string& path, const std::string& name,
                           const std::string& bytes, const std::string& sha256,
                           const TrustState& trust);
  // A confirmation waiting for its turn in the ledger (group commit).
  struct Job {
    ConfirmOptions options;
    ConfirmDraft draft;
    std::chrono::steady_clock::time_point deadline;
    std::shared_ptr<const crypto::TrustStore> trust;
    unsigned long long generation = 0;
    std::atomic<bool> done{false};
  };
  void ledger_step(Job& job);
  void run_batch(const std::vector<Job*>& batch);
  void open_ledger(std::chrono::milliseconds wait);
  void refresh_users();
  std::optional<Principal> check_password(const std::string& user, const std::string& password);

  ServeOptions options_;
  std::function<Instant()> now_;

  std::mutex trust_mutex_;
  std::shared_ptr<const crypto::TrustStore> trust_;
  std::string trust_stamp_;
  std::string trust_error_;
  unsigned long long trust_generation_ = 1;
  std::shared_ptr<const std::vector<long long>> trust_instants_;

  std::mutex record_cache_mutex_;
  std::map<std::string, CachedCheck> record_cache_;
  unsigned long long record_cache_generation_ = 0;
  std::atomic<unsigned long long> record_checks_{0};  // full checks (the rest: the cache)

  // Group commit: confirmations queue here; the first to find no batch running appends every
  // queued one in one transaction (one sync), then the next batch, while the others wait for
  // their answers. Each answer is given only after its entry committed.
  std::mutex batch_mutex_;
  std::condition_variable batch_done_;
  std::vector<Job*> queue_;
  bool batch_running_ = false;
  // Used by the running batch only: the service's ledger connection (reopened when the file
  // at the path is another one) and the chain follower (rebuilt when the trust changes, the
  // connection is reopened or the chain stops verifying, always expecting known_head_).
  std::optional<ledger::Ledger> ledger_;
  unsigned long long ledger_dev_ = 0, ledger_ino_ = 0;
  std::unique_ptr<ledger::ChainFollower> follower_;
  std::shared_ptr<const crypto::TrustStore> follower_trust_;
  unsigned long long follower_generation_ = 0;
  std::optional<ledger::ChainFollower::Head> known_head_;
  // Shown by health(): how many group commits recorded how many confirmations.
  std::atomic<unsigned long long> commits_{0};
  std::atomic<unsigned long long> recorded_{0};

  std::mutex users_mutex_;
  std::vector<users::User> users_;
  std::string users_stamp_;
  struct Attempts {
    int failures = 0;
    std::chrono::steady_clock::time_point first{};
    std::chrono::steady_clock::time_point locked_until{};
  };
  std::map<std::string, Attempts> attempts_;
  struct Session {
    std::string user;
    users::Role role = users::Role::unknown;
    std::string csrf;
    std::chrono::steady_clock::time_point expires{};
  };
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::pair<Principal, std::chrono::steady_clock::time_point>> basic_cache_;
  std::string secret_;  // keys the Basic cache

  // Confirmations read and append the ledger one at a time (their record checks run in
  // parallel): two calls for one dose cannot both be the first GO, and a lot is never read
  // (read_lot, audit) while another request appends, which read_lot would take for a truncated
  // ledger (it reads the entries and SQLite's highest number apart). Readers (trace, audit,
  // pending, history) share it.
  std::shared_timed_mutex ledger_lock_;
  // Confirmations in progress at once: one per core, admitted first come, first served. More
  // would only take the cores from the one that holds ledger_lock_ (measured: 32 at once on 2
  // cores halved the rate).
  class Slots {
   public:
    explicit Slots(unsigned n) : free_(n) {}
    void acquire();
    void release();

   private:
    std::mutex mutex_;
    std::condition_variable turn_;
    unsigned long long next_ = 0, head_ = 0;
    unsigned free_;
  };
  Slots confirm_slots_;
};

}  // namespace dosegate::serve
