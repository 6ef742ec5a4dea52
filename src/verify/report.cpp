#include <algorithm>
#include <map>

#include "dosegate/isbt128.hpp"
#include "dosegate/verify/verify.hpp"
#include "spec/results_json.hpp"
#include "util/dn.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

std::string pad(const std::string& s, std::size_t width) {
  const auto w = text::display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string verdict_label(Verdict v) {
  std::string s = to_string(v);
  if (v == Verdict::fail || v == Verdict::missing || v == Verdict::invalid || v == Verdict::unknown)
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    });
  return s;
}

// Prints rows as aligned columns under a header, two spaces of indent. Cells hold text from
// the CoA, the signer's certificate and the command line: controls and bidi overrides are
// shown as escapes, never sent to the terminal.
void table(std::ostream& out, std::vector<std::vector<std::string>> rows) {
  for (auto& r : rows)
    for (auto& cell : r) cell = text::escape_controls(cell);
  std::vector<std::size_t> widths;
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], text::display_width(r[i]));
    }
  for (const auto& r : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < r.size(); ++i) {
      line.push_back(' ');
      line.append(r[i]);
      if (i + 1 < r.size()) line.append(widths[i] - text::display_width(r[i]), ' ');
    }
    line.push_back('\n');
    out << line;
  }
}

std::string decision_line(const VerifyReport& r) {
  const auto& s = r.specification;
  const std::string spec =
      "specification " + s.id + " version " + s.version + " (" + s.origin +
      (r.spec_approval.status == SpecApproval::Status::unapproved ? ", SPECIFICATION NOT APPROVED)"
                                                                  : ")");
  switch (r.decision) {
    case Decision::releasable:
      return "Decision: RELEASABLE: the lot conforms to " + spec +
             " (conformance to a specification, not a regulatory approval)";
    case Decision::releasable_pending: {
      std::vector<std::string> tests;
      for (const auto& p : r.evaluation.pending) tests.push_back(p.test);
      return "Decision: RELEASABLE WITH PENDING TESTS (" + text::join(tests, ", ") +
             "): the lot conforms to " + spec +
             " so far (conformance to a specification, not a regulatory approval)";
    }
    case Decision::rejected: {
      std::vector<std::string> codes;
      std::size_t errors = 0;
      for (const auto& f : r.findings) {
        if (f.severity != Severity::error) continue;
        ++errors;
        if (std::find(codes.begin(), codes.end(), f.code) == codes.end()) codes.push_back(f.code);
      }
      return "Decision: REJECTED: " + std::to_string(errors) + " error" + (errors == 1 ? "" : "s") +
             " (" + text::join(codes, ", ") + ")";
    }
    case Decision::unknown: break;
  }
  return "Decision: REJECTED (no decision could be reached)";
}

}  // namespace

void print_text(const VerifyReport& r, std::ostream& out) {
  std::vector<std::vector<std::string>> head;
  head.push_back({"CoA", r.coa_path});
  head.push_back({"SHA-256", r.coa_sha256});
  if (r.certificate) {
    const auto& c = *r.certificate;
    head.push_back({"Certificate", c.id + ", issued " + format_instant(c.issued) +
                                       (c.supersedes ? ", supersedes " + *c.supersedes : "")});
    std::string lab = c.laboratory.id + ", " + c.laboratory.name;
    for (const auto& a : c.laboratory.accreditations) lab += "; " + a.scheme + " " + a.number;
    head.push_back({"Laboratory", lab});
    head.push_back({"Approved", c.approval.name + ", " + c.approval.role + " (" +
                                    c.approval.meaning + ") at " + format_instant(c.approval.at)});
    head.push_back({"Product", c.product.name + " [" + c.product.code + "], " + c.product.source +
                                   ", " + c.product.use});
    head.push_back({"Lot", "DIN " + isbt128::din_eye_readable(c.lot.din) + ", manufactured " +
                               format_date(c.lot.manufactured) + ", expires " +
                               format_instant(c.lot.expires) + ", " +
                               std::to_string(c.lot.doses.size()) + " dose" +
                               (c.lot.doses.size() == 1 ? "" : "s")});
  }
  const auto& s = r.specification;
  head.push_back(
      {"Specification", s.id + " version " + s.version + " (" + s.origin + "): " + s.title});
  head.push_back({"Spec SHA-256", s.sha256});
  head.push_back({"Spec approval", r.spec_approval.describe()});
  head.push_back(
      {"Signature", std::string(r.signature.verified ? "VERIFIED" : "NOT VERIFIED") + ", " +
                        r.signature.method +
                        (r.signature.algorithm.empty() ? "" : ", " + r.signature.algorithm) + ": " +
                        r.signature.detail});
  if (r.signature.signer) {
    const auto& g = *r.signature.signer;
    // As people read them; --json keeps the exact subjects, and the fingerprint below names
    // the certificate exactly.
    head.push_back({"Signer", readable_name(g.subject)});
    head.push_back({"Signer issuer", readable_name(g.issuer)});
    head.push_back({"Signer SHA-256", g.sha256 + " (" + g.key + ", valid " + g.not_before + " to " +
                                          g.not_after + ")"});
  }
  head.push_back({"Checked as of", format_instant(r.as_of)});
  out << "dosegate verify\n";
  table(out, head);

  if (!r.evaluated) {
    out << "\nCriteria: not evaluated. dosegate reads the CoA's data only from the bytes a "
           "verified signature covers.\n";
  }
  if (r.certificate) {
    out << "\nCriteria\n";
    std::vector<std::vector<std::string>> rows{{"TEST", "SPECIFICATION", "RESULT", "VERDICT"}};
    for (const auto& row : r.evaluation.rows) {
      std::string spec = describe(row.specification);
      if (!row.group.empty()) spec += " (" + row.group + ")";
      rows.push_back({row.test, spec, describe(row.result), verdict_label(row.verdict)});
    }
    table(out, rows);

    out << "\nDoses (viable cells per dose)\n";
    std::vector<std::vector<std::string>> doses{
        {"DIVISION", "VIABLE CELLS", "SPECIFICATION", "VERDICT"}};
    for (const auto& d : r.evaluation.doses) {
      const auto spec = describe_specification(d);
      doses.push_back({d.division, d.viable_cells.text(), spec.empty() ? "none" : spec,
                       verdict_label(d.verdict)});
    }
    table(out, doses);

    out << "\nPending tests";
    if (r.evaluation.pending.empty()) {
      out << ": none\n";
    } else {
      out << " (the specification allows release before these complete)\n";
      std::vector<std::vector<std::string>> pend{{"TEST", "METHOD", "EXPECTED"}};
      for (const auto& p : r.evaluation.pending) pend.push_back({p.test, p.method, p.expected});
      table(out, pend);
    }
  }

  out << "\nFindings";
  if (r.findings.empty()) {
    out << ": none\n";
  } else {
    out << '\n';
    for (const auto& f : r.findings) {
      out << "  " << pad(to_string(f.severity), 8) << pad(f.code, 31) << ' '
          << text::escape_controls(f.message);
      if (!f.location.empty() && f.code != "coa.malformed")
        out << " [" << text::escape_controls(f.location) << "]";
      out << '\n';
    }
  }
  out << '\n' << text::escape_controls(decision_line(r)) << '\n';
}

void print_json(const VerifyReport& r, std::ostream& out) {
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL);
  w.field("command", "verify");
  write_json_members(r, w);
  w.end_object();
}

void write_json_members(const VerifyReport& r, json::Writer& w) {
  w.field("decision", to_string(r.decision));
  w.field("as_of", format_instant(r.as_of));
  w.key("coa").begin_object();
  w.field("file", r.coa_path).field("sha256", r.coa_sha256);
  if (r.certificate) {
    const auto& c = *r.certificate;
    w.field("id", c.id).field("issued", format_instant(c.issued));
    w.field("laboratory", c.laboratory.id).field("conclusion", coa::to_string(c.conclusion));
    w.key("lot").begin_object();
    w.field("din", c.lot.din);
    w.field("check_character", std::string(1, isbt128::din_check_character(c.lot.din)));
    w.field("eye_readable", isbt128::din_eye_readable(c.lot.din));
    w.field("product_code", c.product.code).field("source", c.product.source);
    w.field("expires", format_instant(c.lot.expires));
    w.end_object();
  }
  w.end_object();
  const auto& s = r.specification;
  w.key("specification").begin_object();
  w.field("id", s.id).field("version", s.version).field("sha256", s.sha256);
  w.field("origin", s.origin).field("title", s.title);
  {
    const auto& a = r.spec_approval;
    w.key("approval").begin_object();
    w.field("status", a.status == SpecApproval::Status::approved     ? "approved"
                      : a.status == SpecApproval::Status::built_in   ? "built-in"
                      : a.status == SpecApproval::Status::unapproved ? "unapproved"
                                                                     : "unknown");
    if (a.approver)
      w.field("approver", a.approver->subject).field("approver_sha256", a.approver->sha256);
    if (a.approved_at) w.field("approved_at", format_instant(*a.approved_at));
    if (!a.detail.empty()) w.field("detail", a.detail);
    w.end_object();
  }
  w.end_object();
  w.key("signature").begin_object();
  w.field("method", r.signature.method).field("algorithm", r.signature.algorithm);
  w.key("verified").value(r.signature.verified);
  w.field("detail", r.signature.detail);
  if (r.signature.signer) {
    const auto& g = *r.signature.signer;
    w.key("signer").begin_object();
    w.field("subject", g.subject).field("issuer", g.issuer).field("sha256", g.sha256);
    w.field("key", g.key).field("not_before", g.not_before).field("not_after", g.not_after);
    w.end_object();
  }
  w.end_object();
  w.key("evaluated").value(r.evaluated);
  spec::write_criteria(w.key("criteria"), r.evaluation.rows);
  w.key("doses").begin_array();
  for (const auto& d : r.evaluation.doses) {
    w.begin_object();
    w.field("division", d.division).field("viable_cells", d.viable_cells.text());
    w.field("specification", describe_specification(d)).field("verdict", to_string(d.verdict));
    spec::write_range(w.key("limit"), d.specification);
    w.end_object();
  }
  w.end_array();
  spec::write_pending(w.key("pending"), r.evaluation.pending);
  json::write_findings(w, r.findings);
}

}  // namespace dosegate
