// The PostgreSQL side of tests/ledger_store.hpp: libpq, as the database's superuser.
#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "dosegate/ledger/ledger.hpp"
#include "ledger_store.hpp"

namespace dosegate::test {

std::string pg_server_uri() {
  const char* dir = std::getenv("DOSEGATE_TEST_PG_DIR");
  if (!dir || !*dir)
    FAIL(
        "DOSEGATE_TEST_PG_DIR is not set: run the PostgreSQL tests through ctest, whose "
        "postgresql-start fixture starts the server (tests/pg/pg-server.sh)");
  std::string uri;
  try {
    uri = read_file_text(std::string(dir) + "/uri");
  } catch (const std::exception& e) {
    FAIL("the test PostgreSQL server is not running (" << e.what()
                                                       << "); ctest's postgresql-start fixture "
                                                          "starts it");
  }
  while (!uri.empty() && uri.back() == '\n') uri.pop_back();
  return uri;
}

namespace {
std::string with_database(const std::string& base, const std::string& db) {
  const auto at = base.find("/postgres?");
  REQUIRE(at != std::string::npos);
  return base.substr(0, at) + "/" + db + base.substr(at + 9);
}
}  // namespace

std::string pg_sql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    FAIL("cannot connect to the test server " << uri << ": " << why);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  std::string out;
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  if (status == PGRES_TUPLES_OK) {
    for (int row = 0; row < PQntuples(r); ++row) {
      for (int col = 0; col < PQnfields(r); ++col)
        out += (col ? "|" : "") + std::string(PQgetvalue(r, row, col));
      out += "\n";
    }
  } else if (status != PGRES_COMMAND_OK) {
    out = PQresultErrorMessage(r);
  }
  PQclear(r);
  PQfinish(conn);
  return out;
}

PgSession::PgSession(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  conn_ = conn;
  if (PQstatus(conn) != CONNECTION_OK) FAIL("cannot connect to the test server " << uri);
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  const std::string why = PQresultErrorMessage(r);
  PQclear(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) FAIL(sql << ": " << why);
}

PgSession::~PgSession() {
  PQfinish(static_cast<PGconn*>(conn_));
}

std::string pg_new_database(bool init) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  const std::string name = "t" + std::to_string(rd()) + "_" + std::to_string(++counter);
  const auto base = pg_server_uri();
  const auto made = pg_sql(base, "CREATE DATABASE " + name);
  INFO(made);
  REQUIRE(made.empty());
  const auto uri = with_database(base, name);
  if (init) ledger::Ledger::init(uri, std::nullopt);
  return uri;
}

}  // namespace dosegate::test
