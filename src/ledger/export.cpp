#include "ledger/export.hpp"

#include <algorithm>

#include "ledger/fields.hpp"
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

void write_columns(std::ostream& out, const std::vector<std::vector<std::string>>& rows_in,
                   const std::string& indent) {
  auto rows = rows_in;
  // Stored text reaches a terminal: controls and bidi overrides are shown, never obeyed.
  for (auto& r : rows)
    for (auto& cell : r) cell = text::escape_controls(cell);
  std::vector<std::size_t> widths;
  for (const auto& r : rows) {
    if (widths.size() < r.size()) widths.resize(r.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i)
      widths[i] = std::max(widths[i], text::display_width(r[i]));
  }
  for (const auto& r : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - text::display_width(r[i]) + 2, ' ');
    }
    out << line << '\n';
  }
}

void write_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::optional<Entry>& head) {
  std::vector<std::vector<std::string>> rows{
      {"SEQ", "AT (UTC)", "KIND", "DECISION", "LOT (DIN)", "DIVISIONS", "ACTOR", "REASON"}};
  for (const auto& e : entries) {
    std::string divisions = text::join(e.divisions, " ");
    if (divisions.size() > 24) divisions = std::to_string(e.divisions.size()) + " doses";
    rows.push_back({std::to_string(e.seq), e.at, e.kind, e.decision, e.din, divisions, e.actor,
                    reason_cell(e)});
  }
  write_columns(out, rows);
  out << '\n' << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << " shown.\n";
  if (head)
    out << "Chain head: entry " << head->seq << ", SHA-256 " << head->hash << '\n';
  else
    out << "Chain head: none (the ledger is empty)\n";
}

void write_csv(std::ostream& out, const std::vector<Entry>& entries,
               const std::optional<Entry>& head) {
  const char* eol = "\r\n";
  out << "\xEF\xBB\xBF";  // UTF-8 byte order mark: spreadsheets then read accents correctly
  constexpr auto fields = entry_fields_for_export();
  std::string header;
  for (const auto* f : fields) header += (header.empty() ? "" : ",") + std::string(f->csv_header);
  out << header << eol;
  for (const auto& e : entries) {
    std::string line;
    for (const auto* f : fields) {
      const std::string cell =
          visit_field(*f, e,
                      Overload{[](long long n) { return std::to_string(n); },
                               [](const std::string& v) { return v; },
                               [](const std::vector<std::string>& d) { return text::join(d, " "); },
                               [](const std::vector<RecordRef>& r) { return records_list(r); }});
      line += (f == fields.front() ? "" : ",") + csv_cell(cell);
    }
    out << line << eol;
  }
  // The chain head's time and hash under the at and hash columns.
  std::vector<std::string> last(fields.size());
  last[0] = "chain head";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i]->name == "at") last[i] = head ? head->at : "";
    if (fields[i]->name == "hash") last[i] = head ? head->hash : "";
  }
  out << text::join(last, ",") << eol;
}

void write_json(std::ostream& out, const std::vector<Entry>& entries,
                const std::optional<Entry>& head, const std::string& path) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "history").field("ledger", path);
  w.key("entries").begin_array();
  for (const auto& e : entries) {
    w.begin_object();
    for (const auto* f : entry_fields_for_export()) {
      w.key(f->name);
      visit_field(
          *f, e,
          Overload{[&](long long n) { w.value(n); }, [&](const std::string& v) { w.value(v); },
                   [&](const std::vector<std::string>& d) {
                     w.begin_array();
                     for (const auto& x : d) w.value(x);
                     w.end_array();
                   },
                   [&](const std::vector<RecordRef>& r) {
                     w.begin_array();
                     for (const auto& x : r) {
                       w.begin_object();
                       w.field("file", x.file).field("sha256", x.sha256);
                       w.end_object();
                     }
                     w.end_array();
                   }});
    }
    w.key("signed").value(!e.signature.empty());
    w.end_object();
  }
  w.end_array();
  w.key("chain_head");
  if (head) {
    w.begin_object();
    w.key("seq").value(head->seq).field("hash", head->hash);
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();
}

}  // namespace dosegate::ledger
