#include "dosegate/release/release_data.hpp"

#include <sstream>

#include "util/json.hpp"

namespace dosegate {

std::string record_id(const ReleaseData& d) {
  return d.din + "-" + d.product_code + "-" + d.dose.division;
}

std::string to_json(const ReleaseData& d) {
  std::ostringstream out;
  json::Writer w(out);
  w.begin_object();
  w.field("format", "dosegate-release-data").key("version").value(1LL);
  w.field("record_id", record_id(d));
  w.key("lot").begin_object();
  w.field("din", d.din).field("check_character", d.check_character);
  w.field("product_code", d.product_code).field("product_name", d.product_name);
  w.field("product_source", d.product_source).field("expires", d.expires);
  w.key("dose_count").value(static_cast<long long>(d.dose_count));
  w.end_object();
  w.key("dose").begin_object();
  w.field("division", d.dose.division).field("viable_cells", d.dose.viable_cells);
  w.field("volume", d.dose.volume).key("index").value(static_cast<long long>(d.dose.index));
  w.end_object();
  w.field("decision", d.decision);
  w.key("criteria").begin_array();
  for (const auto& r : d.criteria) {
    w.begin_object();
    w.field("test", r.test).field("group", r.group).field("specification", r.specification);
    w.field("result", r.result).field("verdict", to_string(r.verdict));
    w.end_object();
  }
  w.end_array();
  w.key("pending").begin_array();
  for (const auto& p : d.pending) {
    w.begin_object();
    w.field("test", p.test).field("method", p.method).field("expected", p.expected);
    w.end_object();
  }
  w.end_array();
  w.key("coa").begin_object();
  w.field("id", d.coa_id).field("sha256", d.coa_sha256);
  w.field("laboratory_id", d.laboratory_id).field("laboratory_name", d.laboratory_name);
  w.field("signature", d.coa_signature).field("signer_subject", d.coa_signer_subject);
  w.field("signer_sha256", d.coa_signer_sha256);
  w.end_object();
  w.key("specification").begin_object();
  w.field("id", d.spec_id).field("version", d.spec_version).field("title", d.spec_title);
  w.field("sha256", d.spec_sha256);
  if (d.use_within_after_thaw_minutes)
    w.key("use_within_after_thaw_minutes")
        .value(static_cast<long long>(*d.use_within_after_thaw_minutes));
  w.end_object();
  w.key("release").begin_object();
  w.field("released_by", d.released_by).field("releaser_subject", d.releaser_subject);
  w.field("releaser_sha256", d.releaser_sha256).field("role", d.role);
  w.field("meaning", d.meaning).field("reason", d.reason).field("released_at", d.released_at);
  w.end_object();
  w.key("ledger").begin_object();
  w.key("seq").value(d.ledger_seq).field("hash", d.ledger_hash);
  w.end_object();
  w.end_object();
  return out.str();
}

}  // namespace dosegate
