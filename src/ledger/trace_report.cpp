// How a look-back is shown: a table per dose, CSV, JSON.
#include <sstream>

#include "dosegate/isbt128.hpp"
#include "ledger/export.hpp"
#include "ledger/trace.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::ledger {
namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string one_line(const std::string& s) {
  return text::join(lines(s), "; ");
}

std::string or_dash(const std::string& s) {
  return s.empty() ? "-" : s;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string numbers(const std::vector<long long>& seqs) {
  std::string out;
  for (auto s : seqs) out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

std::string answer(const Entry& c) {
  if (c.decision == "go") return "GO";
  if (c.decision == "no-go") return "NO-GO";
  return c.decision;
}

// The reason lines of a confirmation, then what the command warned about.
std::string reasons(const Entry& c) {
  auto all = lines(c.reason);
  for (const auto& w : lines(c.warnings)) all.push_back("warning " + w);
  return text::join(all, "; ");
}

std::string recipient_text(const std::string& r) {
  return r.empty() ? "(no recipient recorded)" : r;
}

std::string dose_heading(const DoseTrace& d) {
  std::string h = "Dose " + d.division + " (";
  if (d.release_seqs.empty())
    h += "no release of this dose in this ledger";
  else
    h += (d.release_seqs.size() == 1 ? "release entry " : "release entries ") +
         numbers(d.release_seqs);
  h += "): ";
  switch (d.status()) {
    case DoseStatus::not_confirmed: return h + "not confirmed";
    case DoseStatus::not_given: return h + "not given (NO-GO only)";
    case DoseStatus::given: break;
  }
  std::vector<std::string> to;
  for (const auto& r : d.recipients()) to.push_back(recipient_text(r));
  std::size_t go = 0;
  for (const auto& c : d.confirmations) go += c.decision == "go" ? 1 : 0;
  h += "GIVEN to " + text::join(to, ", ");
  if (go > 1) h += " (" + std::to_string(go) + " GO confirmations)";
  return h;
}

struct Unused {
  std::size_t not_given = 0;      // NO-GO only
  std::size_t not_confirmed = 0;  // no confirmation
};

Unused unused(const LotTrace& t) {
  Unused u;
  for (const auto& d : t.doses) {
    if (d.status() == DoseStatus::not_given) ++u.not_given;
    if (d.status() == DoseStatus::not_confirmed) ++u.not_confirmed;
  }
  return u;
}

std::string summary(const LotTrace& t) {
  const auto [not_given, not_confirmed] = unused(t);
  const auto& b = t.look_back;
  return std::to_string(b.doses) + "; given: " + std::to_string(b.doses_given) + " (" +
         plural(b.recipients, "distinct recipient", "distinct recipients") + ", " +
         plural(b.go_without_recipient, "GO confirmation", "GO confirmations") +
         " without a recipient); not given (NO-GO only): " + std::to_string(not_given) +
         "; not confirmed: " + std::to_string(not_confirmed);
}

void write_head(std::ostream& out, const std::optional<Entry>& head) {
  if (head)
    out << "Chain head: entry " << head->seq << ", SHA-256 " << head->hash << '\n';
  else
    out << "Chain head: none (the ledger is empty)\n";
}

void write_not_verified(std::ostream& out, const LotTrace& t, const std::string& path) {
  out << "NOT VERIFIED: the ledger " << text::escape_controls(path) << " does not verify for lot "
      << isbt128::din_eye_readable(t.din)
      << ". No look-back is shown: what it would say cannot be believed.\n";
  for (const auto& f : t.findings)
    out << "  " << f.code << "  " << text::escape_controls(f.message) << '\n';
  out << "Run dosegate audit on the ledger, and trace the lot from a copy that verifies (a "
         "backup).\n";
}

}  // namespace

void write_trace_table(std::ostream& out, const LotTrace& t, const std::string& path) {
  if (!t.verified()) {
    write_not_verified(out, t, path);
    return;
  }
  out << "Look-back: lot " << isbt128::din_eye_readable(t.din) << " (" << t.din << ")\n";
  out << "Ledger: " << text::escape_controls(path)
      << ", verified for this lot (hash chain, kind rules, the lot's signatures)\n";
  for (const auto& r : t.recalls)
    out << text::escape_controls("RECALLED: entry " + std::to_string(r.seq) + " at " + r.at +
                                 " by " + r.actor + ": " + one_line(r.reason))
        << '\n';
  if (t.recalls.empty()) out << "Not recalled.\n";
  if (t.rejections > 0)
    out << "Rejections: " << t.rejections << " (dosegate history --lot " << t.din
        << " lists them)\n";
  out << "Doses: " << summary(t) << "\n\nReleases\n";
  if (t.releases.empty()) {
    out << "  none: this ledger holds no release of the lot\n";
  } else {
    std::vector<std::vector<std::string>> rows{
        {"ENTRY", "AT (UTC)", "BY", "DECISION", "SPECIFICATION", "COA", "DOSES", "REASON"}};
    for (const auto& r : t.releases)
      rows.push_back({std::to_string(r.seq), r.at, r.actor, r.decision,
                      r.spec_id + " version " + r.spec_version, r.coa_id,
                      text::join(r.divisions, " "), or_dash(one_line(r.reason))});
    write_columns(out, rows, "  ");
  }
  out << "\nLate results\n";
  if (t.results.empty()) {
    out << "  none\n";
  } else {
    std::vector<std::vector<std::string>> rows{
        {"ENTRY", "AT (UTC)", "BY", "DECISION", "ABOUT", "RESULTS"}};
    for (const auto& r : t.results)
      rows.push_back({std::to_string(r.seq), r.at, r.actor, r.decision,
                      r.refers_to ? "release entry " + std::to_string(r.refers_to) : "-",
                      or_dash(one_line(r.reason))});
    write_columns(out, rows, "  ");
  }
  out << "\nRecalls\n";
  if (t.recalls.empty()) {
    out << "  none\n";
  } else {
    std::vector<std::vector<std::string>> rows{{"ENTRY", "AT (UTC)", "BY", "REASON"}};
    for (const auto& r : t.recalls)
      rows.push_back({std::to_string(r.seq), r.at, r.actor, one_line(r.reason)});
    write_columns(out, rows, "  ");
  }
  for (const auto& d : t.doses) {
    out << '\n' << text::escape_controls(dose_heading(d)) << '\n';
    if (d.confirmations.empty()) continue;
    std::vector<std::vector<std::string>> rows{{"ENTRY", "AT (UTC)", "ANSWER", "RECIPIENT", "STAFF",
                                                "SECOND STAFF", "THAWED AT (UTC)", "REASONS"}};
    for (const auto& c : d.confirmations)
      rows.push_back({std::to_string(c.seq), c.at, answer(c), or_dash(c.recipient),
                      or_dash(c.actor), or_dash(c.second_staff), or_dash(c.thawed_at),
                      or_dash(reasons(c))});
    write_columns(out, rows, "  ");
  }
  out << '\n';
  write_head(out, t.head);
}

void write_trace_csv(std::ostream& out, const LotTrace& t) {
  if (!t.verified()) return;
  const char* eol = "\r\n";
  out << "\xEF\xBB\xBF";  // UTF-8 byte order mark, as history's CSV
  const std::vector<std::string> header{"din",
                                        "division",
                                        "dose_status",
                                        "release_entry",
                                        "released_at_utc",
                                        "released_by",
                                        "spec_id",
                                        "spec_version",
                                        "confirmation_entry",
                                        "confirmed_at_utc",
                                        "decision",
                                        "recipient",
                                        "staff",
                                        "second_staff",
                                        "thawed_at_utc",
                                        "reasons",
                                        "warnings",
                                        "lot_late_results",
                                        "lot_recalls",
                                        "chain_head_entry",
                                        "chain_head_sha256"};
  out << text::join(header, ",") << eol;
  std::vector<std::string> results, recalls;
  for (const auto& r : t.results)
    results.push_back("entry " + std::to_string(r.seq) + " " + r.decision + " at " + r.at);
  for (const auto& r : t.recalls)
    recalls.push_back("entry " + std::to_string(r.seq) + " at " + r.at);
  auto row = [&](const DoseTrace& d, const Entry* c) {
    const Entry* release = nullptr;
    if (!d.release_seqs.empty())
      for (const auto& r : t.releases)
        if (r.seq == d.release_seqs.front()) release = &r;
    const std::vector<std::string> cells{t.din,
                                         d.division,
                                         to_string(d.status()),
                                         release ? std::to_string(release->seq) : "",
                                         release ? release->at : "",
                                         release ? release->actor : "",
                                         release ? release->spec_id : "",
                                         release ? release->spec_version : "",
                                         c ? std::to_string(c->seq) : "",
                                         c ? c->at : "",
                                         c ? c->decision : "",
                                         c ? c->recipient : "",
                                         c ? c->actor : "",
                                         c ? c->second_staff : "",
                                         c ? c->thawed_at : "",
                                         c ? c->reason : "",
                                         c ? c->warnings : "",
                                         text::join(results, "; "),
                                         text::join(recalls, "; "),
                                         "",
                                         ""};
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + csv_cell(cells[i]);
    out << line << eol;
  };
  for (const auto& d : t.doses) {
    if (d.confirmations.empty()) row(d, nullptr);
    for (const auto& c : d.confirmations) row(d, &c);
  }
  // The chain head, so that `audit --expect-head` can later prove nothing was dropped: a row
  // of the header's shape, its dose_status chain-head, its entry and hash in the last columns.
  std::vector<std::string> last(header.size());
  last[0] = t.din;
  last[2] = "chain-head";
  if (t.head) {
    last[last.size() - 2] = std::to_string(t.head->seq);
    last[last.size() - 1] = t.head->hash;
  }
  out << text::join(last, ",") << eol;
}

namespace {

void write_lines(json::Writer& w, const char* key, const std::string& s) {
  w.key(key).begin_array();
  for (const auto& l : lines(s)) w.value(l);
  w.end_array();
}

void write_refers_to(json::Writer& w, long long seq) {
  w.key("refers_to");
  if (seq)
    w.value(seq);
  else
    w.null();
}

void write_actor(json::Writer& w, const Entry& e) {
  w.field("actor", e.actor).field("actor_sha256", e.actor_sha256);
}

}  // namespace

void write_trace_json(std::ostream& out, const LotTrace& t, const std::string& path) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "trace").field("ledger", path);
  w.field("decision", t.verified() ? "verified" : "not-verified");
  w.key("lot").begin_object();
  w.field("din", t.din)
      .field("check_character", std::string(1, isbt128::din_check_character(t.din)));
  w.field("eye_readable", isbt128::din_eye_readable(t.din));
  w.end_object();
  if (t.verified()) {
    w.key("recalled").value(!t.recalls.empty());
    const auto& b = t.look_back;
    const auto [not_given, not_confirmed] = unused(t);
    w.key("summary").begin_object();
    w.key("doses").value(static_cast<long long>(b.doses));
    w.key("given").value(static_cast<long long>(b.doses_given));
    w.key("not_given").value(static_cast<long long>(not_given));
    w.key("not_confirmed").value(static_cast<long long>(not_confirmed));
    w.key("go_confirmations").value(static_cast<long long>(b.go_confirmations));
    w.key("recipients").value(static_cast<long long>(b.recipients));
    w.key("go_without_recipient").value(static_cast<long long>(b.go_without_recipient));
    w.key("rejections").value(static_cast<long long>(t.rejections));
    w.end_object();
    w.key("releases").begin_array();
    for (const auto& r : t.releases) {
      w.begin_object();
      w.key("seq").value(r.seq).field("at", r.at);
      write_actor(w, r);
      w.field("decision", r.decision).field("coa_id", r.coa_id).field("coa_sha256", r.coa_sha256);
      w.field("spec_id", r.spec_id).field("spec_version", r.spec_version);
      w.field("spec_sha256", r.spec_sha256);
      w.key("divisions").begin_array();
      for (const auto& d : r.divisions) w.value(d);
      w.end_array();
      w.field("reason", r.reason);
      w.key("signed").value(!r.signature.empty());
      w.end_object();
    }
    w.end_array();
    w.key("doses").begin_array();
    for (const auto& d : t.doses) {
      w.begin_object();
      w.field("division", d.division).field("status", to_string(d.status()));
      w.key("release_entries").begin_array();
      for (auto s : d.release_seqs) w.value(s);
      w.end_array();
      w.key("recipients").begin_array();
      for (const auto& r : d.recipients())
        if (!r.empty()) w.value(r);
      w.end_array();
      w.key("confirmations").begin_array();
      for (const auto& c : d.confirmations) {
        w.begin_object();
        w.key("seq").value(c.seq).field("at", c.at).field("decision", c.decision);
        w.field("recipient", c.recipient).field("staff", c.actor);
        w.field("second_staff", c.second_staff).field("thawed_at", c.thawed_at);
        write_refers_to(w, c.refers_to);
        write_lines(w, "reasons", c.reason);
        write_lines(w, "warnings", c.warnings);
        w.key("record");
        if (c.records.empty()) {
          w.null();
        } else {
          w.begin_object();
          w.field("file", c.records.front().file).field("sha256", c.records.front().sha256);
          w.end_object();
        }
        w.key("signed").value(!c.signature.empty());
        w.end_object();
      }
      w.end_array();
      w.end_object();
    }
    w.end_array();
    w.key("results").begin_array();
    for (const auto& r : t.results) {
      w.begin_object();
      w.key("seq").value(r.seq).field("at", r.at);
      write_actor(w, r);
      w.field("decision", r.decision);
      write_refers_to(w, r.refers_to);
      w.key("divisions").begin_array();
      for (const auto& d : r.divisions) w.value(d);
      w.end_array();
      write_lines(w, "reasons", r.reason);
      w.key("signed").value(!r.signature.empty());
      w.end_object();
    }
    w.end_array();
    w.key("recalls").begin_array();
    for (const auto& r : t.recalls) {
      w.begin_object();
      w.key("seq").value(r.seq).field("at", r.at);
      write_actor(w, r);
      w.field("reason", r.reason);
      w.key("signed").value(!r.signature.empty());
      w.end_object();
    }
    w.end_array();
  }
  w.key("chain_head");
  if (t.head) {
    w.begin_object();
    w.key("seq").value(t.head->seq).field("hash", t.head->hash);
    w.end_object();
  } else {
    w.null();
  }
  json::write_findings(w, t.findings);
  w.end_object();
}

}  // namespace dosegate::ledger
