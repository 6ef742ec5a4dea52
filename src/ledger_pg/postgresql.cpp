// The only code that includes libpq.
#include "ledger_pg/postgresql.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "dosegate/error.hpp"
#include "ledger/columns.hpp"
#include "ledger/fields.hpp"

namespace dosegate::ledger::postgresql {
namespace {

// SQLSTATEs dosegate answers to.
constexpr const char* kLockNotAvailable = "55P03";      // lock_timeout passed
constexpr const char* kSerializationFailure = "40001";  // retried
constexpr const char* kDeadlockDetected = "40P01";      // retried

// The trigger functions. audit compares the database's copies with these texts, so a function
// replaced by one that lets changes through is reported, not trusted.
constexpr const char* kRefuseChangeBody = R"sql(
BEGIN
  RAISE EXCEPTION 'the dosegate ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
)sql";
// Runs with the owner's rights (SECURITY DEFINER: a site's role may not write high_water
// itself), so it resolves nothing through the caller's search_path: its own is pg_catalog, and
// the table is named with the trigger's schema.
constexpr const char* kRaiseHighWaterBody = R"sql(
BEGIN
  EXECUTE format('UPDATE %I.high_water SET seq = $1 WHERE seq < $1', TG_TABLE_SCHEMA)
    USING NEW.seq;
  RETURN NULL;
END
)sql";
constexpr const char* kRaiseHighWaterConfig = "search_path=pg_catalog, pg_temp";
constexpr const char* kHighWaterOnlyUpBody = R"sql(
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.seq >= OLD.seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the dosegate ledger''s high-water mark only rises: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
)sql";

// pg_trigger.tgtype bits
constexpr int kRow = 1, kBefore = 2, kInsert = 4, kDelete = 8, kUpdate = 16, kTruncate = 32;

struct ExpectedTrigger {
  const char* table;
  const char* name;
  int type;
  const char* function;
  const char* body;
  bool security_definer = false;
  const char* config = "";  // the function's SET clauses (pg_proc.proconfig)
};
constexpr ExpectedTrigger kTriggers[] = {
    {"entries", "entries_append_only", kRow | kBefore | kUpdate | kDelete, "dosegate_refuse_change",
     kRefuseChangeBody},
    {"entries", "entries_high_water", kRow | kInsert, "dosegate_raise_high_water",
     kRaiseHighWaterBody, true, kRaiseHighWaterConfig},
    {"entries", "entries_no_truncate", kBefore | kTruncate, "dosegate_refuse_change",
     kRefuseChangeBody},
    {"high_water", "high_water_no_truncate", kBefore | kTruncate, "dosegate_high_water_only_up",
     kHighWaterOnlyUpBody},
    {"high_water", "high_water_only_up", kRow | kBefore | kUpdate | kDelete,
     "dosegate_high_water_only_up", kHighWaterOnlyUpBody},
};

// CREATE TABLE entries, its columns from kEntryFields (the same list as SQLite's), text in the
// "C" collation so that comparisons (times) are bytewise.
std::string schema_sql() {
  std::string columns_sql;
  for (const auto& f : kEntryFields) {
    if (f.name == "seq") {
      columns_sql += "  seq bigint PRIMARY KEY CHECK (seq > 0),\n";
      continue;
    }
    const bool integer = std::holds_alternative<long long Entry::*>(f.member);
    columns_sql +=
        "  " + std::string(f.name) +
        (integer ? " bigint NOT NULL DEFAULT 0,\n" : " text COLLATE \"C\" NOT NULL DEFAULT '',\n");
  }
  std::string sql = R"sql(
CREATE TABLE meta (
  key   text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE entries (
)sql" + columns_sql +
                    R"sql(  payload text COLLATE "C" NOT NULL,
  signature bytea,
  crls bytea,
  UNIQUE (hash)
);
CREATE INDEX entries_din_kind ON entries(din, kind);
CREATE TABLE high_water (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  seq bigint NOT NULL
);
INSERT INTO high_water VALUES (true, 0);
)sql";
  sql += "CREATE FUNCTION dosegate_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $body$" +
         std::string(kRefuseChangeBody) + "$body$;\n";
  sql +=
      "CREATE FUNCTION dosegate_raise_high_water() RETURNS trigger LANGUAGE plpgsql SECURITY "
      "DEFINER SET search_path = pg_catalog, pg_temp AS $body$" +
      std::string(kRaiseHighWaterBody) + "$body$;\n";
  sql +=
      "CREATE FUNCTION dosegate_high_water_only_up() RETURNS trigger LANGUAGE plpgsql AS $body$" +
      std::string(kHighWaterOnlyUpBody) + "$body$;\n";
  sql += R"sql(
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
  FOR EACH ROW EXECUTE FUNCTION dosegate_refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION dosegate_refuse_change();
CREATE TRIGGER entries_high_water AFTER INSERT ON entries
  FOR EACH ROW EXECUTE FUNCTION dosegate_raise_high_water();
CREATE TRIGGER high_water_only_up BEFORE UPDATE OR DELETE ON high_water
  FOR EACH ROW EXECUTE FUNCTION dosegate_high_water_only_up();
CREATE TRIGGER high_water_no_truncate BEFORE TRUNCATE ON high_water
  FOR EACH STATEMENT EXECUTE FUNCTION dosegate_high_water_only_up();
INSERT INTO meta(key, value) VALUES ('format', 'dosegate ledger');
)sql";
  sql +=
      "INSERT INTO meta(key, value) VALUES ('schema', '" + std::to_string(kSchemaVersion) + "');\n";
  return sql;
}

struct Result {
  PGresult* r = nullptr;
  explicit Result(PGresult* res) : r(res) {}
  ~Result() { PQclear(r); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ExecStatusType status() const { return r ? PQresultStatus(r) : PGRES_FATAL_ERROR; }
  std::string sqlstate() const {
    const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    return s ? s : "";
  }
  std::string value(int row, int col) const {
    return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  }
  int rows() const { return PQntuples(r); }
};

// What a URI names, for messages: "host H, database D" (never a password: those are refused).
struct Target {
  std::string uri;
  std::string host;
  std::string database;
  std::string described() const {
    return uri + " (host " + (host.empty() ? "the local socket" : host) + ", database " +
           (database.empty() ? "of the user's name" : database) + ")";
  }
};

// Connects, refusing a password in the URI and bounding the time it takes.
PGconn* connect(const std::string& uri, Target& target) {
  target.uri = uri;
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &err);
  if (!options) {
    std::string why = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    // The URI is not repeated: it could not be checked for a password.
    throw Error("ledger.unreadable",
                "the ledger is not a valid PostgreSQL connection URI (" + why +
                    "); write it as postgresql://HOST[:PORT]/DATABASE[?sslmode=verify-full]");
  }
  std::vector<std::string> keys;
  std::vector<std::string> values;
  bool has_timeout = false;
  bool has_password = false;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string key = o->keyword;
    // A password, or the passphrase of the client key (sslpassword), is a secret: never taken
    // from a command line.
    if (key == "password" || key == "sslpassword") {
      has_password = true;
      continue;
    }
    if (key == "host") target.host = o->val;
    if (key == "dbname") target.database = o->val;
    if (key == "connect_timeout") has_timeout = true;
    if (key == "client_encoding") continue;  // always UTF8 (below)
    keys.push_back(key);
    values.emplace_back(o->val);
  }
  PQconninfoFree(options);
  if (has_password)
    throw Error("ledger.password-in-uri",
                "the ledger URI holds a password (password or sslpassword), and a command line is "
                "no place for one (other users see it in the process list, the shell keeps it in "
                "its history): "
                "remove it from the URI and put it in ~/.pgpass (or the file PGPASSFILE names), "
                "a line HOST:PORT:DATABASE:USER:PASSWORD readable by its owner alone, or use a "
                "client certificate (sslcert, sslkey)");
  if (!has_timeout) {
    keys.emplace_back("connect_timeout");
    values.push_back(std::to_string(kConnectTimeoutSeconds));
  }
  keys.emplace_back("client_encoding");
  values.emplace_back("UTF8");
  bool has_name = false;
  for (const auto& k : keys) has_name = has_name || k == "application_name";
  if (!has_name) {
    keys.emplace_back("application_name");
    values.emplace_back("dosegate");
  }
  std::vector<const char*> k;
  std::vector<const char*> v;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    k.push_back(keys[i].c_str());
    v.push_back(values[i].c_str());
  }
  k.push_back(nullptr);
  v.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(k.data(), v.data(), 0);
  if (!conn)
    throw Error("ledger.unreadable", target.described() + ": cannot connect: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    throw Error("ledger.unreadable",
                target.described() + ": cannot connect to the PostgreSQL ledger: " + why +
                    ". Check that the server runs and is reachable from here, the URI's host, "
                    "port and database, and the password in ~/.pgpass or PGPASSFILE (waited at "
                    "most the URI's connect_timeout, " +
                    (has_timeout ? std::string("as given")
                                 : std::to_string(kConnectTimeoutSeconds) + " s") +
                    ")");
  }
  return conn;
}

class PgBackend final : public Backend {
 public:
  PgBackend(PGconn* conn, Target target, std::chrono::milliseconds wait)
      : conn_(conn), target_(std::move(target)), wait_(wait) {}
  ~PgBackend() override {
    if (in_tx_) PQclear(PQexec(conn_, "ROLLBACK"));
    PQfinish(conn_);
  }
  PgBackend(const PgBackend&) = delete;
  PgBackend& operator=(const PgBackend&) = delete;

  [[noreturn]] void fail(const std::string& what, const Result& r) const {
    std::string why = r.r ? PQresultErrorMessage(r.r) : "";
    if (why.empty()) why = PQerrorMessage(conn_);
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    const auto state = r.sqlstate();
    const char* code = state == kLockNotAvailable ? "ledger.busy"
                       : state == kSerializationFailure || state == kDeadlockDetected
                           ? "ledger.serialization"
                           : "ledger.unreadable";
    throw Error(
        code, target_.described() + ": " + what + ": " + why +
                  (PQstatus(conn_) == CONNECTION_BAD ? " (the connection to the database was lost)"
                                                     : ""));
  }

  void exec(const char* sql, const char* what) {
    Result r(PQexec(conn_, sql));
    if (r.status() != PGRES_COMMAND_OK && r.status() != PGRES_TUPLES_OK) fail(what, r);
  }

  Result query(const std::string& sql, const std::vector<std::string>& params, const char* what) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
    if (r.status() != PGRES_TUPLES_OK && r.status() != PGRES_COMMAND_OK) fail(what, r);
    return Result(std::exchange(r.r, nullptr));
  }

  void check_schema() {
    Result r(PQexec(conn_, "SELECT value FROM meta WHERE key = 'schema'"));
    if (r.status() != PGRES_TUPLES_OK || r.rows() != 1) {
      if (PQstatus(conn_) == CONNECTION_BAD) fail("cannot read the ledger's schema", r);
      throw Error("ledger.schema", target_.described() +
                                       ": no dosegate ledger in this database; create it once "
                                       "with `dosegate ledger init --ledger " +
                                       target_.uri + "` (as the role that owns the ledger)");
    }
    const auto version = r.value(0, 0);
    if (version == "4") {
      migrate_4_to_5();
      return;
    }
    if (version != std::to_string(kSchemaVersion))
      throw Error("ledger.schema", target_.described() + ": ledger schema version " + version +
                                       "; this dosegate reads version " +
                                       std::to_string(kSchemaVersion));
  }

  // Schema 4 to 5 in place: the column of the revocation data signed entries keep (Entry::crls);
  // existing entries keep none. Needs the rights of the role that owns the ledger (a site's role
  // may only read and append): refused otherwise, with what to run.
  void migrate_4_to_5() {
    try {
      exec("BEGIN", "cannot start a transaction");
      in_tx_ = true;
      exec(("SELECT pg_advisory_xact_lock(" + std::to_string(kAppendLock) + ")").c_str(),
           "cannot take the ledger's lock");
      Result again(PQexec(conn_, "SELECT value FROM meta WHERE key = 'schema'"));
      if (again.status() != PGRES_TUPLES_OK || again.rows() != 1)
        fail("cannot read the ledger's schema", again);
      if (again.value(0, 0) == "4") {  // another process may have been first
        exec("ALTER TABLE entries ADD COLUMN crls bytea", "cannot add the crls column");
        exec(("UPDATE meta SET value = '" + std::to_string(kSchemaVersion) +
              "' WHERE key = 'schema'")
                 .c_str(),
             "cannot record the schema version");
      }
      commit();
    } catch (const Error& e) {
      rollback();
      if (e.code() == "ledger.commit-unknown") throw;
      throw Error("ledger.schema",
                  target_.described() + ": ledger schema version 4; this dosegate reads version " +
                      std::to_string(kSchemaVersion) + " and could not bring it there in place (" +
                      e.what() + "). Run `dosegate ledger init --ledger " + target_.uri +
                      "` once as the role that owns the ledger: it adds the column and keeps "
                      "every entry");
    }
  }

  void set_wait(std::chrono::milliseconds wait) override { wait_ = wait; }

  void begin() override { begin(wait_, wait_, {}); }

  long long backup(const std::string& out) override {
    throw Error("ledger.backup",
                out + ": cannot back up " + target_.uri +
                    ": a PostgreSQL ledger is backed up with the database's own tools (pg_dump, "
                    "or pg_basebackup with WAL archiving; see the README, \"Sharing the ledger "
                    "between sites\"); `dosegate ledger backup` copies SQLite files");
  }

  void begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
             const Waiting& waiting) override {
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
      const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      const auto slice = std::max<long long>(1, std::min(every, wait - waited).count());
      exec("BEGIN ISOLATION LEVEL READ COMMITTED", "cannot start a transaction");
      in_tx_ = true;
      const std::string set = "SET LOCAL lock_timeout = " + std::to_string(slice);
      exec(set.c_str(), "cannot set the lock timeout");
      Result r(PQexec(
          conn_, ("SELECT pg_advisory_xact_lock(" + std::to_string(kAppendLock) + ")").c_str()));
      if (r.status() == PGRES_TUPLES_OK) {
        const std::string rest =
            "SET LOCAL lock_timeout = " + std::to_string(std::max<long long>(1, wait_.count()));
        exec(rest.c_str(), "cannot set the lock timeout");
        return;
      }
      const auto state = r.sqlstate();
      rollback();
      if (state != kLockNotAvailable && state != kSerializationFailure &&
          state != kDeadlockDetected)
        fail("cannot take the ledger's append lock", r);
      const auto now_waited = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      if (now_waited >= wait)
        throw Error("ledger.busy",
                    target_.described() + ": another site held the ledger's append lock for " +
                        std::to_string(now_waited.count()) + " ms; nothing was written");
      if (waiting) waiting(now_waited);
    }
  }

  bool in_transaction() const override { return in_tx_; }

  void last_link(long long& seq, std::string& hash) override {
    const auto r = query("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1", {},
                         "cannot read the chain head");
    if (r.rows() == 0) {
      seq = 0;
      hash = kGenesis;
      return;
    }
    seq = std::strtoll(PQgetvalue(r.r, 0, 0), nullptr, 10);
    hash = r.value(0, 1);
  }

  void insert(const Entry& e, const std::string& payload) override {
    std::vector<std::string> params;
    std::string marks;
    int n = 0;
    for (const auto& f : kEntryFields) {
      visit_field(f, e,
                  Overload{[&](long long v) { params.push_back(std::to_string(v)); },
                           [&](const std::string& v) { params.push_back(v); },
                           [&](const std::vector<std::string>& d) {
                             params.push_back(columns::join_divisions(d));
                           },
                           [&](const std::vector<RecordRef>& r) {
                             params.push_back(columns::records_text(r));
                           }});
      marks += "$" + std::to_string(++n) + ",";
    }
    params.push_back(payload);
    marks +=
        "$" + std::to_string(n + 1) + ",$" + std::to_string(n + 2) + ",$" + std::to_string(n + 3);
    const std::string sql =
        "INSERT INTO entries(" + columns::inserted() + ") VALUES(" + marks + ")";
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    for (const auto& p : params) {
      values.push_back(p.c_str());
      lengths.push_back(static_cast<int>(p.size()));
      formats.push_back(0);
    }
    values.push_back(e.signature.empty() ? nullptr : e.signature.data());  // bytea, binary
    lengths.push_back(static_cast<int>(e.signature.size()));
    formats.push_back(1);
    const std::string crls = columns::crls_blob(e.crls);
    values.push_back(crls.empty() ? nullptr : crls.data());  // bytea, binary
    lengths.push_back(static_cast<int>(crls.size()));
    formats.push_back(1);
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                          values.data(), lengths.data(), formats.data(), 0));
    if (r.status() != PGRES_COMMAND_OK) fail("cannot append to the ledger", r);
  }

  void commit() override {
#ifdef DOSEGATE_FAULT_INJECTION
    // Test builds: the connection is lost just before COMMIT goes out, as when the server
    // restarts mid-release; the outcome is then unknown to this process.
    if (const char* at = std::getenv("DOSEGATE_TEST_CRASH_AT");
        at && std::strcmp(at, "commit-lost") == 0)
      PQclear(PQexec(conn_, "SELECT pg_terminate_backend(pg_backend_pid())"));
#endif
    Result r(PQexec(conn_, "COMMIT"));
    in_tx_ = false;
    if (PQstatus(conn_) == CONNECTION_BAD || r.r == nullptr)
      throw Error("ledger.commit-unknown",
                  target_.described() +
                      ": the connection to the database was lost while committing, so whether "
                      "these entries are in the ledger is unknown. Before trying again, look: "
                      "`dosegate history --ledger " +
                      target_.uri + "` (or `dosegate audit`) shows whether they are");
    if (r.status() != PGRES_COMMAND_OK || std::strcmp(PQcmdStatus(r.r), "COMMIT") != 0)
      fail("the database refused the commit; nothing was written", r);
  }

  void rollback() noexcept override {
    if (!in_tx_) return;
    PQclear(PQexec(conn_, "ROLLBACK"));
    in_tx_ = false;
  }

  static void read_row(const PGresult* res, int row, Entry& e, std::string& scratch) {
    int i = 0;
    const auto text = [&](int col, std::string& out) {
      out.assign(PQgetvalue(res, row, col), static_cast<std::size_t>(PQgetlength(res, row, col)));
    };
    for (const auto& field : kEntryFields) {
      visit_field(
          field, e,
          Overload{[&](long long& n) { n = std::strtoll(PQgetvalue(res, row, i), nullptr, 10); },
                   [&](std::string& v) { text(i, v); },
                   [&](std::vector<std::string>& d) {
                     text(i, scratch);
                     columns::split_divisions_into(scratch, d);
                   },
                   [&](std::vector<RecordRef>& r) {
                     text(i, scratch);
                     r = columns::parse_records(scratch);
                   }});
      ++i;
    }
    const auto bytea = [&](int col, std::string& out) {
      if (PQgetisnull(res, row, col)) {
        out.clear();
        return;
      }
      std::size_t n = 0;
      unsigned char* bytes =
          PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res, row, col)), &n);
      if (!bytes) throw Error("ledger.unreadable", "out of memory reading a signature");
      out.assign(reinterpret_cast<const char*>(bytes), n);
      PQfreemem(bytes);
    };
    bytea(i, e.signature);
    text(i + 1, e.stored_payload);
    bytea(i + 2, scratch);
    e.crls = columns::split_crls(scratch);
  }

  // The WHERE clause of a Filter, its parameters in the order din, kind, since, until,
  // after_seq.
  static std::string where(const Filter& f, std::vector<std::string>& params) {
    std::string sql = " WHERE true";
    const auto add = [&](const char* cond, const std::optional<std::string>& v) {
      if (!v) return;
      params.push_back(*v);
      sql += std::string(" AND ") + cond + " $" + std::to_string(params.size());
    };
    add("din =", f.din);
    add("kind =", f.kind);
    add("at >=", f.since);
    add("at <=", f.until);
    if (f.after_seq) add("seq >", std::to_string(*f.after_seq));
    return sql;
  }

  void for_each(const Filter& f, const Visit& visit) override {
    std::vector<std::string> params;
    const std::string sql =
        "SELECT " + columns::selected() + " FROM entries" + where(f, params) + " ORDER BY seq";
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0))
      fail("cannot read the ledger", Result(nullptr));
    PQsetSingleRowMode(conn_);  // one row at a time: memory stays flat
    Entry e;
    std::string scratch;
    bool stop = false;
    std::exception_ptr thrown;
    std::optional<std::string> error;
    // Every result is read to the end, even after the visitor stops: the connection must be
    // free for the next query (a cancel would abort the snapshot's transaction).
    while (PGresult* raw = PQgetResult(conn_)) {
      Result r(raw);
      const auto st = r.status();
      if (st == PGRES_SINGLE_TUPLE) {
        if (stop || thrown || error) continue;
        try {
          read_row(r.r, 0, e, scratch);
          if (!visit(e)) stop = true;
        } catch (...) {
          thrown = std::current_exception();
        }
      } else if (st != PGRES_TUPLES_OK && !error) {
        std::string why = PQresultErrorMessage(r.r);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        error = why;
      }
    }
    if (thrown) std::rethrow_exception(thrown);
    if (error)
      throw Error("ledger.unreadable",
                  target_.described() + ": cannot read the ledger: " + *error +
                      (PQstatus(conn_) == CONNECTION_BAD ? " (the connection was lost)" : ""));
  }

  std::size_t count(const Filter& f) override {
    std::vector<std::string> params;
    const auto r =
        query("SELECT count(*) FROM entries" + where(f, params), params, "cannot read the ledger");
    return static_cast<std::size_t>(std::strtoull(PQgetvalue(r.r, 0, 0), nullptr, 10));
  }

  std::optional<Entry> head() override {
    const auto r =
        query("SELECT " + columns::selected() + " FROM entries ORDER BY seq DESC LIMIT 1", {},
              "cannot read the ledger");
    if (r.rows() == 0) return std::nullopt;
    Entry e;
    std::string scratch;
    read_row(r.r, 0, e, scratch);
    return e;
  }

  std::string rules_problem() override {
    const auto r = query(
        "SELECT c.relname, t.tgname, t.tgtype, t.tgenabled, p.proname, p.prosrc, "
        "l.lanname, p.prosecdef, coalesce(array_to_string(p.proconfig, ';'), '') "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang "
        "WHERE NOT t.tgisinternal AND t.tgrelid IN (to_regclass('entries'), "
        "to_regclass('high_water')) ORDER BY c.relname, t.tgname",
        {}, "cannot read the ledger's triggers");
    std::vector<std::string> problems;
    std::vector<bool> seen(std::size(kTriggers), false);
    for (int row = 0; row < r.rows(); ++row) {
      const auto table = r.value(row, 0);
      const auto name = r.value(row, 1);
      const auto type = std::atoi(PQgetvalue(r.r, row, 2));
      const auto enabled = r.value(row, 3);
      const auto function = r.value(row, 4);
      const auto body = r.value(row, 5);
      const auto language = r.value(row, 6);
      const bool definer = r.value(row, 7) == "t";
      const auto config = r.value(row, 8);
      std::size_t k = 0;
      while (k < std::size(kTriggers) && (table != kTriggers[k].table || name != kTriggers[k].name))
        ++k;
      if (k == std::size(kTriggers)) {
        problems.push_back("a trigger dosegate did not make, " + name + " on " + table);
        continue;
      }
      seen[k] = true;
      const auto& want = kTriggers[k];
      if (type != want.type)
        problems.push_back("trigger " + name + " fires on other events than dosegate made it for");
      if (enabled != "O" && enabled != "A") problems.push_back("trigger " + name + " is disabled");
      if (function != want.function || body != want.body || language != "plpgsql" ||
          definer != want.security_definer || config != want.config)
        problems.push_back("trigger " + name + " runs another function than dosegate's " +
                           want.function + " (it was replaced or changed)");
    }
    for (std::size_t k = 0; k < std::size(kTriggers); ++k)
      if (!seen[k])
        problems.push_back("trigger " + std::string(kTriggers[k].name) + " on " +
                           kTriggers[k].table + " was removed");
    if (problems.empty()) return {};
    std::string out = "the append-only triggers were removed or changed in the database (";
    for (std::size_t i = 0; i < problems.size(); ++i) out += (i ? "; " : "") + problems[i];
    return out + "): someone with rights over the database changed its schema";
  }

  long long highest_seq_ever() override {
    const auto r =
        query("SELECT seq FROM high_water", {}, "cannot read the ledger's high-water mark");
    if (r.rows() != 1)
      throw Error("ledger.unreadable", target_.described() +
                                           ": the ledger's high-water row is missing (the "
                                           "database was changed by hand)");
    return std::strtoll(PQgetvalue(r.r, 0, 0), nullptr, 10);
  }

  void begin_snapshot() override {
    exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot start a read transaction");
    in_snapshot_ = true;
  }
  void end_snapshot() noexcept override {
    if (!in_snapshot_) return;
    PQclear(PQexec(conn_, "COMMIT"));
    in_snapshot_ = false;
  }

  void create_schema(const std::optional<std::string>& grant_to, std::string& done) {
    exec("BEGIN", "cannot start a transaction");
    in_tx_ = true;
    try {
      // Two `ledger init`s at once: the second waits here, then finds the schema.
      exec(("SELECT pg_advisory_xact_lock(" + std::to_string(kAppendLock) + ")").c_str(),
           "cannot take the ledger's lock");
      Result has(PQexec(conn_, "SELECT to_regclass('meta') IS NOT NULL"));
      if (has.status() != PGRES_TUPLES_OK) fail("cannot read the database's schema", has);
      if (has.value(0, 0) == "t") {
        rollback();
        check_schema();
        done = target_.described() + ": a dosegate ledger (schema " +
               std::to_string(kSchemaVersion) + ") is already there, with " +
               std::to_string(count({})) + " entries";
      } else {
        Result enc(PQexec(conn_, "SHOW server_encoding"));
        if (enc.status() != PGRES_TUPLES_OK) fail("cannot read the database's encoding", enc);
        if (enc.value(0, 0) != "UTF8")
          throw Error("ledger.schema", target_.described() + ": the database's encoding is " +
                                           enc.value(0, 0) +
                                           "; the ledger needs UTF8 (CREATE DATABASE ... "
                                           "ENCODING 'UTF8' TEMPLATE template0)");
        const auto sql = schema_sql();
        exec(sql.c_str(), "cannot create the ledger's schema");
        commit();
        done = target_.described() + ": a new, empty dosegate ledger (schema " +
               std::to_string(kSchemaVersion) +
               "): tables meta, entries and high_water, append-only triggers, append lock " +
               std::to_string(kAppendLock);
      }
    } catch (...) {
      rollback();
      throw;
    }
    if (grant_to) {
      const std::unique_ptr<char, decltype(&PQfreemem)> role(
          PQescapeIdentifier(conn_, grant_to->c_str(), grant_to->size()), &PQfreemem);
      if (!role) fail("cannot quote the role name", Result(nullptr));
      const std::string r = role.get();
      const std::string grant =
          "GRANT SELECT, INSERT ON entries TO " + r + "; GRANT SELECT ON meta, high_water TO " + r;
      exec(grant.c_str(), "cannot grant the role its rights (does the role exist?)");
      done += "; role " + *grant_to +
              " may SELECT and INSERT entries and read meta and high_water, nothing more";
    }
  }

 private:
  PGconn* conn_;
  Target target_;
  std::chrono::milliseconds wait_;
  bool in_tx_ = false;
  bool in_snapshot_ = false;
};

}  // namespace

std::unique_ptr<Backend> open(const std::string& uri, std::chrono::milliseconds wait) {
  Target target;
  PGconn* conn = connect(uri, target);
  auto backend = std::make_unique<PgBackend>(conn, target, wait);
  backend->check_schema();
  return backend;
}

std::string init(const std::string& uri, const std::optional<std::string>& grant_to) {
  Target target;
  PGconn* conn = connect(uri, target);
  PgBackend backend(conn, target, std::chrono::milliseconds(60000));
  std::string done;
  backend.create_schema(grant_to, done);
  return done;
}

}  // namespace dosegate::ledger::postgresql
