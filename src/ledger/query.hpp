// The SQL behind Ledger's reads, for the tests that ask SQLite how it runs them (EXPLAIN QUERY
// PLAN): the text is built in src/ledger/ledger.cpp, the only code that talks to SQLite.
#pragma once

#include <string>

#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

// The SELECT that Ledger::for_each (and entries) runs for `filter`; its parameters are ?1 din,
// ?2 kind, ?3 since, ?4 until and ?5 after_seq, each present only when that condition is set.
std::string entries_query(const Filter& filter);

}  // namespace dosegate::ledger
