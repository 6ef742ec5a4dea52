// The shared ledger on PostgreSQL: the same entries, chain and signatures as the SQLite ledger,
// in a database that several sites reach with a libpq connection URI
// (postgresql://HOST/DB?sslmode=verify-full). Only postgresql.cpp includes libpq; this header
// carries none of its types.
//
// Appends from every site are serialised by a transaction-scoped advisory lock (kAppendLock):
// begin() takes it, prepare() reads the chain head after it is held, and it is released by the
// commit, so two sites never append after the same head. The database enforces append-only
// itself (triggers refusing UPDATE, DELETE and TRUNCATE), and a high-water table that only
// rises, kept by a trigger on every insert, shows a removed tail; `audit` checks that these
// triggers and the functions behind them are the ones dosegate made.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ledger/backend.hpp"

namespace dosegate::ledger::postgresql {

// pg_advisory_xact_lock's key for appends: "dosegate" in ASCII.
inline constexpr long long kAppendLock = 0x646f736567617465;
// libpq's connect_timeout when the URI gives none: a server that cannot be reached is an
// answer (NO-GO at the bedside), never a hang.
inline constexpr int kConnectTimeoutSeconds = 5;

// Connects to the ledger at `uri` and checks its schema. Throws Error: "ledger.password-in-uri"
// (a password belongs in PGPASSFILE or ~/.pgpass, never on a command line),
// "ledger.unreadable" (cannot connect, naming host and database and what to check),
// "ledger.schema" (no dosegate ledger there: `dosegate ledger init`).
std::unique_ptr<Backend> open(const std::string& uri, std::chrono::milliseconds wait);

// Creates the schema (tables, triggers, functions) in the database at `uri`, or checks the one
// that is there; grants `grant_to` SELECT and INSERT. Returns what was done.
std::string init(const std::string& uri, const std::optional<std::string>& grant_to);

}  // namespace dosegate::ledger::postgresql
