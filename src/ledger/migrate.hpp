// `dosegate ledger migrate`: a ledger copied entry by entry into an empty one (a SQLite file
// into a shared PostgreSQL database), every entry's number, links, payload and signature byte
// for byte, so the chain hashes stay the same. All or nothing: the copy is audited inside the
// transaction that writes it and committed only when it is intact and ends at the source's
// head.
#pragma once

#include <string>

#include "crypto/trust_store.hpp"

namespace dosegate::ledger {

struct MigrateResult {
  long long entries = 0;
  std::string head_hash;  // empty for an empty ledger
};

// Throws Error: "ledger.migrate" (the source does not audit INTACT, the target is not empty,
// the copy does not audit INTACT or ends elsewhere than the source), or the ledger errors of
// Ledger::open and its reads and writes. Nothing is written to `to` unless the whole copy is.
MigrateResult migrate(const std::string& from, const std::string& to,
                      const crypto::TrustStore& trust);

}  // namespace dosegate::ledger
