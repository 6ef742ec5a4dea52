// The bedside service's work, one function per endpoint (no HTTP types here).
#include "serve/service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "confirm/confirm_with_trust.hpp"
#include "crypto/sha256.hpp"
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release/recall.hpp"
#include "dosegate/release_data.hpp"
#include "dosegate/verify/verify.hpp"
#include "ledger/audit.hpp"
#include "ledger/export.hpp"
#include "ledger/trace.hpp"
#include "pdf/verify_record.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/json_read.hpp"
#include "util/text.hpp"
#include "verify/verify_with_trust.hpp"

namespace dosegate::serve {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How long a verified Basic password is remembered.
constexpr std::chrono::minutes kBasicCacheLifetime{5};
// Sessions and remembered attempts kept at most; the oldest go first.
constexpr std::size_t kMaxSessions = 10000;

// What changes when a file of the directory is added, removed, replaced or rewritten.
std::string directory_stamp(const std::string& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    const auto st = it->symlink_status(e2);
    std::string line = it->path().string();
    if (fs::is_regular_file(st)) {
      line += " " + std::to_string(it->file_size(e2)) + " " +
              std::to_string(it->last_write_time(e2).time_since_epoch().count());
    }
    lines.push_back(line);
  }
  if (ec) return "error: " + ec.message();
  std::sort(lines.begin(), lines.end());
  return text::join(lines, "\n");
}

std::string file_stamp(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "absent";
  const auto t = fs::last_write_time(path, ec);
  return std::to_string(size) + " " + std::to_string(t.time_since_epoch().count());
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string base64_decode(const std::string& in) {
  std::string out;
  int val = 0;
  int bits = -8;
  for (char c : in) {
    int d = -1;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    if (c >= '0' && c <= '9') d = c - '0' + 52;
    if (c == '+') d = 62;
    if (c == '/') d = 63;
    if (c == '=') break;
    if (d < 0) throw std::invalid_argument("not base64");
    val = (val << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

Reply json_reply(int status, const std::string& body) {
  Reply r;
  r.status = status;
  r.body = body;
  return r;
}

// The file name release writes for a dose (record_id: DIN-PRODUCTCODE-DIVISION.pdf, the product
// code as in the CoA: the two-character division replaced by 00).
std::string record_file_for(const isbt128::ScannedDose& d) {
  const std::string product =
      d.division.size() == 2 ? d.product_code.substr(0, 6) + "00" : d.product_code;
  return d.din + "-" + product + "-" + d.division + ".pdf";
}

// A record name as the API takes it: DIN-PRODUCTCODE-DIVISION.pdf, each part valid.
bool is_record_name(const std::string& name) {
  if (name.size() < 5 || name.size() > 64 || name.compare(name.size() - 4, 4, ".pdf") != 0)
    return false;
  const auto stem = name.substr(0, name.size() - 4);
  const auto a = stem.find('-');
  const auto b = a == std::string::npos ? a : stem.find('-', a + 1);
  if (b == std::string::npos || stem.find('-', b + 1) != std::string::npos) return false;
  const auto din = stem.substr(0, a);
  const auto product = stem.substr(a + 1, b - a - 1);
  const auto division = stem.substr(b + 1);
  return isbt128::is_valid_din(din) && isbt128::is_valid_product_code(product) &&
         isbt128::is_valid_division(isbt128::division_scheme(product), division);
}

bool ledger_unavailable(const Error& e) {
  return e.code() == "ledger.busy" || e.code() == "ledger.unreadable" ||
         e.code() == "ledger.schema" || e.code() == "io.unreadable";
}

Reply ledger_error(const Error& e) {
  if (ledger_unavailable(e))
    return error_reply(503, "serve.ledger-unavailable",
                       std::string("the ledger cannot be read now: ") + e.what(), "ledger");
  return error_reply(500, e.code(), e.what());
}

// A temporary directory for one verify call, removed with its files.
struct Scratch {
  fs::path path;
  Scratch() {
    std::string t = (fs::temp_directory_path() / "dosegate-serve-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw IoError("cannot create a temporary directory");
    path = t;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string write(const std::string& name, const std::string& bytes) const {
    const auto p = (path / name).string();
    std::ofstream out(p, std::ios::binary);
    out << bytes;
    if (!out) throw IoError(p + ": cannot write");
    return p;
  }
};

}  // namespace

Reply error_reply(int status, const std::string& code, const std::string& message,
                  const std::string& location) {
  std::ostringstream out;
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).key("status").value(static_cast<long long>(status));
  w.field("decision", "error");
  // What a request sent (a parameter's name, a scan) may be anything: never invalid UTF-8 or
  // a control character in the answer.
  json::write_findings(w, {Finding{code, Severity::error, text::escape_controls(message, true),
                                   text::escape_controls(location)}});
  w.end_object();
  out << '\n';
  return json_reply(status, out.str());
}

Service::Service(ServeOptions options, std::function<Instant()> now)
    : options_(std::move(options)),
      now_(std::move(now)),
      secret_(users::random_bytes(32)),
      confirm_slots_(std::max(1u, std::thread::hardware_concurrency())) {
  trust_stamp_ = directory_stamp(options_.trust_dir);
  trust_ = std::make_shared<const crypto::TrustStore>(options_.trust_dir);
  trust_instants_ = std::make_shared<const std::vector<long long>>(trust_->instants());
  if (!fs::is_directory(options_.records_dir))
    throw IoError(options_.records_dir + ": the records directory cannot be read");
  {
    std::lock_guard lock(users_mutex_);
    users_stamp_ = file_stamp(options_.users_path);
    if (users_stamp_ != "absent") users_ = users::read_users(options_.users_path);
  }
}

Service::~Service() = default;

std::shared_ptr<const crypto::TrustStore> Service::trust() {
  return trust_state().store;
}

Service::TrustState Service::trust_state() {
  // Looked at on every call (a few dozen stat calls): a new CRL counts from the next request.
  const auto stamp = directory_stamp(options_.trust_dir);
  std::lock_guard lock(trust_mutex_);
  if (stamp != trust_stamp_) {
    trust_stamp_ = stamp;
    ++trust_generation_;
    try {
      trust_ = std::make_shared<const crypto::TrustStore>(options_.trust_dir);
      trust_instants_ = std::make_shared<const std::vector<long long>>(trust_->instants());
      trust_error_.clear();
    } catch (const Error& e) {
      // Fail closed: never keep answering with the trust (the CRLs) that was replaced.
      trust_.reset();
      trust_instants_.reset();
      trust_error_ = e.what();
    }
  }
  return {trust_, trust_generation_, trust_instants_};
}

Service::CachedCheck Service::record_check(const std::string& path, const std::string& name,
                                           const std::string& bytes, const std::string& sha256,
                                           const TrustState& trust) {
  const std::string key = path + '\n' + sha256 + '\n' + std::to_string(trust.generation);
  const Instant at = now_();
  // The cached answer as of `at`: the time it was judged at is this request's when it was the
  // verification time (no timestamp), as a check now would say.
  const auto as_of_now = [&](const CachedCheck& c) {
    if (!c.judged_now) return c;
    auto copy = std::make_shared<pdf::RecordCheck>(*c.check);
    copy->judged_at = format_instant(at);
    CachedCheck now = c;
    now.check = std::move(copy);
    return now;
  };
  {
    std::lock_guard lock(record_cache_mutex_);
    const auto it = record_cache_.find(key);
    if (it != record_cache_.end() && it->second.window.contains(at)) return as_of_now(it->second);
  }
  std::shared_ptr<const pdf::RecordCheck> result;
  {
    // Checks that are not in the cache run one per core, first come, first served.
    confirm_slots_.acquire();
    struct Release {
      Slots& s;
      ~Release() { s.release(); }
    } slot{confirm_slots_};
    result =
        std::make_shared<const pdf::RecordCheck>(pdf::verify_record(bytes, *trust.store, at, name));
    ++record_checks_;
  }
  CachedCheck entry{result, nullptr, {}, false};
  if (result->release_data) {
    try {
      entry.data =
          std::make_shared<const ReleaseData>(release_data_from_json(*result->release_data));
    } catch (const std::runtime_error&) {
      // confirm_record reads it again and answers its finding.
    }
  }
  std::vector<long long> instants = *trust.instants;
  instants.insert(instants.end(), result->instants.begin(), result->instants.end());
  entry.window = crypto::window_around(at, std::move(instants));
  const auto at_text = format_instant(at);
  entry.judged_now = !result->timestamp && result->judged_at == at_text;
  // A finding that names the verification time itself (a timestamp "after the verification
  // time ...") is true as written for this second only.
  for (const auto* list : {&result->findings, &result->notes})
    for (const auto& f : *list)
      if (f.message.find(at_text) != std::string::npos) {
        const auto s = static_cast<long long>(at.time_since_epoch().count());
        entry.window = {s, s};
      }
  std::lock_guard lock(record_cache_mutex_);
  // Checks made under an older state of the trust directory are never asked for again.
  if (trust.generation > record_cache_generation_) {
    std::erase_if(record_cache_, [&](const auto& c) {
      return !c.first.ends_with('\n' + std::to_string(trust.generation));
    });
    record_cache_generation_ = trust.generation;
  }
  if (record_cache_.size() >= kRecordCacheEntries) record_cache_.clear();
  record_cache_[key] = entry;
  return entry;
}

void Service::refresh_users() {
  const auto stamp = file_stamp(options_.users_path);
  if (stamp == users_stamp_) return;
  users_stamp_ = stamp;
  basic_cache_.clear();
  try {
    users_ =
        stamp == "absent" ? std::vector<users::User>{} : users::read_users(options_.users_path);
  } catch (const Error&) {
    users_.clear();  // a broken users file lets nobody in
  }
}

std::optional<Principal> Service::check_password(const std::string& user,
                                                 const std::string& password) {
  std::optional<users::User> found;
  {
    std::lock_guard lock(users_mutex_);
    refresh_users();
    const auto t = Clock::now();
    auto& a = attempts_[user];
    if (a.locked_until > t) return std::nullopt;
    for (const auto& u : users_)
      if (u.name == user) found = u;
    if (attempts_.size() > kMaxSessions) attempts_.clear();
  }
  // The same work for an unknown user as for a known one: the answer's time says nothing.
  static const std::string dummy = users::hash_password("dosegate-no-such-user");
  const bool ok = users::verify_password(found ? found->hash : dummy, password) && found;
  std::lock_guard lock(users_mutex_);
  auto& a = attempts_[user];
  const auto t = Clock::now();
  if (!ok) {
    if (a.failures == 0 || t - a.first > kLockout) {
      a.failures = 0;
      a.first = t;
    }
    if (++a.failures >= kMaxFailedLogins) {
      a.locked_until = t + kLockout;
      a.failures = 0;
    }
    return std::nullopt;
  }
  a = Attempts{};
  return Principal{found->name, found->role, "", ""};
}

std::optional<Principal> Service::login(const std::string& user, const std::string& password) {
  auto p = check_password(user, password);
  if (!p) return std::nullopt;
  std::lock_guard lock(users_mutex_);
  if (sessions_.size() >= kMaxSessions) {
    const auto t = Clock::now();
    std::erase_if(sessions_, [&](const auto& s) { return s.second.expires <= t; });
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
  }
  p->session = hex(users::random_bytes(32));
  p->csrf = hex(users::random_bytes(32));
  sessions_[p->session] = Session{p->user, p->role, p->csrf, Clock::now() + kSessionLifetime};
  return p;
}

std::optional<Principal> Service::session(const std::string& session_id) {
  std::lock_guard lock(users_mutex_);
  refresh_users();
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  if (it->second.expires <= Clock::now()) {
    sessions_.erase(it);
    return std::nullopt;
  }
  // An account removed from the users file, or given another role, ends its sessions.
  const auto u = std::find_if(users_.begin(), users_.end(),
                              [&](const auto& x) { return x.name == it->second.user; });
  if (u == users_.end() || u->role != it->second.role) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return Principal{it->second.user, it->second.role, it->first, it->second.csrf};
}

std::vector<std::string> Service::user_names() {
  std::lock_guard lock(users_mutex_);
  refresh_users();
  std::vector<std::string> out;
  for (const auto& u : users_) out.push_back(u.name);
  return out;
}

void Service::logout(const std::string& session_id) {
  std::lock_guard lock(users_mutex_);
  sessions_.erase(session_id);
}

std::optional<Principal> Service::basic(const std::string& header_value) {
  if (header_value.rfind("Basic ", 0) != 0) return std::nullopt;
  std::string decoded;
  try {
    decoded = base64_decode(std::string(text::trim(header_value.substr(6))));
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  const auto user = decoded.substr(0, colon);
  const auto password = decoded.substr(colon + 1);
  const auto key = crypto::sha256_hex(secret_ + user + '\0' + password);
  {
    std::lock_guard lock(users_mutex_);
    refresh_users();
    const auto it = basic_cache_.find(key);
    if (it != basic_cache_.end()) {
      if (it->second.second > Clock::now()) return it->second.first;
      basic_cache_.erase(it);
    }
  }
  auto p = check_password(user, password);
  if (!p) return std::nullopt;
  std::lock_guard lock(users_mutex_);
  if (basic_cache_.size() >= kMaxSessions) basic_cache_.clear();
  basic_cache_[key] = {*p, Clock::now() + kBasicCacheLifetime};
  return p;
}

void Service::Slots::acquire() {
  std::unique_lock lock(mutex_);
  const auto ticket = next_++;
  turn_.wait(lock, [&] { return ticket == head_ && free_ > 0; });
  ++head_;
  --free_;
  turn_.notify_all();
}

void Service::Slots::release() {
  {
    std::lock_guard lock(mutex_);
    ++free_;
  }
  turn_.notify_all();
}

namespace {

// A request body that must be one JSON object of at most kMaxJsonBytes, read into `v`: its
// object, or nullptr with the answer (413, or 400 request.malformed) in `error`.
const json::Value::Object* json_object_body(const std::string& body, json::Value& v, Reply& error) {
  if (body.size() > kMaxJsonBytes) {
    error =
        error_reply(413, "serve.too-large",
                    "the request body is larger than " + std::to_string(kMaxJsonBytes) + " bytes");
    return nullptr;
  }
  try {
    v = json::parse(body);
  } catch (const json::ParseError& e) {
    error = error_reply(400, "request.malformed", e.what(), "body");
    return nullptr;
  }
  const auto* object = v.object();
  if (!object) error = error_reply(400, "request.malformed", "the body is not a JSON object");
  return object;
}

}  // namespace

Reply Service::confirm(const Principal& who, const std::string& body) {
  json::Value v;
  Reply error;
  const auto* object = json_object_body(body, v, error);
  if (!object) return error;
  ConfirmOptions o;
  for (const auto& [key, value] : *object) {
    if (key == "dose") {
      if (const auto s = value.string()) {
        o.scans.push_back(*s);
      } else if (const auto* a = value.array()) {
        for (const auto& scan : *a) {
          const auto s2 = scan.string();
          if (!s2) return error_reply(400, "request.malformed", "dose: a list of strings", key);
          o.scans.push_back(*s2);
        }
      } else {
        return error_reply(400, "request.malformed", "dose: a scan or a list of scans", key);
      }
    } else if (key == "staff" || key == "second_staff" || key == "recipient" ||
               key == "thawed_at") {
      const auto s = value.string();
      if (!s && !std::holds_alternative<std::nullptr_t>(value.v))
        return error_reply(400, "request.malformed", key + ": a string", key);
      if (!s || s->empty()) continue;
      if (key != "thawed_at")
        if (const auto bad = id_problem(key, *s))
          return error_reply(400, "request.malformed", *bad, key);
      if (key == "staff") o.staff = *s;
      if (key == "second_staff") o.second_staff = *s;
      if (key == "recipient") o.recipient = *s;
      if (key == "thawed_at") {
        const auto t = parse_time_argument(*s, now_());
        if (!t)
          return error_reply(400, "request.malformed",
                             "thawed_at: UTC (2026-12-02T06:30:00Z), a time with its offset "
                             "(2026-12-02T07:30+01:00) or now",
                             key);
        o.thawed_at = *t;
      }
    } else {
      return error_reply(400, "request.malformed",
                         "unknown key '" + text::escape_controls(key) +
                             "' (dose, staff, second_staff, recipient, thawed_at)",
                         key);
    }
  }
  if (o.scans.empty())
    return error_reply(400, "request.malformed", "dose: the bag label's scans are required",
                       "dose");
  // The staff id defaults to the person logged in; a badge scan may name another person.
  // The ledger entry names both: the staff member as its actor and, in a warning, the account
  // the confirmation was made through.
  std::vector<Finding> badge_findings;
  if (o.staff.empty()) o.staff = who.user;
  if (o.staff != who.user) {
    bool registered = false;
    {
      std::lock_guard lock(users_mutex_);
      refresh_users();
      for (const auto& u : users_) registered = registered || u.name == o.staff;
    }
    badge_findings.push_back(Finding{"confirm.staff-by-badge", Severity::warning,
                                     "staff " + o.staff +
                                         " by badge scan, confirmed through the "
                                         "account of " +
                                         who.user,
                                     "staff"});
    if (!registered)
      badge_findings.push_back(Finding{
          "confirm.badge-not-user", Severity::warning,
          "the badge scanned (" + o.staff + ") is not a user of this service; check the badge",
          "staff"});
  }
  if (!o.second_staff.empty() && o.second_staff == o.staff)
    return error_reply(400, "request.malformed",
                       "second_staff is the confirming staff id itself; a second check needs "
                       "another person",
                       "second_staff");
  isbt128::ScannedDose scanned;
  try {
    scanned = isbt128::parse_scans(o.scans);
  } catch (const std::invalid_argument& e) {
    return error_reply(400, "scan.invalid", e.what(), "dose");
  }
  const auto name = record_file_for(scanned);
  const auto path = (fs::path(options_.records_dir) / name).string();
  if (!fs::is_regular_file(path)) {
    Reply r =
        error_reply(404, "serve.record-not-found",
                    "NO-GO: no release record for dose " + isbt128::din_eye_readable(scanned.din) +
                        " " + scanned.division + " (" + name + "); this dose was not released here",
                    "dose");
    return r;
  }
  const auto state = trust_state();
  const auto& store = state.store;
  if (!store)
    return error_reply(503, "serve.trust-unusable",
                       "the trust directory changed and cannot be used: " + trust_error_, "trust");
  o.record_path = path;
  o.trust_dir = options_.trust_dir;
  o.ledger_path = options_.ledger_path;
  o.at = now_();
  // The bedside's bound runs from the request's arrival.
  Job job;
  job.deadline = Clock::now() + kBedsideLedgerWait;
  try {
    const std::string bytes = text::read_file(path);
    const std::string sha256 = crypto::sha256_hex(bytes);
    const auto checked = record_check(path, name, bytes, sha256, state);
    job.draft = confirm_record(o, sha256, *checked.check, checked.data.get());
  } catch (const std::invalid_argument& e) {
    return error_reply(400, "scan.invalid", e.what(), "dose");
  } catch (const Error& e) {
    return error_reply(500, e.code(), e.what());
  }
  for (auto& f : badge_findings) job.draft.result.findings.push_back(std::move(f));
  job.draft.result.ledger_path = options_.ledger_path;
  job.options = o;
  job.trust = store;
  job.generation = state.generation;
  ledger_step(job);
  const ConfirmResult& result = job.draft.result;
  int status = 200;
  for (const auto& f : result.findings)
    if (f.code == "confirm.ledger-unreadable" || f.code == "confirm.ledger-busy" ||
        f.code == "confirm.not-recorded")
      status = 503;
  ConfirmOptions shown = o;
  shown.record_path = name;  // the service's paths stay on the server
  std::ostringstream out;
  print_json(result, shown, out);
  out << '\n';
  return json_reply(status, out.str());
}

void Service::ledger_step(Job& job) {
  std::unique_lock lock(batch_mutex_);
  queue_.push_back(&job);
  while (!job.done) {
    if (batch_running_) {
      batch_done_.wait(lock);
      continue;
    }
    // This thread runs the next batch (its own job is in it), then hands over to a waiting one:
    // its answer is not held back by later batches.
    batch_running_ = true;
    std::vector<Job*> batch;
    batch.swap(queue_);
    lock.unlock();
    try {
      run_batch(batch);
    } catch (...) {
      // run_batch answers every job itself; this is a programming error's last stop. Nobody
      // was answered yet (done is set below), so every job is still there: all NO-GO.
      for (auto* j : batch) confirm_not_recorded(j->draft, "the service failed");
    }
    // The answers are complete: each waiting thread may send its own (and its job ends).
    for (auto* j : batch) j->done = true;
    lock.lock();
    batch_running_ = false;
    batch_done_.notify_all();
  }
}

void Service::open_ledger(std::chrono::milliseconds wait) {
  struct stat st {};
  if (ledger_) {
    // The file at the path must be the one this connection has open: a ledger replaced while
    // the service runs is opened anew, and the follower checks that its head is still there.
    if (::stat(options_.ledger_path.c_str(), &st) != 0 ||
        static_cast<unsigned long long>(st.st_dev) != ledger_dev_ ||
        static_cast<unsigned long long>(st.st_ino) != ledger_ino_) {
      ledger_.reset();
      follower_.reset();
    }
  }
  if (ledger_) return;
  ledger_.emplace(ledger::Ledger::open(options_.ledger_path, false, wait));
  if (::stat(options_.ledger_path.c_str(), &st) == 0) {
    ledger_dev_ = static_cast<unsigned long long>(st.st_dev);
    ledger_ino_ = static_cast<unsigned long long>(st.st_ino);
  }
}

void Service::run_batch(const std::vector<Job*>& batch) {
  auto deadline = batch.front()->deadline;
  for (auto* j : batch) deadline = std::min(deadline, j->deadline);
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  };
  const auto finish = [&](const std::function<void(Job&)>& f) {
    for (auto* j : batch) f(*j);
  };
  std::unique_lock section(ledger_lock_, std::defer_lock);
  if (!section.try_lock_until(deadline)) {
    finish([](Job& j) {
      confirm_ledger_busy(j.draft, j.options);
      confirm_decide(j.draft, j.options);
      j.draft.result.ledger_note = "not recorded: the ledger cannot be read";
    });
    return;
  }
  try {
    open_ledger(left());
    ledger_->set_wait(left());
    ledger_->begin();
  } catch (const Error& e) {
    ledger_.reset();
    follower_.reset();
    finish([&](Job& j) {
      confirm_ledger_error(j.draft, j.options, e);
      confirm_decide(j.draft, j.options);
      j.draft.result.ledger_note = "not recorded: the ledger cannot be read";
    });
    return;
  }
  // The newest trust among the batch's confirmations judges the chain.
  const Job* newest = batch.front();
  for (auto* j : batch)
    if (j->generation > newest->generation) newest = j;
  std::size_t decided = 0;
  std::vector<ledger::Entry> entries(batch.size());
  try {
    if (!follower_ || follower_generation_ != newest->generation) {
      follower_.reset();
      follower_trust_ = newest->trust;
      follower_generation_ = newest->generation;
      follower_ = std::make_unique<ledger::ChainFollower>(*follower_trust_, known_head_);
    }
    follower_->follow(*ledger_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Job& j = *batch[i];
      follower_->with_lot(j.draft.scanned.din, [&](const ledger::LotReading& reading) {
        confirm_ledger(j.draft, j.options, reading);
      });
      confirm_decide(j.draft, j.options);
      ++decided;
      entries[i] = confirm_entry(j.draft, j.options);
      ledger_->prepare(entries[i]);
      ledger_->append(entries[i]);
      follower_->take(entries[i]);  // the next confirmation of this dose sees this one
    }
    ledger_->commit();
  } catch (const Error& e) {
    ledger_->rollback();
    // The follower took entries that are not in the ledger; the connection may be broken.
    follower_.reset();
    ledger_.reset();
    const std::string why = e.what();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Job& j = *batch[i];
      if (i >= decided) confirm_decide(j.draft, j.options);
      confirm_not_recorded(j.draft, why);
    }
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i]->draft.result.ledger_entry = entries[i].seq;
  ++commits_;
  recorded_ += batch.size();
  if (follower_->trusted())
    known_head_ = follower_->head();
  else
    follower_.reset();  // read again from the start next time, still expecting known_head_
}

Reply Service::verify(const std::optional<Upload>& coa, const std::optional<Upload>& signature,
                      const std::optional<Upload>& spec) {
  if (!coa) return error_reply(400, "request.malformed", "upload the CoA as the part coa", "coa");
  for (const auto* u : {&coa, &signature, &spec})
    if (*u && (*u)->content.size() > kMaxUploadBytes)
      return error_reply(
          413, "serve.too-large",
          "an uploaded file is larger than " + std::to_string(kMaxUploadBytes) + " bytes");
  const auto store = trust();
  if (!store)
    return error_reply(503, "serve.trust-unusable",
                       "the trust directory changed and cannot be used: " + trust_error_, "trust");
  std::optional<Scratch> scratch;
  // The uploads' temporary paths stay on the server: the answer names the files as uploaded.
  const auto shown = [&](std::string text) {
    if (!scratch) return text;
    const std::string prefix = scratch->path.string() + "/";
    for (std::size_t at; (at = text.find(prefix)) != std::string::npos;)
      text.erase(at, prefix.size());
    return text;
  };
  try {
    scratch.emplace();
    const Scratch& dir = *scratch;
    VerifyOptions o;
    o.coa_path = dir.write("coa.xml", coa->content);
    if (signature) o.signature_path = dir.write("coa.xml.p7s", signature->content);
    if (spec) o.spec_path = dir.write("spec.xml", spec->content);
    o.trust_dir = options_.trust_dir;
    o.as_of = now_();
    auto report = dosegate::verify(o, *store);
    report.coa_path = coa->filename.empty() ? "coa.xml" : fs::path(coa->filename).filename();
    std::ostringstream out;
    print_json(report, out);
    out << '\n';
    return json_reply(200, shown(out.str()));
  } catch (const Error& e) {
    const int status = e.code() == "spec.invalid" || e.code() == "spec.impersonation" ? 400 : 500;
    return error_reply(status, e.code(), shown(e.what()));
  }
}

Reply Service::history(const Params& params) {
  ledger::Filter f;
  std::string format = "json";
  for (const auto& [key, value] : params) {
    if (key == "lot") {
      try {
        f.din = isbt128::parse_din(value);
      } catch (const std::invalid_argument& e) {
        return error_reply(400, "request.malformed", std::string("lot: ") + e.what(), "lot");
      }
    } else if (key == "kind") {
      static const std::vector<std::string> kinds{
          "release", "exceptional-release", "rejection", "records", "recall", "results", "confirm"};
      if (std::find(kinds.begin(), kinds.end(), value) == kinds.end())
        return error_reply(400, "request.malformed",
                           "kind: one of release, exceptional-release, rejection, records, recall, "
                           "results, confirm",
                           "kind");
      f.kind = value;
    } else if (key == "since" || key == "until") {
      const auto t = parse_time_argument(value, now_());
      if (!t)
        return error_reply(400, "request.malformed",
                           key + ": UTC (2026-12-02T06:30:00Z), a time with its offset or now",
                           key);
      (key == "since" ? f.since : f.until) = format_instant(*t);
    } else if (key == "format") {
      if (value != "json" && value != "csv")
        return error_reply(400, "request.malformed", "format: json or csv", "format");
      format = value;
    } else {
      return error_reply(400, "request.malformed",
                         "unknown parameter (lot, kind, since, until, format)", key);
    }
  }
  try {
    std::shared_lock lock(ledger_lock_);
    const auto ledger = ledger::Ledger::open(options_.ledger_path, false, kBedsideLedgerWait);
    const auto entries = ledger.entries(f);
    const auto head = ledger.head();
    std::ostringstream out;
    Reply r;
    if (format == "csv") {
      ledger::write_csv(out, entries, head);
      r.content_type = "text/csv; charset=utf-8";
      r.headers.push_back({"Content-Disposition", "attachment; filename=\"history.csv\""});
    } else {
      ledger::write_json(out, entries, head, ledger::display_name(options_.ledger_path));
    }
    r.body = out.str();
    return r;
  } catch (const Error& e) {
    return ledger_error(e);
  }
}

Reply Service::trace(const std::string& din_text, const Params& params) {
  std::string format = "json";
  for (const auto& [key, value] : params) {
    if (key != "format" || (value != "json" && value != "csv"))
      return error_reply(400, "request.malformed", "format: json or csv", key);
    format = value;
  }
  std::string din;
  try {
    din = isbt128::parse_din(din_text);
  } catch (const std::invalid_argument& e) {
    return error_reply(400, "request.malformed", e.what(), "din");
  }
  const auto store = trust();
  if (!store)
    return error_reply(503, "serve.trust-unusable",
                       "the trust directory changed and cannot be used: " + trust_error_, "trust");
  try {
    std::shared_lock lock(ledger_lock_);
    const auto ledger = ledger::Ledger::open(options_.ledger_path, false, kBedsideLedgerWait);
    const auto t = ledger::trace_lot(ledger, *store, din);
    std::ostringstream out;
    Reply r;
    if (format == "csv") {
      if (!t.verified())
        return error_reply(409, "trace.not-verified",
                           "the ledger does not verify for this lot; see the JSON trace", "ledger");
      ledger::write_trace_csv(out, t);
      r.content_type = "text/csv; charset=utf-8";
      r.headers.push_back(
          {"Content-Disposition", "attachment; filename=\"trace-" + din + ".csv\""});
    } else {
      ledger::write_trace_json(out, t, ledger::display_name(options_.ledger_path));
    }
    r.body = out.str();
    return r;
  } catch (const Error& e) {
    if (e.code() == "trace.unknown-lot") return error_reply(404, e.code(), e.what(), "din");
    return ledger_error(e);
  }
}

Reply Service::audit(const Params& params) {
  std::optional<std::string> expect_head;
  for (const auto& [key, value] : params) {
    if (key != "expect_head")
      return error_reply(400, "request.malformed", "unknown parameter (expect_head)", key);
    expect_head = value;
  }
  const auto store = trust();
  if (!store)
    return error_reply(503, "serve.trust-unusable",
                       "the trust directory changed and cannot be used: " + trust_error_, "trust");
  try {
    std::shared_lock lock(ledger_lock_);
    const auto ledger = ledger::Ledger::open(options_.ledger_path, false, kBedsideLedgerWait);
    const auto result = ledger::audit(ledger, *store, expect_head);
    std::ostringstream out;
    ledger::print_json(result, ledger::display_name(options_.ledger_path), out);
    out << '\n';
    return json_reply(200, out.str());
  } catch (const Error& e) {
    return ledger_error(e);
  }
}

Reply Service::record(const std::string& name) {
  if (!is_record_name(name))
    return error_reply(400, "request.malformed",
                       "a record name is DIN-PRODUCTCODE-DIVISION.pdf "
                       "(A999926000154-S1234V00-B0.pdf)",
                       "name");
  const auto path = (fs::path(options_.records_dir) / name).string();
  if (!fs::is_regular_file(path))
    return error_reply(404, "serve.record-not-found", "no release record " + name, "name");
  Reply r;
  try {
    r.body = text::read_file(path);
  } catch (const Error& e) {
    return error_reply(500, e.code(), e.what());
  }
  r.content_type = "application/pdf";
  r.headers.push_back({"Content-Disposition", "attachment; filename=\"" + name + "\""});
  return r;
}

Reply Service::recall(const Principal& who, const std::string& body) {
  if (!options_.recall_signer)
    return error_reply(501, "serve.recall-unavailable",
                       "this service holds no releaser key to sign a recall with (dosegate "
                       "serve --key ...); recall with dosegate recall");
  json::Value v;
  Reply error;
  const auto* object = json_object_body(body, v, error);
  if (!object) return error;
  RecallOptions o;
  for (const auto& [key, value] : *object) {
    const auto s = value.string();
    if (key != "lot" && key != "reason")
      return error_reply(400, "request.malformed",
                         "unknown key '" + text::escape_controls(key) + "' (lot, reason)", key);
    if (!s) return error_reply(400, "request.malformed", key + ": a string", key);
    (key == "lot" ? o.din : o.reason) = *s;
  }
  if (!isbt128::is_valid_din(o.din))
    return error_reply(400, "request.malformed",
                       "lot: a 13-character DIN (e.g. A999926000147), got " + text::quoted(o.din),
                       "lot");
  if (text::trim(o.reason).empty())
    return error_reply(400, "request.malformed", "reason: say why the lot is withdrawn", "reason");
  // The key signs; the reason recorded (and signed with the entry) names who asked.
  o.reason += " (recalled by " + who.user + " through dosegate serve)";
  o.trust_dir = options_.trust_dir;
  o.signer = *options_.recall_signer;
  o.ledger_path = options_.ledger_path;
  o.at = now_();
  try {
    // No confirmation reads or appends meanwhile; the next one reads the recall.
    std::unique_lock lock(ledger_lock_);
    const auto r = dosegate::recall(o, [](const std::string&) { return std::nullopt; });
    std::ostringstream out;
    print_json(r, o.din, out);
    out << '\n';
    return json_reply(200, out.str());
  } catch (const UsageError& e) {
    return error_reply(400, "request.malformed", e.what());
  } catch (const Error& e) {
    if (e.code() == "recall.unknown-lot") return error_reply(404, e.code(), e.what(), "lot");
    if (e.code() == "ledger.busy" || e.code() == "ledger.unreadable")
      return error_reply(503, "serve.ledger-unavailable", e.what());
    return error_reply(503, e.code(), e.what());
  }
}

Reply Service::pending() {
  const auto store = trust();
  if (!store)
    return error_reply(503, "serve.trust-unusable",
                       "the trust directory changed and cannot be used: " + trust_error_, "trust");
  struct Row {
    std::string din, test, method, expected, when_overdue, record, problem;
    long long release = 0;
    bool overdue = false;
  };
  std::vector<Row> rows;
  try {
    std::shared_lock lock(ledger_lock_);
    const auto ledger = ledger::Ledger::open(options_.ledger_path, false, kBedsideLedgerWait);
    ledger::Filter f;
    f.kind = "release";
    std::vector<std::string> dins;
    for (const auto& e : ledger.entries(f))
      if (e.decision == "releasable-pending" &&
          std::find(dins.begin(), dins.end(), e.din) == dins.end())
        dins.push_back(e.din);
    const auto today = format_instant(now_()).substr(0, 10);
    for (const auto& din : dins) {
      const auto lot = ledger::read_lot(ledger, *store, din);
      if (!lot.trusted()) {
        rows.push_back({din, "", "", "", "", "", lot.findings.front().message, 0, false});
        continue;
      }
      if (!lot.recalls.empty()) continue;  // a recalled lot is given to nobody
      for (const auto& release : lot.releases) {
        if (release.decision != "releasable-pending") continue;
        const bool resolved =
            std::any_of(lot.results.begin(), lot.results.end(),
                        [&](const auto& r) { return r.refers_to == release.seq; });
        if (resolved) continue;
        // The release's records entry follows it; its first record present here tells the
        // pending tests, from the bytes the release signed.
        std::optional<ReleaseData> data;
        std::string record, problem = "no record of this release in the records directory";
        for (const auto& rec : lot.records) {
          if (rec.seq <= release.seq || data) continue;
          for (const auto& file : rec.records) {
            const auto path = (fs::path(options_.records_dir) / file.file).string();
            if (!is_record_name(file.file) || !fs::is_regular_file(path)) continue;
            const auto bytes = text::read_file(path);
            if (crypto::sha256_hex(bytes) != file.sha256) continue;
            const auto check = pdf::verify_record(bytes, *store, now_(), file.file);
            if (!check.findings.empty() || !check.release_data) {
              problem = file.file + ": " +
                        (check.findings.empty() ? "no release data" : check.findings[0].message);
              continue;
            }
            data = release_data_from_json(*check.release_data);
            record = file.file;
            break;
          }
        }
        if (!data) {
          rows.push_back({din, "", "", "", "", "", problem, release.seq, false});
          continue;
        }
        for (const auto& p : data->pending)
          rows.push_back({din, p.test, p.method, p.expected, p.when_overdue, record, "",
                          release.seq, p.expected < today});
      }
    }
  } catch (const Error& e) {
    return ledger_error(e);
  } catch (const std::runtime_error& e) {
    return error_reply(500, "serve.error", e.what());
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    if (a.overdue != b.overdue) return a.overdue;
    return a.expected < b.expected;
  });
  std::ostringstream out;
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "pending").field("at", format_instant(now_()));
  w.key("pending").begin_array();
  for (const auto& r : rows) {
    w.begin_object();
    w.field("din", r.din).field("eye_readable", isbt128::din_eye_readable(r.din));
    w.key("release_entry").value(r.release);
    w.field("test", r.test).field("method", r.method).field("expected", r.expected);
    w.key("overdue").value(r.overdue);
    w.field("when_overdue", r.when_overdue).field("record", r.record).field("problem", r.problem);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  out << '\n';
  return json_reply(200, out.str());
}

Reply Service::health() {
  bool ledger_ok = false;
  std::string ledger_note;
  try {
    const auto ledger = ledger::Ledger::open(options_.ledger_path, false, kBedsideLedgerWait);
    ledger_ok = true;
    if (const auto head = ledger.head()) ledger_note = "entry " + std::to_string(head->seq);
  } catch (const Error& e) {
    ledger_note = e.what();
  }
  const bool trust_ok = trust() != nullptr;
  const bool records_ok = fs::is_directory(options_.records_dir);
  std::ostringstream out;
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "serve");
  w.field("status", ledger_ok && trust_ok && records_ok ? "ok" : "unavailable");
  w.key("ledger").value(ledger_ok).field("ledger_head", ledger_ok ? ledger_note : "");
  w.key("trust").value(trust_ok).key("records").value(records_ok);
  // Group commit at work: confirmations recorded since the start, and the commits they took.
  w.key("confirmations_recorded").value(static_cast<long long>(recorded_.load()));
  w.key("ledger_commits").value(static_cast<long long>(commits_.load()));
  // Record signature checks made since the start; every other confirmation's came from the cache.
  w.key("record_checks").value(static_cast<long long>(record_checks_.load()));
  w.field("at", format_instant(now_()));
  w.end_object();
  out << '\n';
  return json_reply(ledger_ok && trust_ok && records_ok ? 200 : 503, out.str());
}

}  // namespace dosegate::serve
