// The release history as a table, CSV (RFC 4180, UTF-8 with BOM, CRLF, formula-safe) or JSON.
// Every export ends with the chain head (the ledger's last entry, whatever the filter), so a
// later reader can check with `dosegate audit --expect-head HASH` that nothing was dropped.
#pragma once

#include <optional>
#include <ostream>
#include <vector>

#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

void write_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::optional<Entry>& head);
void write_csv(std::ostream& out, const std::vector<Entry>& entries,
               const std::optional<Entry>& head);
void write_json(std::ostream& out, const std::vector<Entry>& entries,
                const std::optional<Entry>& head, const std::string& path);

}  // namespace dosegate::ledger
