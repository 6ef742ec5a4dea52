// The ledger test cases run against both back ends: LEDGER_TEST_CASE(name, tags) registers
// its body twice, once on a SQLite file and once (name + " (PostgreSQL)", tagged [pg]) on a
// fresh database of the PostgreSQL 15 server that the postgresql-start fixture runs
// (tests/pg/pg-server.sh). The body sees `store`: the ledger's location and SQL on it, as the
// attacker (the database's superuser) would run it.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace dosegate::test {

enum class Engine { sqlite, postgresql };

// The base URI of the test server (its `postgres` database), from $DOSEGATE_TEST_PG_DIR/uri;
// fails the test when the server is not running (never skips it).
std::string pg_server_uri();
// A new, empty database on the test server, its URI; with `init`, holding an empty ledger
// (dosegate ledger init).
std::string pg_new_database(bool init = true);
// Runs `sql` (one or more statements) on the database at `uri` as its superuser: the rows of the
// last result, a line each with cells joined by '|', or the error message.
std::string pg_sql(const std::string& uri, const std::string& sql);

// A connection of its own that runs `sql` and stays open (holding what it took: a lock, a
// transaction) until destroyed.
class PgSession {
 public:
  PgSession(const std::string& uri, const std::string& sql);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

 private:
  void* conn_ = nullptr;
};

class LedgerStore {
 public:
  explicit LedgerStore(Engine engine) : engine_(engine) {}
  Engine engine() const { return engine_; }
  bool postgresql() const { return engine_ == Engine::postgresql; }
  // The ledger's location, made on first use: DIR/ledger.sqlite (which release and recall
  // create), or a new database holding an empty ledger.
  const std::string& location(const TempDir& dir) {
    if (location_.empty()) location_ = postgresql() ? pg_new_database() : dir.file("ledger.sqlite");
    return location_;
  }
  const std::string& location() const { return location_; }
  // Another, new ledger (for a test that loops over fresh ones).
  const std::string& fresh(const TempDir& dir) {
    location_.clear();
    return location(dir);
  }
  // SQL that both engines read alike.
  std::string sql(const std::string& statements) const {
    return postgresql() ? pg_sql(location_, statements) : sqlite_sql(statements);
  }
  // SQL as an attacker with every right over the database would write it, for each engine.
  std::string tamper(const std::string& for_sqlite, const std::string& for_postgresql) const {
    return postgresql() ? pg_sql(location_, for_postgresql) : sqlite_sql(for_sqlite);
  }

 private:
  std::string sqlite_sql(const std::string& statements) const {
    return run_process("sqlite3 " + quote_arg(location_) + " " + quote_arg(statements)).output;
  }
  Engine engine_;
  std::string location_;
};

}  // namespace dosegate::test

#define DOSEGATE_LEDGER_CAT2(a, b) a##b
#define DOSEGATE_LEDGER_CAT(a, b) DOSEGATE_LEDGER_CAT2(a, b)
#define DOSEGATE_LEDGER_TEST_CASE(fn, name, tags)                          \
  static void fn(dosegate::test::LedgerStore& store);                      \
  TEST_CASE(name, tags) {                                                  \
    dosegate::test::LedgerStore store(dosegate::test::Engine::sqlite);     \
    fn(store);                                                             \
  }                                                                        \
  TEST_CASE(name " (PostgreSQL)", tags "[pg]") {                           \
    dosegate::test::LedgerStore store(dosegate::test::Engine::postgresql); \
    fn(store);                                                             \
  }                                                                        \
  static void fn([[maybe_unused]] dosegate::test::LedgerStore& store)
#define LEDGER_TEST_CASE(name, tags) \
  DOSEGATE_LEDGER_TEST_CASE(DOSEGATE_LEDGER_CAT(ledger_case_, __LINE__), name, tags)
