// The release history as a table, CSV (RFC 4180, UTF-8 with BOM, CRLF, formula-safe) or JSON.
// Every export ends with the chain head (the ledger's last entry, whatever the filter), so a
// later reader can check with `dosegate audit --expect-head HASH` that nothing was dropped.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/ledger/ledger.hpp"
#include "util/json.hpp"

namespace dosegate::ledger {

// The CSV exports' last row: the chain head, in the header's shape, with this kind (no ledger
// entry has it), its seq, time and hash; without a head (an empty ledger) only the kind is set.
inline constexpr const char* kChainHeadKind = "chain-head";

// The exports, written as the entries come (from Ledger::for_each): memory stays flat whatever
// the ledger's size. Each writer takes the entries in ledger order, then finish() with the chain
// head; its bytes are those of the vector forms below.

class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out);  // writes the byte order mark and the header
  void entry(const Entry& e);
  void finish(const std::optional<Entry>& head);

 private:
  std::ostream& out_;
};

// `history --records --format csv`: one row per release record (seq, at, kind, din, record,
// sha256) of the entries that list records, then the chain head row (seq, at, kind chain-head,
// the head's hash under sha256).
class CsvRecordsWriter {
 public:
  explicit CsvRecordsWriter(std::ostream& out);  // the byte order mark and the header
  void entry(const Entry& e);
  void finish(const std::optional<Entry>& head);

 private:
  std::ostream& out_;
};

// The longest cell spreadsheets take (Excel, LibreOffice): 32,767 characters.
inline constexpr std::size_t kCsvCellLimit = 32767;

class JsonWriter {
 public:
  JsonWriter(std::ostream& out, const std::string& path);
  void entry(const Entry& e);
  void finish(const std::optional<Entry>& head);

 private:
  json::Writer w_;
};

// The table fits a terminal (120 columns for typical entries): one line per entry (seq, time,
// kind, decision, DIN, divisions, actor), its reason, details and warnings on the next line,
// indented; the actor is the signer's common name (person_name); long actors and reasons are
// abbreviated with "…" (the footer then says so; CSV and JSON hold every value whole); a lot
// of many doses shows their number.
// The table's columns are as wide as their widest cell, so it reads the entries twice: every
// entry to measure() first, then the same entries, in the same order, to entry() (read both
// passes under one Ledger::Snapshot).
class TableWriter {
 public:
  explicit TableWriter(std::ostream& out);
  void measure(const Entry& e);
  void entry(const Entry& e);
  void finish(const std::optional<Entry>& head);

 private:
  std::ostream& out_;
  std::vector<std::size_t> widths_;
  std::size_t shown_ = 0;
  bool header_written_ = false;
  bool cut_ = false;  // a value was abbreviated: the footer says where to find it whole
};

// The same exports of entries held in memory.
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
