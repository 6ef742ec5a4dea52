// How an audit is shown.
#include "ledger/audit.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate::ledger {

void print_text(const AuditResult& r, const std::string& path, std::ostream& out) {
  if (r.intact()) {
    out << "INTACT: " << r.entries << " entr" << (r.entries == 1 ? "y" : "ies") << " in " << path
        << "; every hash and signature holds.\n";
    if (r.head) out << "Chain head: entry " << r.head->seq << ", SHA-256 " << r.head->hash << '\n';
    return;
  }
  out << (r.could_not_check() ? "COULD NOT CHECK: " : "TAMPERED: ") << path << "\n";
  for (const auto& f : r.findings)
    out << "  " << f.code << "  " << text::escape_controls(f.message) << '\n';
}

void print_json(const AuditResult& r, const std::string& path, std::ostream& out) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "audit").field("ledger", path);
  w.field("decision", r.intact() ? "intact" : r.could_not_check() ? "could-not-check" : "tampered");
  w.key("entries").value(static_cast<long long>(r.entries));
  w.key("chain_head");
  if (r.head) {
    w.begin_object();
    w.key("seq").value(r.head->seq).field("hash", r.head->hash);
    w.end_object();
  } else {
    w.null();
  }
  // Which CRLs the signatures judged as of their own time relied on, and where each came from.
  w.key("crls").begin_array();
  for (const auto& c : r.crls) {
    w.begin_object();
    w.field("chain", c.crl.chain).field("issuer", c.crl.issuer);
    w.field("this_update", c.crl.this_update).field("next_update", c.crl.next_update);
    w.field("source", c.crl.source);
    w.key("entries").value(static_cast<long long>(c.entries));
    w.key("first_entry").value(c.first_entry).key("last_entry").value(c.last_entry);
    w.end_object();
  }
  w.end_array();
  json::write_findings(w, r.findings);
  w.end_object();
}

}  // namespace dosegate::ledger
