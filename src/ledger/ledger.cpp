// The only code that includes sqlite3.h.
#include "dosegate/ledger/ledger.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>
#include <type_traits>
#include <vector>

#include "crypto/sha256.hpp"
#include "dosegate/error.hpp"
#include "ledger/backend.hpp"
#include "ledger/columns.hpp"
#include "ledger/fields.hpp"
#include "ledger/query.hpp"
#include "ledger_pg/postgresql.hpp"
#include "util/json.hpp"

namespace dosegate::ledger {
namespace {

namespace fs = std::filesystem;

// The SQLite result code of the last failure on this thread, kept before any cleanup call
// (such as a ROLLBACK) replaces the connection's own error code.
thread_local int t_last_rc = SQLITE_OK;

// The schema 3, 4 and 5 columns come last in `entries`, where ALTER TABLE puts them in a ledger of
// schema 2 to 4 (kSchema2To3, kSchema3To4, kSchema4To5), so that all have the same table.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  kind         TEXT NOT NULL,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  actor_sha256 TEXT NOT NULL,
  din          TEXT NOT NULL,
  divisions    TEXT NOT NULL,
  decision     TEXT NOT NULL,
  coa_id       TEXT NOT NULL,
  coa_sha256   TEXT NOT NULL,
  spec_id      TEXT NOT NULL,
  spec_version TEXT NOT NULL,
  spec_sha256  TEXT NOT NULL,
  records      TEXT NOT NULL,
  reason       TEXT NOT NULL,
  payload      TEXT NOT NULL,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL UNIQUE,
  signature    BLOB,
  refers_to    INTEGER NOT NULL DEFAULT 0,
  recipient    TEXT NOT NULL DEFAULT '',
  second_staff TEXT NOT NULL DEFAULT '',
  thawed_at    TEXT NOT NULL DEFAULT '',
  warnings     TEXT NOT NULL DEFAULT '',
  spec_approver        TEXT NOT NULL DEFAULT '',
  spec_approver_sha256 TEXT NOT NULL DEFAULT '',
  spec_approved_at     TEXT NOT NULL DEFAULT '',
  crls         BLOB
);
-- Lookups are by lot, often by lot and kind (the recall check before every confirmation, among
-- all of the lot's confirmations).
CREATE INDEX IF NOT EXISTS entries_din_kind ON entries(din, kind);
CREATE TRIGGER IF NOT EXISTS entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the dosegate ledger is append-only: entries cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS entries_append_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the dosegate ledger is append-only: entries cannot be deleted'); END;
)sql";

// Schema 2 to 3: the columns of the fields added in schema 3 (see kSchemaVersion). Existing
// entries get the empty values, which their payloads (written without these fields) agree with.
constexpr const char* kSchema2To3 = R"sql(
ALTER TABLE entries ADD COLUMN refers_to    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN recipient    TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN second_staff TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN thawed_at    TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN warnings     TEXT NOT NULL DEFAULT '';
)sql";

// Schema 3 to 4: the specification's approver (see kSchemaVersion), the same way.
constexpr const char* kSchema3To4 = R"sql(
ALTER TABLE entries ADD COLUMN spec_approver        TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN spec_approver_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN spec_approved_at     TEXT NOT NULL DEFAULT '';
)sql";

// Schema 4 to 5: the revocation data of signed entries (Entry::crls), outside the payload;
// existing entries keep none.
constexpr const char* kSchema4To5 = R"sql(
ALTER TABLE entries ADD COLUMN crls BLOB;
)sql";

}  // namespace

void payload_into(const Entry& e, std::string& out) {
  // Compact and in the field list's order: these bytes are hashed and signed.
  out.assign("{\"format\":\"dosegate-ledger-entry\",\"version\":1");
  for (const auto& f : kEntryFields) {
    if (!f.hashed) continue;
    if (f.only_when_set && visit_field(f, e, [](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, long long>)
            return v == 0;
          else
            return v.empty();
        }))
      continue;
    out += ',';
    json::append_quoted(out, f.name);
    out += ':';
    visit_field(f, e,
                Overload{[&](long long n) { out += std::to_string(n); },
                         [&](const std::string& v) { json::append_quoted(out, v); },
                         [&](const std::vector<std::string>& words) {
                           out += '[';
                           for (std::size_t i = 0; i < words.size(); ++i) {
                             if (i) out += ',';
                             json::append_quoted(out, words[i]);
                           }
                           out += ']';
                         },
                         [&](const std::vector<RecordRef>& records) {
                           out += '[';
                           for (std::size_t i = 0; i < records.size(); ++i) {
                             if (i) out += ',';
                             out += "{\"file\":";
                             json::append_quoted(out, records[i].file);
                             out += ",\"sha256\":";
                             json::append_quoted(out, records[i].sha256);
                             out += '}';
                           }
                           out += ']';
                         }});
  }
  out += '}';
}

std::string payload(const Entry& e) {
  std::string out;
  payload_into(e, out);
  return out;
}

std::string entry_hash(const std::string& prev_hash, const std::string& p) {
  return crypto::sha256_hex("dosegate-ledger-1\n" + prev_hash + "\n" + p);
}

std::string signed_bytes(long long seq, const std::string& prev_hash, const std::string& p) {
  return "dosegate-ledger-signed-2\n" + std::to_string(seq) + "\n" + prev_hash + "\n" + p;
}

std::string resolve_path(const std::optional<std::string>& option) {
  if (option) return *option;
  if (const char* env = std::getenv("DOSEGATE_LEDGER"); env && *env) return env;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/dosegate/ledger.sqlite";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.local/state/dosegate/ledger.sqlite";
  return "dosegate-ledger.sqlite";
}

std::string display_name(const std::string& location) {
  if (!is_postgresql_uri(location)) return fs::path(location).filename().string();
  // postgresql://[userinfo@][host][:port][/dbname][?params]
  auto rest = location.substr(location.find("://") + 3);
  rest = rest.substr(0, rest.find('?'));
  const auto slash = rest.find('/');
  const auto db = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
  return db.empty() ? std::string("postgresql database") : "postgresql database " + db;
}

constexpr int kWalCheckpointPages = 64;

// A lock another process holds is "ledger.busy" (the caller may wait or answer otherwise);
// anything else is "ledger.unreadable".
const char* code_for(int rc) {
  rc &= 0xff;
  return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? "ledger.busy" : "ledger.unreadable";
}

int millis(std::chrono::milliseconds ms) {
  return static_cast<int>(std::clamp<long long>(ms.count(), 0, 24LL * 3600 * 1000));
}

namespace {
// Prepared statements a connection keeps for what it runs again and again (the service's
// appends and its chain follower's reads): preparing a statement costs more than running it.
struct StmtCache {
  std::map<std::string, std::vector<sqlite3_stmt*>> idle;  // reset and unbound, by SQL text
  StmtCache() = default;
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  void clear() {
    for (auto& [sql, v] : idle)
      for (auto* st : v) sqlite3_finalize(st);
    idle.clear();
  }
  ~StmtCache() { clear(); }
};

// The embedded ledger: one SQLite file.
class SqliteBackend final : public Backend {
 public:
  std::string path;
  sqlite3* db = nullptr;
  StmtCache stmts;
  bool in_tx = false;
  int wal_pages = 0;  // pages in the WAL after the last commit
  int busy_ms = 60000;
  bool committed = false;  // this connection committed an entry
  SqliteBackend() = default;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;
  ~SqliteBackend() override {
    stmts.clear();
    if (!db) return;
    // The ledger file alone holds every entry this connection committed once it closes: a
    // plain copy of ledger.sqlite (a backup, the copy for an offline tablet) must not miss
    // what is still in ledger.sqlite-wal. One checkpoint per writing process, without waiting:
    // another process still reading an older snapshot keeps some frames in the WAL until the
    // next writer closes (`dosegate ledger backup` copies consistently in any case).
    if (committed && !in_tx) {
      sqlite3_busy_timeout(db, 0);
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
    sqlite3_close_v2(db);
  }
  [[noreturn]] void fail(const std::string& what) const {
    const int rc = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    t_last_rc = rc;
    throw Error(code_for(rc), path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "") +
                                  ((rc & 0xff) == SQLITE_BUSY ? busy_note() : ""));
  }
  std::string busy_note() const {
    return " (another process holds the ledger locked; waited " + std::to_string(busy_ms) + " ms)";
  }
  void exec(const char* sql) const {
    char* err = nullptr;
    if (const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err); rc != SQLITE_OK) {
      t_last_rc = rc;
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      throw Error(code_for(rc),
                  path + ": " + msg + ((rc & 0xff) == SQLITE_BUSY ? busy_note() : ""));
    }
  }

  static std::unique_ptr<SqliteBackend> open(const std::string& path, bool create,
                                             std::chrono::milliseconds wait);
  void set_wait(std::chrono::milliseconds wait) override;
  void begin() override;
  void begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
             const Waiting& waiting) override;
  bool in_transaction() const override { return in_tx; }
  void last_link(long long& seq, std::string& hash) override;
  void insert(const Entry& e, const std::string& p) override;
  void commit() override;
  void rollback() noexcept override;
  void for_each(const Filter& f, const Visit& visit) override;
  std::size_t count(const Filter& f) override;
  std::optional<Entry> head() override;
  std::string rules_problem() override;
  long long highest_seq_ever() override;
  void begin_snapshot() override { exec("BEGIN"); }
  void end_snapshot() noexcept override {
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);  // a read: nothing to lose
  }
  long long backup(const std::string& out) override;
};
}  // namespace

namespace {
struct Stmt {
  sqlite3_stmt* s = nullptr;
  StmtCache* cache = nullptr;
  std::string sql;
  Stmt(sqlite3* db, const char* text, const std::string& path) {
    if (const int rc = sqlite3_prepare_v2(db, text, -1, &s, nullptr); rc != SQLITE_OK) {
      t_last_rc = rc;
      throw Error(code_for(rc), path + ": " + sqlite3_errmsg(db));
    }
  }
  // One of `c`'s idle statements for `text`, or a new one it keeps afterwards. A statement in
  // use is never handed out twice (a reader nested in another's visit prepares its own).
  Stmt(sqlite3* db, const std::string& text, const std::string& path, StmtCache& c)
      : cache(&c), sql(text) {
    if (auto it = c.idle.find(sql); it != c.idle.end() && !it->second.empty()) {
      s = it->second.back();
      it->second.pop_back();
      return;
    }
    if (const int rc =
            sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
        rc != SQLITE_OK) {
      t_last_rc = rc;
      throw Error(code_for(rc), path + ": " + sqlite3_errmsg(db));
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (!cache) {
      sqlite3_finalize(s);
      return;
    }
    // Reset: it holds no read snapshot while idle.
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    auto& v = cache->idle[sql];
    if (v.size() < 4)
      v.push_back(s);
    else
      sqlite3_finalize(s);
  }
  void text(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  std::string col(int i) const {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    return t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : "";
  }
  // Into `out`, reusing its storage: a reader of every row allocates once, not per row.
  void col_into(int i, std::string& out) const {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    if (t)
      out.assign(t, static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
    else
      out.clear();
  }
};

// One row of columns::selected() into `e`, every field overwritten.
void read_row(const Stmt& s, Entry& e, std::string& scratch) {
  int i = 0;
  for (const auto& field : kEntryFields) {
    visit_field(field, e,
                Overload{[&](long long& n) { n = sqlite3_column_int64(s.s, i); },
                         [&](std::string& v) { s.col_into(i, v); },
                         [&](std::vector<std::string>& d) {
                           s.col_into(i, scratch);
                           columns::split_divisions_into(scratch, d);
                         },
                         [&](std::vector<RecordRef>& r) { r = columns::parse_records(s.col(i)); }});
    ++i;
  }
  if (const void* b = sqlite3_column_blob(s.s, i))
    e.signature.assign(static_cast<const char*>(b),
                       static_cast<std::size_t>(sqlite3_column_bytes(s.s, i)));
  else
    e.signature.clear();
  s.col_into(i + 1, e.stored_payload);
  if (const void* b = sqlite3_column_blob(s.s, i + 2))
    e.crls = columns::split_crls(std::string_view(
        static_cast<const char*>(b), static_cast<std::size_t>(sqlite3_column_bytes(s.s, i + 2))));
  else
    e.crls.clear();
}

// The WHERE clause of a Filter, its parameters numbered ?1 din, ?2 kind, ?3 since, ?4 until.
std::string where(const Filter& f) {
  std::string sql = " WHERE 1=1";
  if (f.din) sql += " AND din = ?1";
  if (f.kind) sql += " AND kind = ?2";
  if (f.since) sql += " AND at >= ?3";
  if (f.until) sql += " AND at <= ?4";
  if (f.after_seq) sql += " AND seq > ?5";
  return sql;
}

void bind(Stmt& s, const Filter& f) {
  if (f.din) s.text(1, *f.din);
  if (f.kind) s.text(2, *f.kind);
  if (f.since) s.text(3, *f.since);
  if (f.until) s.text(4, *f.until);
  if (f.after_seq) sqlite3_bind_int64(s.s, 5, *f.after_seq);
}

}  // namespace

std::string entries_query(const Filter& filter) {
  return "SELECT " + columns::selected() + " FROM entries" + where(filter) + " ORDER BY seq";
}

namespace {

std::unique_ptr<SqliteBackend> SqliteBackend::open(const std::string& path, bool create,
                                                   std::chrono::milliseconds wait) {
  auto impl = std::make_unique<SqliteBackend>();
  impl->path = path;
  impl->busy_ms = millis(wait);
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (!exists && !create)
    throw Error("ledger.unreadable", path +
                                         ": no ledger at this path (give --ledger FILE or set "
                                         "DOSEGATE_LEDGER)");
  if (!exists) {
    const auto parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
  }
  const int flags =
      SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK)
    impl->fail("cannot open the ledger");
  sqlite3_busy_timeout(impl->db, impl->busy_ms);  // another process holds a lock: wait
  // Every commit is synced (synchronous=FULL). SQLite's own checkpoint on close (only by the
  // last connection, and by readers too) is off: a connection that committed folds the WAL in
  // when it closes (see ~SqliteBackend), and commit() does once the WAL holds kWalCheckpointPages
  // pages.
  sqlite3_db_config(impl->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_wal_hook(
      impl->db,
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<SqliteBackend*>(self)->wal_pages = pages;
        return SQLITE_OK;
      },
      impl.get());
  // Switching to WAL and creating the schema can meet another process doing the same at the
  // same moment; SQLite then answers "busy" without waiting, so retry until `wait` has passed.
  // Each attempt waits only for what is left of it: the whole open never outlasts `wait`.
  for (;;) {
    try {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      sqlite3_busy_timeout(impl->db, millis(left));
      // WAL is a property of the file: switch only once (switching writes to the file).
      int version = 0;
      {
        Stmt v(impl->db, "PRAGMA user_version", path);
        if (sqlite3_step(v.s) != SQLITE_ROW) impl->fail("cannot read the ledger's schema version");
        version = sqlite3_column_int(v.s, 0);
      }
      // Nothing is written to a file that is not a dosegate ledger unless the command starts
      // one: `confirm`, `history` and `audit` given an empty or unrelated file say so and leave
      // it as it was.
      if (version == 0 && !create)
        throw Error("ledger.schema",
                    path +
                        ": not a dosegate ledger (the file holds no ledger schema; is it the "
                        "right file? only release and recall start a new ledger)");
      std::string mode;
      {
        Stmt m(impl->db, "PRAGMA journal_mode", path);
        if (sqlite3_step(m.s) == SQLITE_ROW) mode = m.col(0);
      }
      if (mode != "wal") impl->exec("PRAGMA journal_mode=WAL");
      impl->exec("PRAGMA synchronous=FULL");
      if (version == 0) {
        impl->exec("BEGIN IMMEDIATE");
        try {
          impl->exec(kSchema);
          impl->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
          impl->exec("INSERT OR IGNORE INTO meta(key, value) VALUES('format', 'dosegate ledger')");
          impl->exec("COMMIT");
        } catch (...) {
          sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
          throw;
        }
      } else if (version == 1) {
        // Schema 1 signed the payload alone, so its chain can be rebuilt around a signed entry.
        // Reading it under the new rules would call every signed entry forged, and reading it
        // under the old ones would trust what cannot be trusted: refuse it, and say what to do.
        throw Error("ledger.schema",
                    path +
                        ": ledger schema version 1, whose signatures do not cover the entries' "
                        "places in the chain; this dosegate reads schema version " +
                        std::to_string(kSchemaVersion) +
                        " only. Keep this file as a read-only archive (a dosegate of schema 1 "
                        "still audits it) and start a new ledger with --ledger NEW_FILE "
                        "(or DOSEGATE_LEDGER)");
      } else if (version >= 2 && version < kSchemaVersion) {
        impl->exec("BEGIN IMMEDIATE");
        try {
          int now = 0;  // another process may have been first
          {
            Stmt again(impl->db, "PRAGMA user_version", path);
            sqlite3_step(again.s);
            now = sqlite3_column_int(again.s, 0);
          }
          if (now == 2) impl->exec(kSchema2To3);
          if (now == 2 || now == 3) impl->exec(kSchema3To4);
          if (now >= 2 && now <= 4) {
            impl->exec(kSchema4To5);
            impl->exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
          }
          impl->exec("COMMIT");
        } catch (...) {
          sqlite3_exec(impl->db, "ROLLBACK", nullptr, nullptr, nullptr);
          throw;
        }
      } else if (version != kSchemaVersion) {
        throw Error("ledger.schema", path + ": ledger schema version " + std::to_string(version) +
                                         "; this dosegate reads version " +
                                         std::to_string(kSchemaVersion));
      }
      sqlite3_busy_timeout(impl->db, impl->busy_ms);
      break;
    } catch (const Error& e) {
      if (e.code() == "ledger.schema") throw;
      const int rc = t_last_rc & 0xff;  // primary result code
      t_last_rc = SQLITE_OK;
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (std::chrono::steady_clock::now() + std::chrono::milliseconds(50) < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        throw Error("ledger.busy", path + ": the ledger stayed locked by another process for " +
                                       std::to_string(wait.count()) + " ms; nothing was read");
      }
      throw Error("ledger.unreadable", std::string(e.what()) + " (is it a dosegate ledger?)");
    }
  }
  return impl;
}

void SqliteBackend::set_wait(std::chrono::milliseconds wait) {
  busy_ms = millis(wait);
  sqlite3_busy_timeout(db, busy_ms);
}

void SqliteBackend::begin() {
  exec("BEGIN IMMEDIATE");
  in_tx = true;
}

void SqliteBackend::begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
                          const Waiting& waiting) {
  const int saved = busy_ms;
  const auto start = std::chrono::steady_clock::now();
  sqlite3_busy_timeout(db, millis(std::min(every, wait)));
  for (;;) {
    const int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) break;
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    if ((rc & 0xff) != SQLITE_BUSY || waited >= wait) {
      busy_ms = millis(waited);
      try {
        fail("cannot take the ledger's write lock");
      } catch (...) {
        busy_ms = saved;
        sqlite3_busy_timeout(db, saved);
        throw;
      }
    }
    try {
      if (waiting) waiting(waited);
    } catch (...) {
      busy_ms = saved;
      sqlite3_busy_timeout(db, saved);
      throw;
    }
  }
  busy_ms = saved;
  sqlite3_busy_timeout(db, saved);
  in_tx = true;
}

void SqliteBackend::last_link(long long& seq, std::string& hash) {
  Stmt s(db, "SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1", path, stmts);
  if (sqlite3_step(s.s) == SQLITE_ROW) {
    seq = sqlite3_column_int64(s.s, 0);
    hash = s.col(1);
  } else {
    seq = 0;
    hash = kGenesis;
  }
}

void SqliteBackend::insert(const Entry& e, const std::string& p) {
  std::string marks;
  for (std::size_t n = 0; n < kEntryFields.size(); ++n) marks += "?,";
  const std::string sql =
      "INSERT INTO entries(" + columns::inserted() + ") VALUES(" + marks + "?,?,?)";
  Stmt s(db, sql, path, stmts);
  int i = 1;
  for (const auto& f : kEntryFields) {
    visit_field(
        f, e,
        Overload{[&](long long n) { sqlite3_bind_int64(s.s, i, n); },
                 [&](const std::string& v) { s.text(i, v); },
                 [&](const std::vector<std::string>& d) { s.text(i, columns::join_divisions(d)); },
                 [&](const std::vector<RecordRef>& r) { s.text(i, columns::records_text(r)); }});
    ++i;
  }
  s.text(i++, p);
  if (e.signature.empty())
    sqlite3_bind_null(s.s, i);
  else
    sqlite3_bind_blob(s.s, i, e.signature.data(), static_cast<int>(e.signature.size()),
                      SQLITE_TRANSIENT);
  ++i;
  if (e.crls.empty()) {
    sqlite3_bind_null(s.s, i);
  } else {
    const std::string blob = columns::crls_blob(e.crls);
    sqlite3_bind_blob(s.s, i, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  }
  if (sqlite3_step(s.s) != SQLITE_DONE) fail("cannot append to the ledger");
}

void SqliteBackend::commit() {
  exec("COMMIT");
  in_tx = false;
  committed = true;
  // The WAL's index does not outlive the last connection: every process that opens the ledger
  // first reads the whole WAL again, and SQLite's own (passive) checkpoints never shorten the
  // file. So once it is long enough, fold it into the database and truncate it. The entry is
  // already durable; a reader holding an old snapshot makes this a no-op (the next commit
  // tries again) rather than a wait.
  if (wal_pages >= kWalCheckpointPages) {
    sqlite3_busy_timeout(db, 0);
    if (sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) ==
        SQLITE_OK)
      wal_pages = 0;
    sqlite3_busy_timeout(db, busy_ms);
  }
}

void SqliteBackend::rollback() noexcept {
  if (!in_tx) return;
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  in_tx = false;
}

void SqliteBackend::for_each(const Filter& f, const Visit& visit) {
  const std::string sql = entries_query(f);
  Stmt s(db, sql, path, stmts);
  bind(s, f);
  Entry e;
  std::string scratch;
  int rc = 0;
  while ((rc = sqlite3_step(s.s)) == SQLITE_ROW) {
    read_row(s, e, scratch);
    if (!visit(e)) return;
  }
  if (rc != SQLITE_DONE) fail("cannot read the ledger");
}

std::size_t SqliteBackend::count(const Filter& f) {
  const std::string sql = "SELECT count(*) FROM entries" + where(f);
  Stmt s(db, sql.c_str(), path);
  bind(s, f);
  if (sqlite3_step(s.s) != SQLITE_ROW) fail("cannot read the ledger");
  return static_cast<std::size_t>(sqlite3_column_int64(s.s, 0));
}

std::optional<Entry> SqliteBackend::head() {
  const std::string sql =
      "SELECT " + columns::selected() + " FROM entries ORDER BY seq DESC LIMIT 1";
  Stmt s(db, sql, path, stmts);
  const int rc = sqlite3_step(s.s);
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) fail("cannot read the ledger");
  Entry e;
  std::string scratch;
  read_row(s, e, scratch);
  return e;
}

std::string SqliteBackend::rules_problem() {
  Stmt s(db,
         "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name IN "
         "('entries_append_only_update','entries_append_only_delete')",
         path);
  sqlite3_step(s.s);
  if (sqlite3_column_int(s.s, 0) == 2) return {};
  return "the append-only triggers were removed from the database; someone changed its schema";
}

long long SqliteBackend::highest_seq_ever() {
  Stmt s(db, "SELECT seq FROM sqlite_sequence WHERE name='entries'", path);
  return sqlite3_step(s.s) == SQLITE_ROW ? sqlite3_column_int64(s.s, 0) : 0;
}

long long SqliteBackend::backup(const std::string& out) {
  const auto refuse = [&](const std::string& why) {
    throw Error("ledger.backup", out + ": cannot back up " + path + ": " + why);
  };
  std::error_code ec;
  if (fs::exists(out, ec) || fs::is_symlink(out, ec))
    refuse("the file exists; a backup never replaces a file (give a new --out)");
  const auto dir =
      fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  if (!fs::is_directory(dir, ec)) refuse("no directory " + dir.string());
  const std::string tmp = out + ".partial";
  fs::remove(tmp, ec);
  sqlite3* dest = nullptr;
  long long copied = 0;
  const auto close_dest = [&] {
    if (dest) sqlite3_close_v2(dest);
    dest = nullptr;
  };
  try {
    if (sqlite3_open_v2(tmp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK)
      refuse(dest ? sqlite3_errmsg(dest) : "cannot create the file");
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", db, "main");
    if (!b) refuse(sqlite3_errmsg(dest));
    // Copies in steps; a writer in another process between steps restarts the copy, so the
    // result is always one consistent snapshot.
    int rc = SQLITE_OK;
    do {
      rc = sqlite3_backup_step(b, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) refuse(sqlite3_errstr(rc));
    // One file: the copy keeps the source's WAL mode in its header but holds everything in the
    // main file, with no -wal beside it.
    char* err = nullptr;
    if (sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string why = err ? err : "journal mode";
      sqlite3_free(err);
      refuse(why);
    }
    {
      // The copy must read: SQLite's own integrity check, and its last entry.
      Stmt check(dest, "PRAGMA integrity_check", tmp);
      if (sqlite3_step(check.s) != SQLITE_ROW || check.col(0) != "ok")
        refuse("the copy does not pass SQLite's integrity check");
      Stmt last(dest, "SELECT coalesce(max(seq), 0) FROM entries", tmp);
      if (sqlite3_step(last.s) != SQLITE_ROW) refuse("the copy holds no entries table");
      copied = sqlite3_column_int64(last.s, 0);
    }
    close_dest();
    const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      refuse("cannot sync the copy");
    }
    ::close(fd);
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) != 0)
      refuse(std::string("cannot rename the copy into place: ") + std::strerror(errno));
    if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
      ::fsync(d);
      ::close(d);
    }
  } catch (...) {
    close_dest();
    fs::remove(tmp, ec);
    throw;
  }
  return copied;
}

}  // namespace

struct Ledger::Impl {
  std::string path;
  std::unique_ptr<Backend> backend;  // SQLite, or a shared PostgreSQL ledger
  int snapshots = 0;                 // Snapshots alive; the outermost holds the read transaction
};

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
const std::string& Ledger::path() const {
  return impl_->path;
}

Ledger Ledger::open(const std::string& path, bool create, std::chrono::milliseconds wait) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  if (is_postgresql_uri(path))
    impl->backend = postgresql::open(path, wait);
  else
    impl->backend = SqliteBackend::open(path, create, wait);
  return Ledger(std::move(impl));
}

void Ledger::set_wait(std::chrono::milliseconds wait) {
  impl_->backend->set_wait(wait);
}

void Ledger::begin() {
  impl_->backend->begin();
}

void Ledger::begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
                   const Waiting& waiting) {
  impl_->backend->begin(wait, every, waiting);
}

void Ledger::prepare(Entry& e) {
  impl_->backend->last_link(e.seq, e.prev_hash);
  ++e.seq;
  // The highest number ever written never goes down (SQLite's AUTOINCREMENT bookkeeping, the
  // PostgreSQL ledger's high-water mark): follow it, so a deleted tail stays visible.
  e.seq = std::max(e.seq, impl_->backend->highest_seq_ever() + 1);
}

void Ledger::append(Entry& e, const std::function<std::string(const std::string&)>& sign) {
  const std::string p = payload(e);
  e.hash = entry_hash(e.prev_hash, p);
  if (sign) e.signature = sign(signed_bytes(e.seq, e.prev_hash, p));
  insert(e, p);
}

void Ledger::append_copy(const Entry& e) {
  insert(e, e.stored_payload);
}

void Ledger::insert(const Entry& e, const std::string& p) {
  impl_->backend->insert(e, p);
}

std::string Ledger::init(const std::string& location, const std::optional<std::string>& grant_to) {
  if (is_postgresql_uri(location)) return postgresql::init(location, grant_to);
  if (grant_to)
    throw UsageError("--grant names a PostgreSQL role; a SQLite ledger (" + location +
                     ") has no roles: its file's permissions decide who writes it");
  std::error_code ec;
  const bool existed = fs::exists(location, ec);
  const auto l = open(location, true);
  return existed ? location + ": a dosegate ledger (schema " + std::to_string(kSchemaVersion) +
                       ") is already there, with " + std::to_string(l.count()) + " entries"
                 : location + ": a new, empty dosegate ledger (schema " +
                       std::to_string(kSchemaVersion) + ")";
}

void Ledger::commit() {
  impl_->backend->commit();
}

void Ledger::append_alone(Entry& e, const std::function<std::string(const std::string&)>& sign) {
  // A serialisation failure or a deadlock that a shared database reports (it cannot arise among
  // dosegate's own appends, which take the append lock first) is retried, not reported.
  for (int attempt = 1;; ++attempt) {
    begin();
    try {
      prepare(e);
      append(e, sign);
      commit();
      return;
    } catch (const Error& err) {
      rollback();
      if (err.code() != "ledger.serialization" || attempt == 5) throw;
    } catch (...) {
      rollback();
      throw;
    }
  }
}

void Ledger::rollback() noexcept {
  if (impl_) impl_->backend->rollback();
}

void Ledger::for_each(const Filter& f, const Visit& visit) const {
  impl_->backend->for_each(f, visit);
}

std::vector<Entry> Ledger::entries(const Filter& f) const {
  std::vector<Entry> out;
  for_each(f, [&](const Entry& e) {
    out.push_back(e);
    return true;
  });
  return out;
}

std::size_t Ledger::count(const Filter& f) const {
  return impl_->backend->count(f);
}

std::optional<Entry> Ledger::head() const {
  return impl_->backend->head();
}

Ledger::Snapshot Ledger::snapshot() const {
  // Inside a transaction of this Ledger, the transaction is already one state.
  if (impl_->backend->in_transaction()) return Snapshot(nullptr);
  // SQLite: a deferred BEGIN (the state every read sees starts at the first read); PostgreSQL:
  // a REPEATABLE READ, READ ONLY transaction.
  if (impl_->snapshots == 0) impl_->backend->begin_snapshot();
  ++impl_->snapshots;
  return Snapshot(impl_.get());
}

Ledger::Snapshot::Snapshot(Snapshot&& other) noexcept : impl_(other.impl_) {
  other.impl_ = nullptr;
}

Ledger::Snapshot::~Snapshot() {
  if (impl_ && --impl_->snapshots == 0) impl_->backend->end_snapshot();
}

long long Ledger::backup(const std::string& out) const {
  return impl_->backend->backup(out);
}

std::string Ledger::rules_problem() const {
  return impl_->backend->rules_problem();
}

bool Ledger::triggers_present() const {
  return impl_->backend->rules_problem().empty();
}

long long Ledger::highest_seq_ever() const {
  return impl_->backend->highest_seq_ever();
}

}  // namespace dosegate::ledger
