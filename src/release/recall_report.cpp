// What `dosegate recall --json` prints (and the service's POST /api/v1/recall answers).
#include "dosegate/isbt128.hpp"
#include "dosegate/release/recall.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"

namespace dosegate {

void print_json(const RecallResult& r, const std::string& din, std::ostream& out) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL).field("command", "recall").field("decision", "recalled");
  w.field("din", din).field("eye_readable", isbt128::din_eye_readable(din));
  w.field("ledger", r.ledger_path).key("seq").value(r.seq).field("hash", r.hash);
  const auto& b = r.look_back;
  w.key("look_back").begin_object();
  w.key("verified").value(b.verified());
  w.key("doses").value(static_cast<long long>(b.doses));
  w.key("doses_given").value(static_cast<long long>(b.doses_given));
  w.key("go_confirmations").value(static_cast<long long>(b.go_confirmations));
  w.key("recipients").value(static_cast<long long>(b.recipients));
  w.key("go_without_recipient").value(static_cast<long long>(b.go_without_recipient));
  w.end_object();
  json::write_findings(w, b.findings);
  w.end_object();
}

}  // namespace dosegate
