#include "dosegate/coa/reader.hpp"

#include <set>

#include "dosegate/isbt128.hpp"
#include "xml/strict.hpp"
#include "xml/values.hpp"

namespace dosegate::coa {
namespace {

constexpr const char* kDsig = "http://www.w3.org/2000/09/xmldsig#";

using xml::Element;
using xml::names;
using xml::QName;

// The children each element allows, in their order (Element::expect_children keeps a reference).
const std::vector<QName> kRootChildren = [] {
  auto allowed = names(kNamespace, {"Issued", "Supersedes", "Laboratory", "Product", "Lot",
                                    "Results", "Conclusion", "Approval"});
  allowed.push_back(QName{kDsig, "Signature"});
  return allowed;
}();
const std::vector<QName> kLaboratoryChildren =
    names(kNamespace, {"Name", "Address", "Accreditation"});
const std::vector<QName> kProductChildren =
    names(kNamespace, {"Name", "Code", "Source", "Use", "Storage"});
const std::vector<QName> kLotChildren =
    names(kNamespace, {"DIN", "Donor", "Manufactured", "Expires", "Doses"});
const std::vector<QName> kDosesChildren = names(kNamespace, {"Dose"});
const std::vector<QName> kDoseChildren = names(kNamespace, {"ViableCells", "Volume"});
const std::vector<QName> kResultsChildren = names(kNamespace, {"Result"});
const std::vector<QName> kResultChildren =
    names(kNamespace, {"Method", "Value", "Outcome", "Completed", "Expected"});

// Reads the text of a required (or optional) child and converts it with `convert`.
template <typename Convert>
auto child_value(Element& parent, const char* local, bool required, Convert convert)
    -> decltype(convert(parent, std::string(), std::string())) {
  auto e = parent.take(local, required);
  if (!e) return std::nullopt;
  e->finish();
  const std::string what = "<" + std::string(local) + ">";
  const std::string value = e->text(true);
  if (value.empty()) return std::nullopt;
  return convert(*e, value, what);
}

std::optional<std::string> token_child(Element& parent, const char* local, bool required) {
  return child_value(parent, local, required, xml::to_token);
}

class Reader {
 public:
  std::optional<Certificate> read_root(Element& root) {
    Certificate c;
    if (auto v = root.attribute("version", true); v && *v != "1")
      root.error("attribute 'version' is '" + *v +
                 "'; this dosegate reads CoA format version 1 only");
    if (auto id = root.attribute("id", true)) {
      if (auto ok = xml::to_identifier(root, *id, "attribute 'id'")) c.id = *ok;
    }
    root.expect_children(kRootChildren);

    if (auto t = child_value(root, "Issued", true, xml::to_instant)) c.issued = *t;
    c.supersedes = child_value(root, "Supersedes", false, xml::to_identifier);
    if (auto lab = root.take("Laboratory", true)) read_laboratory(*lab, c.laboratory);
    if (auto product = root.take("Product", true)) read_product(*product, c.product);
    if (auto lot = root.take("Lot", true)) read_lot(*lot, c.lot, c.product.code);
    if (auto results = root.take("Results", true)) read_results(*results, c.results);
    if (auto v = child_value(
            root, "Conclusion", true, [](Element& e, const std::string& s, const std::string& w) {
              return xml::to_enum(e, s, w, {"conforms", "does-not-conform", "conforms-pending"});
            })) {
      c.conclusion = *v == "conforms"           ? Conclusion::conforms
                     : *v == "does-not-conform" ? Conclusion::does_not_conform
                                                : Conclusion::conforms_pending;
    }
    if (auto approval = root.take("Approval", true)) read_approval(*approval, c.approval);
    if (auto sig = root.take("Signature", false, kDsig)) {
      c.has_enveloped_signature = true;  // its content is the signature verifier's business
    }
    root.finish();
    return c;
  }

 private:
  void read_laboratory(Element& e, Laboratory& lab) {
    if (auto id = e.attribute("id", true))
      if (auto ok = xml::to_identifier(e, *id, "attribute 'id'")) lab.id = *ok;
    e.expect_children(kLaboratoryChildren);
    if (auto v = token_child(e, "Name", true)) lab.name = *v;
    lab.address = token_child(e, "Address", false);
    for (auto& a : e.take_all("Accreditation", 0)) {
      Accreditation acc;
      if (auto s = a.attribute("scheme", true))
        if (auto ok = xml::to_token(a, *s, "attribute 'scheme'")) acc.scheme = *ok;
      if (auto n = a.attribute("number", true))
        if (auto ok = xml::to_token(a, *n, "attribute 'number'")) acc.number = *ok;
      a.require_empty();
      a.finish();
      lab.accreditations.push_back(std::move(acc));
    }
    e.finish();
  }

  void read_product(Element& e, Product& p) {
    e.expect_children(kProductChildren);
    if (auto v = token_child(e, "Name", true)) p.name = *v;
    p.code = child_value(e, "Code", true,
                         [](Element& at, const std::string& s,
                            const std::string& w) -> std::optional<std::string> {
                           if (isbt128::is_valid_product_code(s)) return s;
                           at.error(w + ": '" + s +
                                    "' is not an ISBT 128 cellular therapy product code; write S, "
                                    "4 digits, the type-of-donation character and 00 (divided "
                                    "with codes A0..Zz) or 99 (Product Divisions), e.g. S1234V00");
                           return std::nullopt;
                         })
                 .value_or("");
    if (auto v = child_value(e, "Source", true,
                             [](Element& at, const std::string& s, const std::string& w) {
                               return xml::to_enum(at, s, w, xml::kSources);
                             }))
      p.source = *v;
    if (auto v = child_value(e, "Use", true,
                             [](Element& at, const std::string& s, const std::string& w) {
                               return xml::to_enum(at, s, w, {"allogeneic", "autologous"});
                             }))
      p.use = *v;
    p.storage = token_child(e, "Storage", false);
    e.finish();
  }

  void read_lot(Element& e, Lot& lot, const std::string& product_code) {
    e.expect_children(kLotChildren);
    if (auto v = child_value(e, "DIN", true,
                             [](Element& at, const std::string& s,
                                const std::string& w) -> std::optional<std::string> {
                               if (isbt128::is_valid_din(s)) return s;
                               at.error(w + ": '" + s +
                                        "' is not a 13-character ISBT 128 Donation "
                                        "Identification Number (facility letter or digit, 4 "
                                        "digits, 2-digit year, 6-digit sequence; no flags or "
                                        "check character), e.g. A999926000147");
                               return std::nullopt;
                             }))
      lot.din = *v;
    lot.donor = token_child(e, "Donor", false);
    if (auto d = child_value(e, "Manufactured", true, xml::to_date)) lot.manufactured = *d;
    if (auto t = child_value(e, "Expires", true, xml::to_instant)) lot.expires = *t;
    if (auto doses = e.take("Doses", true)) {
      doses->expect_children(kDosesChildren);
      const auto scheme = isbt128::division_scheme(product_code);
      std::set<std::string> seen;
      for (auto& d : doses->take_all("Dose", 1)) {
        Dose dose;
        auto division = d.attribute("division", true);
        if (division) {
          dose.division = *division;
          if (scheme != isbt128::DivisionScheme::unknown &&
              !isbt128::is_valid_division(scheme, *division)) {
            d.error(scheme == isbt128::DivisionScheme::two_character
                        ? "attribute 'division': '" + *division +
                              "' is not a 2-character ISBT 128 division code (A0..Z0, Aa..Zz), "
                              "which a product code ending in 00 requires"
                        : "attribute 'division': '" + *division +
                              "' is not a 6-digit Product Divisions value (000001..999999), "
                              "which a product code ending in 99 requires");
          } else if (scheme == isbt128::DivisionScheme::unknown &&
                     !isbt128::is_valid_division(isbt128::DivisionScheme::two_character,
                                                 *division) &&
                     !isbt128::is_valid_division(isbt128::DivisionScheme::product_divisions,
                                                 *division)) {
            d.error("attribute 'division': '" + *division +
                    "' is neither a 2-character division code nor a 6-digit Product Divisions "
                    "value");
          }
          if (!seen.insert(*division).second)
            d.error("division '" + *division +
                    "' appears twice in this lot; divisions are "
                    "unique per lot");
        }
        static constexpr std::string_view kDosePath =
            "/CertificateOfAnalysis/Lot/Doses/Dose[@division='";
        dose.path.reserve(kDosePath.size() + dose.division.size() + 2);
        dose.path.append(kDosePath).append(dose.division).append("']");
        d.expect_children(kDoseChildren);
        bool ok = true;
        if (auto v = child_value(d, "ViableCells", true, xml::to_decimal))
          dose.viable_cells = *v;
        else
          ok = false;
        if (auto vol = d.take("Volume", true)) {
          if (auto u = vol->attribute("unit", true))
            if (auto unit = xml::to_unit(*vol, *u, "attribute 'unit'")) dose.volume_unit = *unit;
          vol->finish();
          const auto text = vol->text(true);
          if (auto v = text.empty() ? std::nullopt : xml::to_decimal(*vol, text, "<Volume>"))
            dose.volume = *v;
          else
            ok = false;
        } else {
          ok = false;
        }
        d.finish();
        if (ok) lot.doses.push_back(std::move(dose));
      }
      doses->finish();
    }
    e.finish();
  }

  void read_results(Element& e, std::vector<Result>& results) {
    e.expect_children(kResultsChildren);
    std::set<std::string> seen;
    for (auto& r : e.take_all("Result", 1)) {
      Result result;
      if (auto t = r.attribute("test", true)) {
        if (auto ok = xml::to_enum(r, *t, "attribute 'test'", xml::kTestCodes)) {
          result.test = *ok;
          if (!seen.insert(*ok).second)
            r.error("a second result for test '" + *ok +
                    "'; each test is reported once per CoA (report a retest by replacing the "
                    "result and superseding the CoA)");
        }
      }
      if (auto s = r.attribute("status", true)) {
        if (auto ok = xml::to_enum(r, *s, "attribute 'status'", {"complete", "pending", "invalid"}))
          result.status = *ok == "complete"  ? ResultStatus::complete
                          : *ok == "pending" ? ResultStatus::pending
                                             : ResultStatus::invalid;
      }
      result.path = "/CertificateOfAnalysis/Results/Result[@test='" + result.test + "']";
      r.expect_children(kResultChildren);
      if (auto m = token_child(r, "Method", true)) result.method = *m;
      bool has_value_element = false;
      if (auto v = r.take("Value", false)) {
        has_value_element = true;
        MeasuredValue mv;
        bool ok = true;
        if (auto u = v->attribute("unit", true)) {
          if (auto unit = xml::to_unit(*v, *u, "attribute 'unit'")) mv.unit = *unit;
        } else {
          ok = false;
        }
        if (auto q = v->attribute("qualifier", false)) {
          if (auto qq =
                  xml::to_enum(*v, *q, "attribute 'qualifier'", {"less-than", "greater-than"}))
            mv.qualifier = *qq == "less-than" ? Qualifier::less_than : Qualifier::greater_than;
        }
        v->finish();
        const auto text = v->text(true);
        if (auto d = text.empty() ? std::nullopt : xml::to_decimal(*v, text, "<Value>"))
          mv.value = *d;
        else
          ok = false;
        if (ok) result.value = std::move(mv);
      }
      bool has_outcome_element = false;
      if (auto o = r.take("Outcome", false)) {
        has_outcome_element = true;
        o->finish();
        const auto text = o->text(true);
        if (!text.empty()) result.outcome = xml::to_enum(*o, text, "<Outcome>", xml::kOutcomes);
        if (has_value_element) o->error("a result holds either <Value> or <Outcome>, not both");
      }
      bool has_completed = false;
      if (auto c = r.take("Completed", false)) {
        has_completed = true;
        c->finish();
        const auto text = c->text(true);
        if (!text.empty()) result.completed = xml::to_date(*c, text, "<Completed>");
      }
      bool has_expected = false;
      if (auto x = r.take("Expected", false)) {
        has_expected = true;
        x->finish();
        const auto text = x->text(true);
        if (!text.empty()) result.expected = xml::to_date(*x, text, "<Expected>");
      }
      r.finish();
      // The status decides which children a result must have (the schema cannot say this).
      const bool has_reading = has_value_element || has_outcome_element;
      switch (result.status) {
        case ResultStatus::complete:
          if (!has_reading) r.error("a complete result needs a <Value> or an <Outcome>");
          if (!has_completed) r.error("a complete result needs <Completed> (the date it ended)");
          if (has_expected)
            r.error("a complete result has no <Expected>; that is for pending results");
          break;
        case ResultStatus::pending:
          if (has_reading)
            r.error("a pending result has no <Value> or <Outcome> yet; report it when complete");
          if (has_completed) r.error("a pending result has no <Completed> date yet");
          if (!has_expected)
            r.error("a pending result needs <Expected> (the date its result is due)");
          break;
        case ResultStatus::invalid:
          if (has_expected)
            r.error("an invalid result has no <Expected>; a retest is reported as a new CoA");
          break;
        case ResultStatus::unknown: break;
      }
      results.push_back(std::move(result));
    }
    e.finish();
  }

  void read_approval(Element& e, Approval& a) {
    if (auto v = e.attribute("name", true))
      if (auto ok = xml::to_token(e, *v, "attribute 'name'")) a.name = *ok;
    if (auto v = e.attribute("role", true))
      if (auto ok = xml::to_token(e, *v, "attribute 'role'")) a.role = *ok;
    if (auto v = e.attribute("meaning", true))
      if (auto ok = xml::to_token(e, *v, "attribute 'meaning'")) a.meaning = *ok;
    if (auto v = e.attribute("at", true))
      if (auto t = xml::to_instant(e, *v, "attribute 'at'")) a.at = *t;
    e.require_empty();
    e.finish();
  }
};

}  // namespace

const char* to_string(ResultStatus status) {
  switch (status) {
    case ResultStatus::complete: return "complete";
    case ResultStatus::pending: return "pending";
    case ResultStatus::invalid: return "invalid";
    case ResultStatus::unknown: break;
  }
  return "unknown";
}

const char* to_string(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::less_than: return "less-than";
    case Qualifier::greater_than: return "greater-than";
    case Qualifier::none: break;
  }
  return "none";
}

const char* to_string(Conclusion conclusion) {
  switch (conclusion) {
    case Conclusion::conforms: return "conforms";
    case Conclusion::does_not_conform: return "does-not-conform";
    case Conclusion::conforms_pending: return "conforms-pending";
    case Conclusion::unknown: break;
  }
  return "unknown";
}

const Result* Certificate::find_result(std::string_view test) const {
  for (const auto& r : results)
    if (r.test == test) return &r;
  return nullptr;
}

ReadResult read(std::string_view bytes, std::string_view file_name) {
  ReadResult out;
  xml::Document doc(bytes, std::string(file_name), out.errors);
  auto root = doc.root(xml::QName{kNamespace, "CertificateOfAnalysis"});
  if (!root) return out;
  Reader reader;
  auto certificate = reader.read_root(*root);
  if (out.errors.empty()) out.certificate = std::move(certificate);
  return out;
}

}  // namespace dosegate::coa
