#include "dosegate/release_data.hpp"

#include <limits>
#include <set>
#include <sstream>

#include "spec/results_json.hpp"
#include "util/json.hpp"
#include "util/json_read.hpp"

namespace dosegate {

std::string record_id(const ReleaseData& d) {
  return d.din + "-" + d.product_code + "-" + d.dose.division;
}

std::string to_json(const ReleaseData& d) {
  std::ostringstream out;
  json::Writer w(out);
  w.begin_object();
  w.field("format", "dosegate-release-data")
      .key("version")
      .value(static_cast<long long>(kReleaseDataVersion));
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
  spec::write_criteria(w.key("criteria"), d.criteria);
  spec::write_pending(w.key("pending"), d.pending);
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
  w.field("approval", d.spec_approval).field("approver_subject", d.spec_approver_subject);
  w.field("approver_sha256", d.spec_approver_sha256).field("approved_at", d.spec_approved_at);
  w.end_object();
  w.key("release").begin_object();
  w.field("released_by", d.released_by).field("releaser_subject", d.releaser_subject);
  w.field("releaser_sha256", d.releaser_sha256).field("role", d.role);
  w.field("meaning", d.meaning).field("reason", d.reason).field("released_at", d.released_at);
  w.end_object();
  w.key("ledger").begin_object();
  w.key("seq").value(d.ledger_seq).field("hash", d.ledger_hash);
  w.end_object();
  if (d.decision == "exceptional-release") {
    w.key("exceptional").begin_object();
    w.field("recipient", d.exceptional_recipient).field("physician", d.exceptional_physician);
    w.field("reason", d.exceptional_reason);
    w.end_object();
  }
  w.end_object();
  return out.str();
}

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw ReleaseDataError(message);
}

// One JSON object of the document, read field by field; done() refuses the keys not read.
class Fields {
 public:
  Fields(const json::Value& v, std::string path, long long version)
      : path_(std::move(path)), version_(version) {
    object_ = v.object();
    if (!object_) invalid(where() + " must be an object, found " + v.type_name());
  }

  std::string text(const std::string& key) {
    const auto& v = need(key);
    if (!v.string()) wrong(key, "a string", v);
    return *v.string();
  }
  long long integer(const std::string& key, long long min = 0,
                    long long max = std::numeric_limits<long long>::max()) {
    const auto& v = need(key);
    if (!v.integer()) wrong(key, "an integer", v);
    if (*v.integer() < min || *v.integer() > max)
      invalid(name(key) + " is " + std::to_string(*v.integer()) + ", outside " +
              std::to_string(min) + ".." + std::to_string(max));
    return *v.integer();
  }
  std::size_t count(const std::string& key) { return static_cast<std::size_t>(integer(key)); }
  std::optional<long long> optional_integer(const std::string& key, long long min, long long max) {
    if (object_->find(key) == object_->end()) return std::nullopt;
    return integer(key, min, max);
  }
  const json::Value::Array& array(const std::string& key) {
    const auto& v = need(key);
    if (!v.array()) wrong(key, "an array", v);
    return *v.array();
  }
  Fields object(const std::string& key) { return Fields(need(key), name(key), version_); }
  // The version of the document, which done() names for a field it does not have.
  void set_version(long long version) { version_ = version; }
  std::string name(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  void done() const {
    for (const auto& [key, value] : *object_)
      if (!taken_.count(key))
        invalid("unknown field " + name(key) + " (release data version " +
                std::to_string(version_) + " has no such field)");
  }

 private:
  std::string where() const { return path_.empty() ? "the document" : path_; }
  const json::Value& need(const std::string& key) {
    const auto it = object_->find(key);
    if (it == object_->end()) invalid(name(key) + " is missing");
    taken_.insert(key);
    return it->second;
  }
  [[noreturn]] void wrong(const std::string& key, const char* expected, const json::Value& v) {
    invalid(name(key) + " must be " + expected + ", found " + v.type_name());
  }

  const json::Value::Object* object_ = nullptr;
  std::string path_;
  long long version_;
  std::set<std::string> taken_;
};

Verdict verdict_named(const std::string& name, const std::string& field) {
  for (auto v : {Verdict::unknown, Verdict::pass, Verdict::fail, Verdict::pending, Verdict::missing,
                 Verdict::invalid, Verdict::info})
    if (name == to_string(v)) return v;
  invalid(field + " is \"" + name + "\", not a verdict");
}

std::string indexed(const std::string& key, std::size_t i) {
  return key + "[" + std::to_string(i) + "]";
}

}  // namespace

ReleaseData release_data_from_json(std::string_view text) {
  json::Value doc;
  try {
    doc = json::parse(text);
  } catch (const json::ParseError& e) {
    invalid(e.what());
  }
  // Until the version is read, an unknown field is named against the newest version.
  Fields top(doc, "", kReleaseDataVersion);
  // The format and version first: a document of another kind or version is named as such,
  // not by the first field it lacks.
  const auto format = top.text("format");
  if (format != "dosegate-release-data")
    invalid("format is \"" + format + "\", not \"dosegate-release-data\"");
  const auto version = top.integer("version", std::numeric_limits<long long>::min());
  if (version < kOldestReleaseDataVersion || version > kReleaseDataVersion)
    invalid("release data version " + std::to_string(version) +
            " is not supported; this dosegate reads versions " +
            std::to_string(kOldestReleaseDataVersion) + " to " +
            std::to_string(kReleaseDataVersion));
  top.set_version(version);

  ReleaseData d;
  const auto id = top.text("record_id");
  {
    auto lot = top.object("lot");
    d.din = lot.text("din");
    d.check_character = lot.text("check_character");
    d.product_code = lot.text("product_code");
    d.product_name = lot.text("product_name");
    d.product_source = lot.text("product_source");
    d.expires = lot.text("expires");
    d.dose_count = lot.count("dose_count");
    lot.done();
  }
  {
    auto dose = top.object("dose");
    d.dose.division = dose.text("division");
    d.dose.viable_cells = dose.text("viable_cells");
    d.dose.volume = dose.text("volume");
    d.dose.index = dose.count("index");
    dose.done();
  }
  d.decision = top.text("decision");
  const bool exceptional = version >= 3 && d.decision == "exceptional-release";
  if (d.decision != "releasable" && d.decision != "releasable-pending" && !exceptional)
    invalid("decision is \"" + d.decision + "\", not releasable or releasable-pending" +
            (version >= 3 ? " or exceptional-release" : ""));
  const auto& criteria = top.array("criteria");
  for (std::size_t i = 0; i < criteria.size(); ++i) {
    Fields c(criteria[i], indexed("criteria", i), version);
    PrintedCriterion row;
    row.test = c.text("test");
    row.group = c.text("group");
    row.specification = c.text("specification");
    row.result = c.text("result");
    row.verdict = verdict_named(c.text("verdict"), c.name("verdict"));
    c.done();
    d.criteria.push_back(std::move(row));
  }
  const auto& pending = top.array("pending");
  for (std::size_t i = 0; i < pending.size(); ++i) {
    Fields p(pending[i], indexed("pending", i), version);
    PendingTest t;
    t.test = p.text("test");
    t.method = p.text("method");
    t.expected = p.text("expected");
    if (version >= 2) {
      t.when_overdue = p.text("when_overdue");
      if (t.when_overdue != "no-go" && t.when_overdue != "warn")
        invalid(p.name("when_overdue") + " is \"" + t.when_overdue + "\", not no-go or warn");
    }  // version 1: the default, "no-go"
    p.done();
    d.pending.push_back(std::move(t));
  }
  {
    auto coa = top.object("coa");
    d.coa_id = coa.text("id");
    d.coa_sha256 = coa.text("sha256");
    d.laboratory_id = coa.text("laboratory_id");
    d.laboratory_name = coa.text("laboratory_name");
    d.coa_signature = coa.text("signature");
    d.coa_signer_subject = coa.text("signer_subject");
    d.coa_signer_sha256 = coa.text("signer_sha256");
    coa.done();
  }
  {
    auto spec = top.object("specification");
    d.spec_id = spec.text("id");
    d.spec_version = spec.text("version");
    d.spec_title = spec.text("title");
    d.spec_sha256 = spec.text("sha256");
    if (const auto m = spec.optional_integer("use_within_after_thaw_minutes", 0,
                                             std::numeric_limits<int>::max()))
      d.use_within_after_thaw_minutes = static_cast<int>(*m);
    if (version >= 3) {
      d.spec_approval = spec.text("approval");
      if (d.spec_approval != "approved" && d.spec_approval != "built-in" &&
          d.spec_approval != "unapproved")
        invalid(spec.name("approval") + " is \"" + d.spec_approval +
                "\", not approved, built-in or unapproved");
      d.spec_approver_subject = spec.text("approver_subject");
      d.spec_approver_sha256 = spec.text("approver_sha256");
      d.spec_approved_at = spec.text("approved_at");
    }
    spec.done();
  }
  {
    auto release = top.object("release");
    d.released_by = release.text("released_by");
    d.releaser_subject = release.text("releaser_subject");
    d.releaser_sha256 = release.text("releaser_sha256");
    d.role = release.text("role");
    d.meaning = release.text("meaning");
    d.reason = release.text("reason");
    d.released_at = release.text("released_at");
    release.done();
  }
  {
    auto ledger = top.object("ledger");
    d.ledger_seq = ledger.integer("seq");
    d.ledger_hash = ledger.text("hash");
    ledger.done();
  }
  if (exceptional) {
    auto x = top.object("exceptional");
    d.exceptional_recipient = x.text("recipient");
    d.exceptional_physician = x.text("physician");
    d.exceptional_reason = x.text("reason");
    x.done();
    if (d.exceptional_recipient.empty())
      invalid("exceptional.recipient is empty: an exceptional release names its recipient");
  }
  top.done();
  if (id != record_id(d))
    invalid("record_id is \"" + id + "\" but the lot, product and dose make \"" + record_id(d) +
            "\"");
  return d;
}

}  // namespace dosegate
