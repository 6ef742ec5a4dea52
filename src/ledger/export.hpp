// The release history as a table, CSV (RFC 4180, UTF-8 with BOM, CRLF, formula-safe) or JSON.
// Every export ends with the chain head (the ledger's last entry, whatever the filter), so a
// later reader can check with `dosegate audit --expect-head HASH` that nothing was dropped.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

void write_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::optional<Entry>& head);
void write_csv(std::ostream& out, const std::vector<Entry>& entries,
               const std::optional<Entry>& head);
void write_json(std::ostream& out, const std::vector<Entry>& entries,
                const std::optional<Entry>& head, const std::string& path);

// The pieces the exports share (history's and trace's):

// One CSV cell: RFC 4180 quoting, and a cell that starts with = + - @, TAB or CR prefixed with
// ' so that a spreadsheet never runs it as a formula.
std::string csv_cell(const std::string& value);

// Rows of cells as aligned columns, each line after `indent`, two spaces between columns.
// Every cell is shown through text::escape_controls: stored text reaches a terminal, and its
// controls and bidi overrides are shown, never obeyed.
void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                   const std::string& indent = "");

}  // namespace dosegate::ledger
