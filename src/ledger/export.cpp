#include "ledger/export.hpp"

#include <algorithm>

#include "ledger/fields.hpp"
#include "util/dn.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::ledger {
namespace {

std::string records_list(const std::vector<RecordRef>& records) {
  std::string out;
  for (const auto& r : records) out += (out.empty() ? "" : " ") + r.file + "=" + r.sha256;
  return out;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ';');
  return s;
}

// The table's last column: what a confirmation or a late result recorded beside its reason
// (recipient, second staff, thaw time, the release entry it is about), then the reason lines,
// then the warnings; each labelled, so that the table stays narrow (CSV and JSON have a
// column for each).
std::string reason_cell(const Entry& e) {
  std::vector<std::string> details;
  if (!e.recipient.empty()) details.push_back("recipient " + e.recipient);
  if (!e.second_staff.empty()) details.push_back("second staff " + e.second_staff);
  if (!e.thawed_at.empty()) details.push_back("thawed " + e.thawed_at);
  if (e.refers_to) details.push_back("release entry " + std::to_string(e.refers_to));
  std::vector<std::string> parts;
  if (!details.empty()) parts.push_back(text::join(details, ", "));
  if (!e.reason.empty()) parts.push_back(one_line(e.reason));
  if (!e.warnings.empty()) parts.push_back("warnings: " + one_line(e.warnings));
  return text::join(parts, "; ");
}

constexpr const char* kCrLf = "\r\n";

}  // namespace

// RFC 4180 quoting; a leading = + - @ would make a spreadsheet run a formula, and a leading
// TAB or CR is dropped by some spreadsheets before they look for one (OWASP's list).
std::string csv_cell(const std::string& v) {
  std::string s = v;
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    s = "'" + s;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

namespace {

// Cells as a terminal shows them.
std::vector<std::string> escaped(std::vector<std::string> cells) {
  for (auto& cell : cells) cell = text::escape_controls(cell);
  return cells;
}

void measure_row(std::vector<std::size_t>& widths, const std::vector<std::string>& cells) {
  if (widths.size() < cells.size()) widths.resize(cells.size(), 0);
  for (std::size_t i = 0; i < cells.size(); ++i)
    widths[i] = std::max(widths[i], text::display_width(cells[i]));
}

void write_row(std::ostream& out, const std::vector<std::size_t>& widths,
               const std::vector<std::string>& cells, const std::string& indent) {
  std::string line = indent;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size())
      line += std::string(widths[i] - text::display_width(cells[i]) + 2, ' ');
  }
  out << line << '\n';
}

const std::vector<std::string>& table_header() {
  static const std::vector<std::string> header{"SEQ",       "AT (UTC)",  "KIND", "DECISION",
                                               "LOT (DIN)", "DIVISIONS", "ACTOR"};
  return header;
}

// The table fits a terminal: a typical entry's line is about 110 columns, and its reason (with
// the details and warnings) goes on a line of its own below it, at most kTableWidth columns.
// Long values are abbreviated ("…"); the CSV and JSON exports hold them whole.
constexpr std::size_t kTableWidth = 120;
constexpr std::size_t kDivisionsWidth = 11;  // "A0 B0 C0 D0"; more: "2000 doses"
constexpr std::size_t kActorWidth = 26;

// One entry's line; `cut` tells whether the actor had to be abbreviated.
std::vector<std::string> table_cells(const Entry& e, bool* cut = nullptr) {
  std::string divisions = text::join(e.divisions, " ");
  if (text::display_width(divisions) > kDivisionsWidth)
    divisions = std::to_string(e.divisions.size()) + " doses";
  // The actor as people read it: the signer's common name, not the subject's escapes.
  auto cells = escaped(
      {std::to_string(e.seq), e.at, e.kind, e.decision, e.din, divisions, person_name(e.actor)});
  if (cut) *cut = text::display_width(cells.back()) > kActorWidth;
  cells.back() = text::abbreviate(cells.back(), kActorWidth);
  return cells;
}

}  // namespace

void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows_in,
                   const std::string& indent) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(rows_in.size());
  // Stored text reaches a terminal: controls and bidi overrides are shown, never obeyed.
  for (const auto& r : rows_in) rows.push_back(escaped(r));
  std::vector<std::size_t> widths;
  for (const auto& r : rows) measure_row(widths, r);
  for (const auto& r : rows) write_row(out, widths, r, indent);
}

TableWriter::TableWriter(std::ostream& out) : out_(out) {
  measure_row(widths_, escaped(table_header()));
}

void TableWriter::measure(const Entry& e) {
  measure_row(widths_, table_cells(e));
}

void TableWriter::entry(const Entry& e) {
  if (!header_written_) {
    write_row(out_, widths_, escaped(table_header()), "");
    header_written_ = true;
  }
  bool actor_cut = false;
  write_row(out_, widths_, table_cells(e, &actor_cut), "");
  // The reason below, under the time: as much of it as kTableWidth leaves.
  const auto reason = text::escape_controls(reason_cell(e));
  if (!reason.empty()) {
    const std::string indent(widths_[0] + 2, ' ');
    const auto shown = text::abbreviate(reason, kTableWidth - indent.size());
    out_ << indent << shown << '\n';
    cut_ = cut_ || shown != reason;
  }
  cut_ = cut_ || actor_cut;
  ++shown_;
}

void TableWriter::finish(const std::optional<Entry>& head) {
  if (!header_written_) write_row(out_, widths_, escaped(table_header()), "");
  header_written_ = true;
  out_ << '\n' << shown_ << " entr" << (shown_ == 1 ? "y" : "ies") << " shown.\n";
  if (cut_) out_ << "Values cut short end in \u2026; --format csv or json holds them whole.\n";
  if (head)
    out_ << "Chain head: entry " << head->seq << ", SHA-256 " << head->hash << '\n';
  else
    out_ << "Chain head: none (the ledger is empty)\n";
}

CsvWriter::CsvWriter(std::ostream& out) : out_(out) {
  out_ << "\xEF\xBB\xBF";  // UTF-8 byte order mark: spreadsheets then read accents correctly
  constexpr auto fields = entry_fields_for_export();
  std::string header;
  for (const auto* f : fields) header += (header.empty() ? "" : ",") + std::string(f->csv_header);
  out_ << header << kCrLf;
}

namespace {

// A cell no spreadsheet would take whole: the records of a large lot say how many there are and
// where to find them one per row; any other value is cut at a UTF-8 character boundary, saying
// so (the JSON export holds every value whole).
std::string fit_cell(std::string cell, const std::vector<RecordRef>* records) {
  if (cell.size() <= kCsvCellLimit - 2) return cell;  // room for the quote csv_cell may add
  if (records)
    return std::to_string(records->size()) +
           " records: dosegate history --records --format csv lists them, one per row";
  const std::string note = " [cut: " + std::to_string(cell.size()) +
                           " bytes in all; the JSON export holds the whole value]";
  std::size_t keep = kCsvCellLimit / 2 - note.size();  // quotes may double what is kept
  while (keep > 0 && (static_cast<unsigned char>(cell[keep]) & 0xC0) == 0x80) --keep;
  cell.resize(keep);
  return cell + note;
}

}  // namespace

void CsvWriter::entry(const Entry& e) {
  constexpr auto fields = entry_fields_for_export();
  std::string line;
  for (const auto* f : fields) {
    const std::vector<RecordRef>* records = nullptr;
    const std::string cell =
        visit_field(*f, e,
                    Overload{[](long long n) { return std::to_string(n); },
                             [](const std::string& v) { return v; },
                             [](const std::vector<std::string>& d) { return text::join(d, " "); },
                             [&](const std::vector<RecordRef>& r) {
                               records = &r;
                               return records_list(r);
                             }});
    line += (f == fields.front() ? "" : ",") + csv_cell(fit_cell(cell, records));
  }
  out_ << line << kCrLf;
}

CsvRecordsWriter::CsvRecordsWriter(std::ostream& out) : out_(out) {
  out_ << "\xEF\xBB\xBF"
       << "seq,at,kind,din,record,sha256" << kCrLf;
}

void CsvRecordsWriter::entry(const Entry& e) {
  for (const auto& r : e.records)
    out_ << e.seq << ',' << csv_cell(e.at) << ',' << csv_cell(e.kind) << ',' << csv_cell(e.din)
         << ',' << csv_cell(fit_cell(r.file, nullptr)) << ','
         << csv_cell(fit_cell(r.sha256, nullptr)) << kCrLf;
}

// The chain head in the header's shape, marked by its kind: seq stays a column of entry numbers.
void CsvRecordsWriter::finish(const std::optional<Entry>& head) {
  out_ << (head ? std::to_string(head->seq) : "") << ',' << (head ? head->at : "") << ','
       << kChainHeadKind << ",,," << (head ? head->hash : "") << kCrLf;
}

void CsvWriter::finish(const std::optional<Entry>& head) {
  constexpr auto fields = entry_fields_for_export();
  // The chain head in the header's shape, marked by its kind (no entry has it): its seq, time
  // and hash under the seq, at and hash columns, every other cell empty.
  std::vector<std::string> last(fields.size());
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i]->name == "kind") last[i] = kChainHeadKind;
    if (!head) continue;
    if (fields[i]->name == "seq") last[i] = std::to_string(head->seq);
    if (fields[i]->name == "at") last[i] = head->at;
    if (fields[i]->name == "hash") last[i] = head->hash;
  }
  out_ << text::join(last, ",") << kCrLf;
}

JsonWriter::JsonWriter(std::ostream& out, const std::string& path) : w_(out) {
  w_.begin_object();
  w_.key("version").value(1LL).field("command", "history").field("ledger", path);
  w_.key("entries").begin_array();
}

void JsonWriter::entry(const Entry& e) {
  w_.begin_object();
  for (const auto* f : entry_fields_for_export()) {
    w_.key(f->name);
    visit_field(
        *f, e,
        Overload{[&](long long n) { w_.value(n); }, [&](const std::string& v) { w_.value(v); },
                 [&](const std::vector<std::string>& d) {
                   w_.begin_array();
                   for (const auto& x : d) w_.value(x);
                   w_.end_array();
                 },
                 [&](const std::vector<RecordRef>& r) {
                   w_.begin_array();
                   for (const auto& x : r) {
                     w_.begin_object();
                     w_.field("file", x.file).field("sha256", x.sha256);
                     w_.end_object();
                   }
                   w_.end_array();
                 }});
  }
  w_.key("signed").value(!e.signature.empty());
  w_.end_object();
}

void JsonWriter::finish(const std::optional<Entry>& head) {
  w_.end_array();
  w_.key("chain_head");
  if (head) {
    w_.begin_object();
    w_.key("seq").value(head->seq).field("hash", head->hash);
    w_.end_object();
  } else {
    w_.null();
  }
  w_.end_object();
}

void write_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::optional<Entry>& head) {
  TableWriter t(out);
  for (const auto& e : entries) t.measure(e);
  for (const auto& e : entries) t.entry(e);
  t.finish(head);
}

void write_csv(std::ostream& out, const std::vector<Entry>& entries,
               const std::optional<Entry>& head) {
  CsvWriter w(out);
  for (const auto& e : entries) w.entry(e);
  w.finish(head);
}

void write_json(std::ostream& out, const std::vector<Entry>& entries,
                const std::optional<Entry>& head, const std::string& path) {
  JsonWriter w(out, path);
  for (const auto& e : entries) w.entry(e);
  w.finish(head);
}

}  // namespace dosegate::ledger
