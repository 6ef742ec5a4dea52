#include <algorithm>
#include <set>

#include "crypto/sha256.hpp"
#include "crypto/xmldsig.hpp"
#include "dosegate/error.hpp"
#include "dosegate/spec/specification.hpp"
#include "spec/shipped.hpp"
#include "util/text.hpp"
#include "xml/strict.hpp"
#include "xml/values.hpp"

namespace dosegate::spec {
namespace {

using xml::Element;
using xml::names;
using xml::QName;

constexpr const char* kDsig = "http://www.w3.org/2000/09/xmldsig#";

// Reads the four bound attributes into a Range, enforcing one lower and one upper bound and
// a non-empty interval. Returns nullopt when no bound is present.
std::optional<Range> read_range(Element& e, bool& ok) {
  struct Spec {
    const char* attr;
    Bound::Kind kind;
  };
  const Spec specs[] = {{"at-least", Bound::Kind::at_least},
                        {"greater-than", Bound::Kind::greater_than},
                        {"at-most", Bound::Kind::at_most},
                        {"less-than", Bound::Kind::less_than}};
  Range range;
  bool any = false;
  for (const auto& s : specs) {
    auto text = e.attribute(s.attr, false);
    if (!text) continue;
    any = true;
    auto value = xml::to_decimal(e, *text, std::string("attribute '") + s.attr + "'");
    if (!value) {
      ok = false;
      continue;
    }
    const bool lower = s.kind == Bound::Kind::at_least || s.kind == Bound::Kind::greater_than;
    auto& slot = lower ? range.lower : range.upper;
    if (slot) {
      e.error(std::string("two ") + (lower ? "lower" : "upper") + " bounds ('" +
              (lower ? "at-least' and 'greater-than" : "at-most' and 'less-than") +
              "'); give at most one lower and one upper bound");
      ok = false;
      continue;
    }
    slot = Bound{s.kind, *value};
  }
  if (!any) return std::nullopt;
  if (range.lower && range.upper) {
    const auto order = range.lower->value <=> range.upper->value;
    const bool both_inclusive =
        range.lower->kind == Bound::Kind::at_least && range.upper->kind == Bound::Kind::at_most;
    if (order > 0 || (order == 0 && !both_inclusive)) {
      e.error("the bounds " + range.describe() +
              " admit no value; the lower bound must be below the upper bound");
      ok = false;
    }
  }
  return range;
}

Criterion read_criterion(Element& e, bool in_one_of, std::set<std::string>& seen, bool& ok) {
  Criterion c;
  if (auto t = e.attribute("test", true)) {
    if (auto code = xml::to_enum(e, *t, "attribute 'test'", xml::kTestCodes)) {
      c.test = *code;
      if (!seen.insert(*code).second) {
        e.error("test '" + *code + "' has a second criterion; each test appears once");
        ok = false;
      }
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  c.path = "/ReleaseSpecification/" + std::string(in_one_of ? "OneOf/" : "") + "Criterion[@test='" +
           c.test + "']";
  c.range = read_range(e, ok);
  if (auto u = e.attribute("unit", false)) {
    if (auto unit = xml::to_unit(e, *u, "attribute 'unit'"))
      c.unit = *unit;
    else
      ok = false;
  }
  if (auto o = e.attribute("outcome", false)) {
    c.outcome = xml::to_enum(e, *o, "attribute 'outcome'", xml::kOutcomes);
    if (!c.outcome) ok = false;
  }
  if (auto p = e.attribute("may-be-pending", false)) {
    if (auto b = xml::to_boolean(e, *p, "attribute 'may-be-pending'"))
      c.may_be_pending = *b;
    else
      ok = false;
  }
  bool has_when_overdue = false;
  if (auto w = e.attribute("when-overdue", false)) {
    has_when_overdue = true;
    if (*w == "no-go" || *w == "warn") {
      c.when_overdue = *w;
    } else {
      e.error("attribute 'when-overdue': " + text::quoted(*w) +
              " is not one of: no-go, warn (what the bedside answers once the expected date of "
              "a pending result has passed: no-go, the default, or warn, GO with a warning)");
      ok = false;
    }
  }
  if (auto r = e.attribute("report-only", false)) {
    if (auto b = xml::to_boolean(e, *r, "attribute 'report-only'"))
      c.report_only = *b;
    else
      ok = false;
  }
  if (auto x = e.attribute("exceptional-release", false)) {
    if (*x == "allowed" || *x == "never") {
      c.exceptional_release = *x == "allowed";
    } else {
      e.error("attribute 'exceptional-release': " + text::quoted(*x) +
              " is not one of: allowed, never (whether a failed result may be released to one "
              "named patient on a physician's request; never, the default)");
      ok = false;
    }
  }
  e.require_empty();
  e.finish();

  auto fail = [&](const std::string& m) {
    e.error(m);
    ok = false;
  };
  const bool has_unit_attr = !c.unit.empty();
  if (c.range && c.outcome)
    fail("a criterion is either numeric (bounds with a unit) or qualitative (outcome), not both");
  if (c.range && !has_unit_attr)
    fail(
        "numeric bounds need attribute 'unit' (e.g. unit=\"%\"); results must carry the same unit");
  if (c.outcome && has_unit_attr)
    fail("attribute 'unit' is for numeric bounds, not for an outcome");
  if (!c.range && !c.outcome && has_unit_attr) fail("attribute 'unit' without any bound");
  if (!c.range && !c.outcome && !c.report_only)
    fail(
        "a criterion needs bounds (at-least, greater-than, at-most, less-than), an outcome, or "
        "report-only=\"true\"");
  if (c.report_only && c.may_be_pending)
    fail(
        "report-only and may-be-pending together make no sense: a report-only test never "
        "blocks release");
  if (has_when_overdue && !c.may_be_pending)
    fail(
        "attribute 'when-overdue' says what an overdue pending result means, and this test may "
        "not be pending; add may-be-pending=\"true\" or remove when-overdue");
  if (in_one_of && c.report_only)
    fail("report-only is not allowed inside <OneOf>: a OneOf requires a passing result");
  return c;
}

}  // namespace

Specification parse_unchecked(std::string_view bytes, std::string_view file_name) {
  std::vector<Diagnostic> errors;
  Specification s;
  bool ok = true;
  {
    xml::Document doc(bytes, std::string(file_name), errors);
    auto root = doc.root(QName{kNamespace, "ReleaseSpecification"});
    if (root) {
      if (auto id = root->attribute("id", true))
        if (auto v = xml::to_identifier(*root, *id, "attribute 'id'")) s.id = *v;
      if (auto v = root->attribute("version", true)) {
        // [0-9]{1,9}(\.[0-9]{1,9}){0,3}
        bool good = !v->empty();
        int parts = 0;
        std::size_t run = 0;
        for (char ch : *v) {
          if (ch >= '0' && ch <= '9') {
            if (++run > 9) good = false;
          } else if (ch == '.' && run > 0) {
            run = 0;
            if (++parts > 3) good = false;
          } else {
            good = false;
          }
        }
        if (run == 0) good = false;
        if (good)
          s.version = *v;
        else
          root->error("attribute 'version': " + text::quoted(*v) +
                      " is not a version number; write 1, 2, 1.1 or similar");
      }
      if (auto t = root->attribute("title", true))
        if (auto v = xml::to_token(*root, *t, "attribute 'title'")) s.title = *v;
      for (auto [attr, slot] : {std::pair{"effective-from", &s.effective_from},
                                std::pair{"effective-until", &s.effective_until},
                                std::pair{"approved-at", &s.approved_at}}) {
        if (auto t = root->attribute(attr, false)) {
          *slot = xml::to_instant(*root, *t, std::string("attribute '") + attr + "'");
          if (!*slot) ok = false;
        }
      }
      if (s.effective_from && s.effective_until && *s.effective_until < *s.effective_from)
        root->error("attribute 'effective-until' (" + format_instant(*s.effective_until) +
                    ") is before 'effective-from' (" + format_instant(*s.effective_from) +
                    "); the specification would never be in effect");
      static const auto kRootChildren = [] {
        auto allowed = names(kNamespace, {"AppliesTo", "Criterion", "OneOf", "DoseViableCells",
                                          "UseWithinAfterThaw", "RequireAccreditation"});
        allowed.push_back(QName{kDsig, "Signature"});
        return allowed;
      }();
      root->expect_children(kRootChildren);
      for (auto& a : root->take_all("AppliesTo", 0)) {
        if (auto src = a.attribute("source", true))
          if (auto v = xml::to_enum(a, *src, "attribute 'source'", xml::kSources))
            s.applies_to.push_back(*v);
        a.require_empty();
        a.finish();
      }
      std::set<std::string> seen;
      root->skip_misplaced_before({"Criterion", "OneOf"});
      // Criterion and OneOf interleave freely; take whichever comes next.
      while (true) {
        if (auto c = root->take("Criterion", false)) {
          s.rules.emplace_back(read_criterion(*c, false, seen, ok));
          continue;
        }
        if (auto g = root->take("OneOf", false)) {
          static const auto kOneOfChildren = names(kNamespace, {"Criterion"});
          g->expect_children(kOneOfChildren);
          OneOf group;
          for (auto& c : g->take_all("Criterion", 2)) {
            group.members.push_back(read_criterion(c, true, seen, ok));
          }
          if (group.members.size() < 2) g->error("<OneOf> needs at least two <Criterion> elements");
          g->finish();
          s.rules.emplace_back(std::move(group));
          continue;
        }
        break;
      }
      if (s.rules.empty()) root->error("a specification needs at least one <Criterion> or <OneOf>");
      if (auto d = root->take("DoseViableCells", false)) {
        s.dose_viable_cells = read_range(*d, ok);
        if (!s.dose_viable_cells)
          d->error(
              "<DoseViableCells> needs at least one bound (at-least, greater-than, "
              "at-most, less-than)");
        d->require_empty();
        d->finish();
      }
      if (auto u = root->take("UseWithinAfterThaw", false)) {
        if (auto m = u->attribute("minutes", true)) {
          // Digits only; the value is summed only while it is short enough to be in range,
          // so that no number of digits can overflow.
          const bool digits = !m->empty() && std::all_of(m->begin(), m->end(), [](char ch) {
            return ch >= '0' && ch <= '9';
          });
          int minutes = 0;
          if (digits && m->size() <= 5)
            for (char ch : *m) minutes = minutes * 10 + (ch - '0');
          if (digits && minutes >= 1 && minutes <= 10080)
            s.use_within_after_thaw_minutes = minutes;
          else if (digits && (minutes > 10080 ||
                              m->size() - std::min(m->size(), m->find_first_not_of('0')) > 5))
            u->error("attribute 'minutes': " + text::quoted(*m) +
                     " is more than 10080 minutes (one week); write a whole number of minutes "
                     "from 1 to 10080");
          else
            u->error("attribute 'minutes': " + text::quoted(*m) +
                     " is not a whole number of minutes from 1 to 10080 (one week)");
        }
        u->require_empty();
        u->finish();
      }
      for (auto& r : root->take_all("RequireAccreditation", 0)) {
        if (auto sc = r.attribute("scheme", true))
          if (auto v = xml::to_token(r, *sc, "attribute 'scheme'"))
            s.required_accreditations.push_back(*v);
        r.require_empty();
        r.finish();
      }
      // Its content is the signature verifier's business.
      if (root->take("Signature", false, kDsig)) s.has_signature = true;
      root->finish();
    }
  }
  if (!errors.empty() || !ok) {
    std::string message = std::string(file_name) + ": not a valid release specification";
    if (!errors.empty()) message += ":\n" + join_diagnostics(errors);
    throw SpecError(message);
  }
  s.sha256 = crypto::sha256_hex(bytes);
  s.origin = std::string(file_name);
  return s;
}

Specification read(std::string_view bytes, std::string_view file_name) {
  auto s = parse_unchecked(bytes, file_name);
  // An id and version name one content: records, ledger entries and reports cite a
  // specification by them. A file that takes a shipped specification's identity with other
  // content would be reported as conforming to the shipped one.
  // A signed file's identity is checked on the content its signature covers
  // (read_signed_content); here it is read as it stands.
  if (s.has_signature) return s;
  for (const auto& shipped : shipped_specifications()) {
    if (s.id != shipped.id || s.version != shipped.version || s.sha256 == shipped.sha256) continue;
    throw Error("spec.impersonation",
                std::string(file_name) + ": claims to be specification " + s.id + " version " +
                    s.version + ", which dosegate ships (" + shipped.origin +
                    "), but its content differs (SHA-256 " + s.sha256 + ", shipped " +
                    shipped.sha256 +
                    "); a changed specification is a new one: give it a new id, or raise its "
                    "version");
  }
  return s;
}

Specification read_signed_content(std::string_view signed_content, std::string_view file_name) {
  auto s = parse_unchecked(signed_content, file_name);
  const auto& all = shipped_specifications();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& shipped = all[i];
    if (s.id != shipped.id || s.version != shipped.version) continue;
    std::string text(shipped_text(i));
    const std::string file(file_name);
    if (s.approved_at)
      text = crypto::xmldsig::with_root_attribute(text, file, "approved-at",
                                                  format_instant(*s.approved_at));
    if (crypto::xmldsig::enveloped_content(text, file) == signed_content) {
      Specification same = shipped;
      same.approved_at = s.approved_at;
      same.has_signature = true;
      same.origin = file;
      return same;
    }
    throw Error("spec.impersonation",
                file + ": claims to be specification " + s.id + " version " + s.version +
                    ", which dosegate ships (" + shipped.origin +
                    "), but the content its signature covers is not that file's; a changed "
                    "specification is a new one: give it a new id, or raise its version");
  }
  return s;
}

const Criterion* Specification::find_criterion(std::string_view test) const {
  for (const auto& rule : rules) {
    if (const auto* c = std::get_if<Criterion>(&rule)) {
      if (c->test == test) return c;
    } else {
      for (const auto& m : std::get<OneOf>(rule).members)
        if (m.test == test) return &m;
    }
  }
  return nullptr;
}

const char* symbol(Bound::Kind kind) {
  switch (kind) {
    case Bound::Kind::at_least: return ">=";
    case Bound::Kind::greater_than: return ">";
    case Bound::Kind::at_most: return "<=";
    case Bound::Kind::less_than: return "<";
  }
  return "?";
}

const char* to_string(Bound::Kind kind) {
  switch (kind) {
    case Bound::Kind::at_least: return "at-least";
    case Bound::Kind::greater_than: return "greater-than";
    case Bound::Kind::at_most: return "at-most";
    case Bound::Kind::less_than: return "less-than";
  }
  return "unknown";
}

bool Range::contains(const Decimal& value) const {
  if (lower) {
    const auto c = value <=> lower->value;
    if (lower->kind == Bound::Kind::at_least ? c < 0 : c <= 0) return false;
  }
  if (upper) {
    const auto c = value <=> upper->value;
    if (upper->kind == Bound::Kind::at_most ? c > 0 : c >= 0) return false;
  }
  return true;
}

std::string Range::describe() const {
  if (lower && upper) {
    if (lower->kind == Bound::Kind::at_least && upper->kind == Bound::Kind::at_most)
      return lower->value.text() + " .. " + upper->value.text();
    return std::string(symbol(lower->kind)) + " " + lower->value.text() + " and " +
           symbol(upper->kind) + " " + upper->value.text();
  }
  if (lower) return std::string(symbol(lower->kind)) + " " + lower->value.text();
  if (upper) return std::string(symbol(upper->kind)) + " " + upper->value.text();
  return "any";
}

std::string Criterion::describe() const {
  std::string out;
  if (range)
    out = range->describe() + " " + unit;
  else if (outcome)
    out = *outcome;
  if (report_only) out = out.empty() ? "report only" : out + " (report only)";
  return out;
}

}  // namespace dosegate::spec
