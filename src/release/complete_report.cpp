// What `dosegate complete` prints: the verify report, the late results and the answer, as text
// or as one JSON object.
#include <algorithm>

#include "dosegate/isbt128.hpp"
#include "dosegate/release/complete.hpp"
#include "dosegate/spec/specification.hpp"
#include "spec/results_json.hpp"
#include "util/findings_json.hpp"
#include "util/json.hpp"
#include "util/text.hpp"

namespace dosegate {
namespace {

std::string pad(const std::string& s, std::size_t width) {
  const auto w = text::display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

std::string entries_of(const CompleteResult& r) {
  std::string out;
  for (const auto& e : r.entries)
    out += (out.empty() ? "" : ", ") + std::to_string(e.seq) + " (" + e.kind + ")";
  return out;
}

std::string errors_of(const VerifyReport& r) {
  std::vector<std::string> codes;
  for (const auto& f : r.findings)
    if (f.severity == Severity::error &&
        std::find(codes.begin(), codes.end(), f.code) == codes.end())
      codes.push_back(f.code);
  return text::join(codes, ", ");
}

}  // namespace

void print_text(const CompleteResult& r, std::ostream& out) {
  print_text(r.report, out);
  out << '\n';
  if (r.release && r.report.certificate) {
    const auto& c = *r.report.certificate;
    out << "Late results for lot " << isbt128::din_eye_readable(c.lot.din)
        << ", released in ledger entry " << r.release->seq << " on CoA "
        << text::escape_controls(r.release->coa_id) << ", superseded by "
        << text::escape_controls(c.id) << '\n';
    std::vector<std::vector<std::string>> rows{
        {"TEST", "SPECIFICATION", "RESULT", "VERDICT", "COMPLETED", "LATE"}};
    for (const auto& l : r.results)
      rows.push_back({l.test, l.specification, l.result,
                      l.verdict == Verdict::fail ? "FAIL" : to_string(l.verdict),
                      l.completed.empty() ? "-" : l.completed, l.late ? "yes" : "no"});
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (auto& row : rows)
      for (std::size_t i = 0; i < row.size(); ++i) {
        row[i] = text::escape_controls(row[i]);
        widths[i] = std::max(widths[i], text::display_width(row[i]));
      }
    for (const auto& row : rows) {
      std::string line = " ";
      for (std::size_t i = 0; i < row.size(); ++i)
        line += " " + (i + 1 == row.size() ? row[i] : pad(row[i], widths[i]));
      out << line << '\n';
    }
    out << '\n';
  }
  if (r.decision == "complete") {
    out << "COMPLETE: every test pending at release has its final result, and each passes. "
           "Recorded in ledger entry "
        << entries_of(r) << " of " << r.ledger_path << ".\n";
  } else if (r.decision == "failed") {
    const auto& recall = r.entries.back();
    out << "FAILED: " << text::escape_controls(recall.reason)
        << ".\nThe lot is RECALLED: ledger entries " << entries_of(r) << " of " << r.ledger_path
        << "; every later bedside confirmation of its doses answers NO-GO.\n";
  } else if (!r.release) {
    out << "NOT RECORDED: the CoA does not verify (" << errors_of(r.report)
        << "); dosegate reads a lot and its results only from a verified CoA. Nothing was "
           "written to "
        << r.ledger_path << ".\n";
  } else {
    out << "NOT RECORDED: the CoA verifies, but with errors that are no failed result ("
        << errors_of(r.report) << "); nothing was written to " << r.ledger_path
        << ". The lot stays released with its tests pending: ask the laboratory for a corrected "
           "CoA, or recall the lot (dosegate recall) if it must not be used.\n";
  }
}

void print_json(const CompleteResult& r, std::ostream& out) {
  const auto& v = r.report;
  json::Writer w(out);
  w.begin_object();
  w.key("version").value(1LL);
  w.field("command", "complete");
  w.field("decision", r.decision);
  w.field("as_of", format_instant(v.as_of));
  w.key("coa").begin_object();
  w.field("file", v.coa_path).field("sha256", v.coa_sha256);
  if (v.certificate) {
    const auto& c = *v.certificate;
    w.field("id", c.id);
    if (c.supersedes)
      w.field("supersedes", *c.supersedes);
    else
      w.key("supersedes").null();
    w.field("issued", format_instant(c.issued)).field("laboratory", c.laboratory.id);
    w.key("lot").begin_object();
    w.field("din", c.lot.din);
    w.field("check_character", std::string(1, isbt128::din_check_character(c.lot.din)));
    w.field("eye_readable", isbt128::din_eye_readable(c.lot.din));
    w.end_object();
  }
  w.key("signature_verified").value(v.signature.verified);
  w.end_object();
  const auto& s = v.specification;
  w.key("specification").begin_object();
  w.field("id", s.id).field("version", s.version).field("sha256", s.sha256);
  w.field("origin", s.origin);
  w.end_object();
  if (r.release) {
    w.key("release").begin_object();
    w.key("seq").value(r.release->seq);
    w.field("at", r.release->at).field("coa_id", r.release->coa_id);
    w.field("decision", r.release->decision);
    w.end_object();
  } else {
    w.key("release").null();
  }
  w.key("tests").begin_array();
  for (const auto& l : r.results) {
    w.begin_object();
    w.field("test", l.test).field("name", spec::test_name(l.test));
    w.key("late").value(l.late);
    w.field("specification", l.specification).field("result", l.result);
    w.field("verdict", to_string(l.verdict));
    if (l.completed.empty())
      w.key("completed").null();
    else
      w.field("completed", l.completed);
    spec::write_limit(w.key("limit"), l.rule);
    spec::write_result(w.key("value"), l.value);
    w.end_object();
  }
  w.end_array();
  w.key("ledger").begin_object();
  w.field("path", r.ledger_path);
  w.key("entries").begin_array();
  for (const auto& e : r.entries) {
    w.begin_object();
    w.key("seq").value(e.seq);
    w.field("kind", e.kind).field("decision", e.decision).field("at", e.at);
    w.key("refers_to").value(e.refers_to);
    w.field("coa_id", e.coa_id).field("reason", e.reason).field("hash", e.hash);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  json::write_findings(w, v.findings);
  w.end_object();
}

}  // namespace dosegate
