#include "ledger/trace.hpp"

#include <algorithm>
#include <set>

#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"

namespace dosegate::ledger {
namespace {

DoseTrace& dose_of(std::vector<DoseTrace>& doses, const std::string& division) {
  const auto it = std::find_if(doses.begin(), doses.end(),
                               [&](const DoseTrace& d) { return d.division == division; });
  if (it != doses.end()) return *it;
  doses.push_back(DoseTrace{division, {}, {}});
  return doses.back();
}

// Every division the releases name, in their order, then the divisions only confirmations name
// (a record from elsewhere, or a release this ledger does not hold): a dose given is never left
// out of the look-back because its release is missing.
std::vector<DoseTrace> doses_of(const LotReading& reading) {
  std::vector<DoseTrace> doses;
  for (const auto& r : reading.releases)
    for (const auto& d : r.divisions) {
      auto& dose = dose_of(doses, d);
      if (std::find(dose.release_seqs.begin(), dose.release_seqs.end(), r.seq) ==
          dose.release_seqs.end())
        dose.release_seqs.push_back(r.seq);
    }
  for (const auto& c : reading.confirmations)
    for (const auto& d : c.divisions) dose_of(doses, d).confirmations.push_back(c);
  return doses;
}

LookBack count(const std::vector<DoseTrace>& doses) {
  LookBack b;
  b.doses = doses.size();
  std::set<std::string> recipients;
  for (const auto& d : doses) {
    if (d.status() == DoseStatus::given) ++b.doses_given;
    for (const auto& c : d.confirmations) {
      if (c.decision != "go") continue;
      ++b.go_confirmations;
      if (c.recipient.empty())
        ++b.go_without_recipient;
      else
        recipients.insert(c.recipient);
    }
  }
  b.recipients = recipients.size();
  return b;
}

}  // namespace

const char* to_string(DoseStatus status) {
  switch (status) {
    case DoseStatus::not_confirmed: return "not-confirmed";
    case DoseStatus::not_given: return "not-given";
    case DoseStatus::given: return "given";
  }
  return "not-confirmed";
}

DoseStatus DoseTrace::status() const {
  if (confirmations.empty()) return DoseStatus::not_confirmed;
  for (const auto& c : confirmations)
    if (c.decision == "go") return DoseStatus::given;
  return DoseStatus::not_given;
}

std::vector<std::string> DoseTrace::recipients() const {
  std::vector<std::string> out;
  for (const auto& c : confirmations)
    if (c.decision == "go" && std::find(out.begin(), out.end(), c.recipient) == out.end())
      out.push_back(c.recipient);
  return out;
}

LookBack look_back(const LotReading& reading) {
  auto b = count(doses_of(reading));
  b.findings = reading.findings;
  return b;
}

LotTrace trace_lot(const Ledger& ledger, const crypto::TrustStore& trust, const std::string& din) {
  LotTrace t;
  t.din = din;
  // The reading, the chain head and the lot's rejections from one state of the ledger.
  const auto snapshot = ledger.snapshot();
  const auto reading = read_lot(ledger, trust, din);
  t.head = ledger.head();
  if (!reading.trusted()) {
    t.findings = reading.findings;
    return t;
  }
  Filter f;
  f.din = din;
  if (ledger.count(f) == 0)
    throw Error("trace.unknown-lot",
                ledger.path() + ": the ledger holds no entry for lot " + din + " (" +
                    isbt128::din_eye_readable(din) +
                    "): check the DIN, or give the ledger that recorded the lot's release with "
                    "--ledger FILE");
  f.kind = "rejection";
  t.rejections = ledger.count(f);
  t.releases = reading.releases;
  t.results = reading.results;
  t.recalls = reading.recalls;
  t.doses = doses_of(reading);
  t.look_back = count(t.doses);
  return t;
}

}  // namespace dosegate::ledger
