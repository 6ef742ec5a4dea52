// How a confirmation is shown: the answer line first, always.
#include "dosegate/confirm/confirm.hpp"
#include "dosegate/isbt128.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate {

std::string answer_line(const ConfirmResult& r) {
  std::string line = r.go ? "GO" : "NO-GO";
  if (r.go && !r.exceptional.empty())
    line += ", EXCEPTIONAL RELEASE (out of specification: " + r.exceptional + ")";
  if (r.go && !r.pending.empty()) {
    line += ", " + std::to_string(r.pending.size()) + " test" + (r.pending.size() == 1 ? "" : "s") +
            " pending:";
    for (std::size_t i = 0; i < r.pending.size(); ++i)
      line += (i ? "; " : " ") + r.pending[i].test + ", expected " + r.pending[i].expected;
  }
  if (r.go && !r.confirmed_before.empty())
    line += ", confirmed before " + r.confirmed_before + " for this recipient";
  if (!r.go) {
    std::vector<std::string> reasons;
    for (const auto& f : r.findings)
      if (f.severity == Severity::error) reasons.push_back(f.message);
    line += ": " + text::join(reasons, "; ");
  }
  for (const auto& f : r.findings)
    if (f.code == "confirm.ledger-not-consulted") line += " [LEDGER NOT CONSULTED]";
  return line;
}

void print_text(const ConfirmResult& r, const ConfirmOptions& o, std::ostream& out) {
  // Record and ledger text reaches a terminal: controls and bidi overrides shown, not obeyed.
  const auto safe = [](const std::string& t) { return text::escape_controls(t); };
  out << safe(answer_line(r)) << '\n';
  if (!r.din.empty())
    out << "  Dose      " << isbt128::din_eye_readable(r.din) << "  "
        << safe(r.division.size() == 2 ? r.product_code.substr(0, 6) + r.division
                                       : r.product_code + " " + r.division)
        << ", " << safe(r.product_name) << '\n'
        << "  Expires   " << safe(r.expires) << " (UTC)\n"
        << "  Released  " << safe(r.released_at) << " by " << safe(r.released_by) << '\n';
  if (!r.signer.empty()) out << "  Signed by " << safe(r.signer) << '\n';
  if (r.timestamp)
    out << "  Timestamp " << safe(*r.timestamp) << " by " << safe(r.tsa.value_or("?"))
        << " (PAdES B-T: the signature is judged as of this time)\n";
  out << "  Recipient " << safe(o.recipient.empty() ? "none recorded" : o.recipient) << '\n';
  if (!o.second_staff.empty())
    out << "  Checked   by " << safe(o.staff) << " and " << safe(o.second_staff) << '\n';
  if (!r.late_results.empty()) out << "  Results   late results " << safe(r.late_results) << '\n';
  for (const auto& f : r.findings)
    if (f.severity == Severity::warning) out << "  Warning   " << safe(f.message) << '\n';
  out << "  Ledger    "
      << safe(!r.ledger_consulted ? std::string("NOT CONSULTED (recall, release and earlier "
                                                "administrations not checked)")
              : r.release_known   ? "release and recalls checked in " + r.ledger_path
                                  : "recalls checked in " + r.ledger_path)
      << '\n';
  out << "  Recorded  "
      << safe(r.ledger_entry ? "confirmation recorded as entry " + std::to_string(*r.ledger_entry) +
                                   " (staff " + o.staff + ")"
                             : r.ledger_note)
      << '\n';
}

void print_json(const ConfirmResult& r, const ConfirmOptions& o, std::ostream& out) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "confirm");
  w.field("decision", r.go ? "go" : "no-go").field("answer", answer_line(r));
  w.field("record", o.record_path).field("at", format_instant(o.at));
  w.key("dose").begin_object();
  w.field("din", r.din).field("product_code", r.product_code).field("division", r.division);
  w.field("expires", r.expires).field("released_at", r.released_at);
  w.field("released_by", r.released_by).field("signer", r.signer);
  w.end_object();
  // Which time the record's signature was judged at, and why.
  w.key("signature").begin_object();
  w.field("profile", r.timestamp ? "B-T" : "B-B").field("judged_at", r.signature_judged_at);
  w.field("timestamp", r.timestamp.value_or("")).field("tsa", r.tsa.value_or(""));
  w.key("crls").begin_array();
  for (const auto& c : r.signature_crls) {
    w.begin_object();
    w.field("chain", c.chain).field("issuer", c.issuer).field("this_update", c.this_update);
    w.field("next_update", c.next_update).field("source", c.source);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  w.key("pending").begin_array();
  for (const auto& p : r.pending) {
    w.begin_object();
    w.field("test", p.test).field("expected", p.expected);
    w.end_object();
  }
  w.end_array();
  w.field("recipient", o.recipient).field("staff", o.staff).field("second_staff", o.second_staff);
  w.key("ledger_consulted").value(r.ledger_consulted);
  w.key("recall_checked").value(r.recall_checked);
  w.key("release_known").value(r.release_known);
  w.field("late_results", r.late_results).field("confirmed_before", r.confirmed_before);
  w.key("ledger_entry");
  if (r.ledger_entry)
    w.value(*r.ledger_entry);
  else
    w.null();
  json::write_findings(w, r.findings);
  w.end_object();
}

}  // namespace dosegate
