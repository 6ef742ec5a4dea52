#include "dosegate/release/complete.hpp"

#include <algorithm>

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "ledger/audit.hpp"
#include "release/timestamping.hpp"
#include "token/token.hpp"
#include "util/text.hpp"
#include "verify/verify_with_trust.hpp"

namespace dosegate {
namespace {

std::string eye(const std::string& din) {
  return isbt128::din_eye_readable(din);
}

std::string entry_name(const ledger::Entry& e) {
  return "ledger entry " + std::to_string(e.seq) + " (" + e.at + ", CoA " + e.coa_id + ")";
}

// Every criterion of the specification that allows its test pending: the only tests a release
// can have left pending.
std::vector<const spec::Criterion*> may_be_pending(const spec::Specification& s) {
  std::vector<const spec::Criterion*> out;
  for (const auto& rule : s.rules) {
    if (const auto* c = std::get_if<spec::Criterion>(&rule)) {
      if (c->may_be_pending) out.push_back(c);
    } else {
      for (const auto& m : std::get<spec::OneOf>(rule).members)
        if (m.may_be_pending) out.push_back(&m);
    }
  }
  return out;
}

const CriterionRow* row_of(const VerifyReport& r, const std::string& test) {
  for (const auto& row : r.evaluation.rows)
    if (row.test == test) return &row;
  return nullptr;
}

LateResult late_result(const VerifyReport& r, const CriterionRow& row, bool late) {
  LateResult out;
  out.test = row.test;
  out.late = late;
  out.verdict = row.verdict;
  out.specification = describe(row.specification);
  out.result = describe(row.result);
  out.rule = row.specification;
  out.value = row.result;
  if (const auto* result = r.certificate->find_result(row.test))
    if (result->completed) out.completed = format_date(*result->completed);
  return out;
}

// One line per result: "TEST: VERDICT: RESULT (completed YYYY-MM-DD)".
std::string results_reason(const std::vector<LateResult>& results) {
  std::string out;
  for (const auto& l : results) {
    if (!out.empty()) out += '\n';
    out += l.test + ": " + to_string(l.verdict) + ": " + l.result;
    if (!l.completed.empty()) out += " (completed " + l.completed + ")";
  }
  return out;
}

std::string recall_reason(const std::vector<LateResult>& results, const coa::Certificate& c) {
  std::string out;
  for (const auto& l : results) {
    if (l.verdict != Verdict::fail) continue;
    if (!out.empty()) out += "; ";
    out += std::string(l.late ? "late" : "final") + " result: " + l.test + " " + l.result +
           ", the specification requires " + l.specification;
  }
  return out + " (" + c.id + " supersedes " + c.supersedes.value_or("") + ")";
}

// The release entry of another lot whose CoA is `coa_id`, if any.
std::optional<ledger::Entry> released_elsewhere(const ledger::Ledger& ledger,
                                                const std::string& coa_id, const std::string& din) {
  ledger::Filter f;
  f.kind = "release";
  for (const auto& e : ledger.entries(f))
    if (e.coa_id == coa_id && e.din != din) return e;
  return std::nullopt;
}

// The checks that say whether this CoA completes this lot's release; throws when it does not.
const ledger::Entry& check_lot(const ledger::Ledger& ledger, const ledger::LotReading& lot,
                               const VerifyReport& r, const std::string& path,
                               const std::string& spec_path) {
  const auto& c = *r.certificate;
  const std::string din = eye(c.lot.din);
  const std::string coa = r.coa_path + " (" + c.id + ")";
  if (!lot.trusted())
    throw Error("complete.ledger-tampered", path + ": the ledger does not verify for lot " + din +
                                                " (" + lot.findings.front().code + ", " +
                                                lot.findings.front().message +
                                                "); nothing was written. Run dosegate audit on it");
  const auto elsewhere = [&]() -> std::optional<ledger::Entry> {
    if (!c.supersedes) return std::nullopt;
    return released_elsewhere(ledger, *c.supersedes, c.lot.din);
  };
  if (lot.releases.empty()) {
    if (const auto other = elsewhere())
      throw Error("complete.other-lot",
                  coa + ": the CoA is for lot " + din + " but its <Supersedes> names " +
                      *c.supersedes + ", which released lot " + eye(other->din) + " (" +
                      entry_name(*other) +
                      "); a superseding CoA is for the same lot. Nothing was written");
    throw Error("complete.unknown-lot",
                path + ": lot " + din + " (" + coa +
                    ") was never released according to this ledger; dosegate complete records "
                    "the late results of a released lot. Nothing was written");
  }
  const auto& release = lot.releases.back();
  if (!lot.results.empty()) {
    const auto& done = lot.results.back();
    throw Error("complete.already-complete",
                "lot " + din + " already has its late results: ledger entry " +
                    std::to_string(done.seq) + " (" + done.at + ", " + done.decision + ", CoA " +
                    done.coa_id + "); they are recorded once. Nothing was written");
  }
  if (!lot.recalls.empty()) {
    const auto& recall = lot.recalls.back();
    throw Error("complete.recalled", "lot " + din + " was recalled (ledger entry " +
                                         std::to_string(recall.seq) + ", " + recall.at + ": " +
                                         recall.reason +
                                         "); a recalled lot stays recalled. Nothing was written");
  }
  if (!c.supersedes || *c.supersedes != release.coa_id || c.id == release.coa_id) {
    if (const auto other = elsewhere())
      throw Error("complete.other-lot",
                  coa + ": the CoA is for lot " + din + " but its <Supersedes> names " +
                      *c.supersedes + ", which released lot " + eye(other->din) + " (" +
                      entry_name(*other) +
                      "); a superseding CoA is for the same lot. Nothing was written");
    const std::string what = c.id == release.coa_id ? "it is the released CoA itself"
                             : c.supersedes         ? "its <Supersedes> names " + *c.supersedes
                                                    : "it has no <Supersedes>";
    throw Error("complete.not-superseding",
                coa + ": lot " + din + " was released on CoA " + release.coa_id + " (" +
                    entry_name(release) + "), and " + what +
                    "; the laboratory's CoA with the final results must name " + release.coa_id +
                    " in <Supersedes>. Nothing was written");
  }
  if (release.decision != to_string(Decision::releasable_pending))
    throw Error("complete.nothing-pending", "lot " + din + " was released with no test pending (" +
                                                entry_name(release) + ", " + release.decision +
                                                "); there are no late results to record. Nothing "
                                                "was written");
  const auto& s = r.specification;
  if (s.sha256 != release.spec_sha256)
    throw Error("complete.spec-mismatch",
                (spec_path.empty() ? std::string("the built-in specification") : spec_path) +
                    " is specification " + s.id + " version " + s.version + " (SHA-256 " +
                    s.sha256 + "), but lot " + din + " was released under specification " +
                    release.spec_id + " version " + release.spec_version + " (SHA-256 " +
                    release.spec_sha256 + ", " + entry_name(release) +
                    "); give --spec with the file whose SHA-256 the release holds (the built-in "
                    "specification when the release used it). Nothing was written");
  return release;
}

}  // namespace

CompleteResult complete(const CompleteOptions& o, const Prompt& prompt) {
  CompleteResult result;
  const crypto::TrustStore trust(o.verify.trust_dir);
  result.report = verify(o.verify, trust);
  auto& r = result.report;
  result.ledger_path = ledger::resolve_path(o.ledger_path);
  // The lot, the CoA it supersedes and every result come only from signed content: a CoA whose
  // signature does not hold says nothing and writes nothing.
  if (!r.certificate || !r.signature.verified || !r.evaluated) {
    result.decision = "rejected";
    return result;
  }
  const Instant now = o.verify.as_of;
  const auto releaser = token::load_releaser(o.signer, prompt, trust, now);
  // Each entry's signature, with a token when --tsa is given, and the CRLs it keeps.
  const EntrySigning signing{releaser.key, trust, now, o.tsa_url, o.tsa_timeout};
  const auto& c = *r.certificate;

  auto ledger = ledger::Ledger::open(result.ledger_path, false);
  // One transaction from reading the lot to the commit: two completions of one lot cannot both
  // land, and a release's state cannot change between the check and the append.
  ledger.begin();
  try {
    const auto lot = ledger::read_lot(ledger, trust, c.lot.din);
    const auto& release =
        check_lot(ledger, lot, r, result.ledger_path, o.verify.spec_path.value_or(""));
    result.release = release;

    std::vector<std::string> not_final;
    for (const auto* criterion : may_be_pending(r.specification)) {
      const auto* row = row_of(r, criterion->test);
      if (!row || row->verdict == Verdict::info) continue;  // one of a group another answers
      if (row->verdict == Verdict::pass || row->verdict == Verdict::fail)
        result.results.push_back(late_result(r, *row, true));
      else
        not_final.push_back(row->test + " (" + describe(row->result) + ")");
    }
    if (!not_final.empty())
      throw Error("complete.still-pending",
                  r.coa_path + " (" + c.id + ") has no final result for " +
                      text::join(not_final, ", ") + "; every test pending at release needs one. " +
                      "Nothing was written: complete the lot with the laboratory's final CoA");
    // A test complete at release that fails now: the laboratory's final word on the lot.
    for (const auto& row : r.evaluation.rows)
      if (row.verdict == Verdict::fail &&
          std::none_of(result.results.begin(), result.results.end(),
                       [&](const LateResult& l) { return l.test == row.test; }))
        result.results.push_back(late_result(r, row, false));
    const bool failed = std::any_of(result.results.begin(), result.results.end(),
                                    [](const LateResult& l) { return l.verdict == Verdict::fail; });
    if (!failed && r.decision == Decision::rejected) {
      // Errors that are no failed result (expiry, conclusion, dates): nothing to record.
      ledger.rollback();
      result.decision = "rejected";
      return result;
    }

    ledger::Entry e;
    e.kind = "results";
    e.decision = failed ? "failed" : "complete";
    e.at = format_instant(now);
    e.actor = releaser.signer.subject;
    e.actor_sha256 = releaser.signer.sha256;
    e.din = c.lot.din;
    e.divisions = release.divisions;
    e.coa_id = c.id;
    e.coa_sha256 = r.coa_sha256;
    e.spec_id = r.specification.id;
    e.spec_version = r.specification.version;
    e.spec_sha256 = r.specification.sha256;
    e.refers_to = release.seq;
    e.reason = results_reason(result.results);
    if (r.spec_approval.status == SpecApproval::Status::approved) {
      e.spec_approver = r.spec_approval.approver->subject;
      e.spec_approver_sha256 = r.spec_approval.approver->sha256;
      e.spec_approved_at = format_instant(*r.spec_approval.approved_at);
    }
    {
      std::string warnings;
      for (const auto& f : r.findings)
        if (f.code == "spec.unapproved") warnings = f.code + ": " + f.message;
      if (const auto w = crypto::unprotected_key_warning(releaser.key))
        warnings += (warnings.empty() ? "" : "\n") + w->code + ": " + w->message;
      e.warnings = warnings;
    }
    ledger.prepare(e);
    ledger.append(e, signing.for_entry(e));
    result.entries.push_back(e);
    if (failed) {
      ledger::Entry recall = e;
      recall.kind = "recall";
      recall.decision = "recalled";
      recall.refers_to = e.seq;
      recall.reason = recall_reason(result.results, c);
      recall.signature.clear();
      recall.crls.clear();
      ledger.prepare(recall);
      ledger.append(recall, signing.for_entry(recall));
      result.entries.push_back(recall);
    }
    ledger.commit();
    result.decision = e.decision;
  } catch (...) {
    ledger.rollback();
    throw;
  }
  return result;
}

}  // namespace dosegate
