// The ledger's storage behind Ledger: a back end keeps entries and hands them back; Ledger
// (src/ledger/ledger.cpp) builds each entry's payload, hash and signature and numbers it, so
// every back end stores exactly the same bytes. Two implement this interface: the embedded
// SQLite file (SqliteBackend in src/ledger/ledger.cpp, the only code that includes sqlite3.h)
// and the shared PostgreSQL ledger (src/ledger_pg/, the only code that includes libpq). Which
// one a location means: is_postgresql_uri().
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

// A `postgresql://` or `postgres://` URI (libpq's connection URI); anything else is a path of
// a SQLite ledger file.
constexpr bool is_postgresql_uri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

class Backend {
 public:
  virtual ~Backend() = default;
  // As Ledger's methods of the same names (see ledger.hpp).
  virtual void set_wait(std::chrono::milliseconds wait) = 0;
  virtual void begin() = 0;
  virtual void begin(std::chrono::milliseconds wait, std::chrono::milliseconds every,
                     const Waiting& waiting) = 0;
  virtual bool in_transaction() const = 0;
  // Inside begin(): the last entry's seq and hash (0 and kGenesis for an empty ledger), read
  // after the write lock is held, so no other writer can append between this and commit().
  virtual void last_link(long long& seq, std::string& hash) = 0;
  // Inserts `e` as it is (seq, prev_hash, hash, signature), with `payload` as its stored
  // payload.
  virtual void insert(const Entry& e, const std::string& payload) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual void for_each(const Filter& filter, const Visit& visit) = 0;
  virtual std::size_t count(const Filter& filter) = 0;
  virtual std::optional<Entry> head() = 0;
  // Empty when the database's own append-only rules are in place as dosegate made them; else
  // what is wrong with them.
  virtual std::string rules_problem() = 0;
  virtual long long highest_seq_ever() = 0;
  virtual void begin_snapshot() = 0;
  virtual void end_snapshot() noexcept = 0;
  virtual long long backup(const std::string& out) = 0;
};

}  // namespace dosegate::ledger
