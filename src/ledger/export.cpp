#include "ledger/export.hpp"

#include <algorithm>

#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::ledger {
namespace {

std::string records_list(const Entry& e) {
  std::string out;
  for (const auto& r : e.records) out += (out.empty() ? "" : " ") + r.file + "=" + r.sha256;
  return out;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ';');
  return s;
}

// RFC 4180 quoting; a leading = + - @ would make a spreadsheet run a formula.
std::string csv_cell(const std::string& v) {
  std::string s = v;
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

void write_table(std::ostream& out, const std::vector<Entry>& entries,
                 const std::optional<Entry>& head) {
  std::vector<std::vector<std::string>> rows{
      {"SEQ", "AT (UTC)", "KIND", "DECISION", "LOT (DIN)", "DIVISIONS", "ACTOR", "REASON"}};
  for (const auto& e : entries) {
    std::string divisions = text::join(e.divisions, " ");
    if (divisions.size() > 24) divisions = std::to_string(e.divisions.size()) + " doses";
    rows.push_back({std::to_string(e.seq), e.at, e.kind, e.decision, e.din, divisions, e.actor,
                    one_line(e.reason)});
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i)
      widths[i] = std::max(widths[i], text::display_width(r[i]));
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - text::display_width(r[i]) + 2, ' ');
    }
    out << line << '\n';
  }
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
  out << "seq,at_utc,kind,decision,din,divisions,actor,actor_sha256,coa_id,coa_sha256,spec_id,"
         "spec_version,spec_sha256,records,reason,prev_hash,hash"
      << eol;
  for (const auto& e : entries) {
    const std::string cells[] = {std::to_string(e.seq),
                                 e.at,
                                 e.kind,
                                 e.decision,
                                 e.din,
                                 text::join(e.divisions, " "),
                                 e.actor,
                                 e.actor_sha256,
                                 e.coa_id,
                                 e.coa_sha256,
                                 e.spec_id,
                                 e.spec_version,
                                 e.spec_sha256,
                                 records_list(e),
                                 e.reason,
                                 e.prev_hash,
                                 e.hash};
    std::string line;
    for (const auto& c : cells) line += (line.empty() ? "" : ",") + csv_cell(c);
    out << line << eol;
  }
  out << "chain head," << (head ? head->at : "") << ",,,,,,,,,,,,,,," << (head ? head->hash : "")
      << eol;
}

void write_json(std::ostream& out, const std::vector<Entry>& entries,
                const std::optional<Entry>& head, const std::string& path) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "history").field("ledger", path);
  w.key("entries").begin_array();
  for (const auto& e : entries) {
    w.begin_object();
    w.key("seq").value(e.seq).field("at", e.at).field("kind", e.kind);
    w.field("decision", e.decision).field("din", e.din);
    w.key("divisions").begin_array();
    for (const auto& d : e.divisions) w.value(d);
    w.end_array();
    w.field("actor", e.actor).field("actor_sha256", e.actor_sha256);
    w.field("coa_id", e.coa_id).field("coa_sha256", e.coa_sha256);
    w.field("spec_id", e.spec_id).field("spec_version", e.spec_version);
    w.field("spec_sha256", e.spec_sha256);
    w.key("records").begin_array();
    for (const auto& r : e.records) {
      w.begin_object();
      w.field("file", r.file).field("sha256", r.sha256);
      w.end_object();
    }
    w.end_array();
    w.field("reason", e.reason).field("prev_hash", e.prev_hash).field("hash", e.hash);
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
