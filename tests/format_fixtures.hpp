// Fully populated values for the byte-pinning tests: every field non-empty, with non-ASCII
// text, characters JSON escapes, control characters, DEL and more than one list element.
#pragma once

#include "dosegate/ledger/ledger.hpp"
#include "dosegate/release_data.hpp"

namespace dosegate::test {

inline ledger::Entry full_entry() {
  ledger::Entry e;
  e.seq = 42;
  e.kind = "release";
  e.at = "2026-11-21T12:00:00Z";
  e.actor =
      "CN=Zo\xC3\xAB \xC3\x98"
      "deg\xC3\xA5rd \"QA\",O=Cell Lab\\Nord/S\xC3\xBC"
      "d";
  e.actor_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  e.din = "A999926000147";
  e.divisions = {"A0", "B0",
                 "\xC3\x89"
                 "1"};
  e.decision = "releasable-pending";
  e.coa_id = "COA-2026/11\x01\x08\x0c-7";
  e.coa_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
  e.spec_id = "wj-msc \xE2\x82\xAC";
  e.spec_version = "3\x7f";
  e.spec_sha256 = "2222222222222222222222222222222222222222222222222222222222222222";
  e.records = {{"A999926000147-S1234V00-A0.pdf",
                "3333333333333333333333333333333333333333333333333333333333333333"},
               {"dose \"B0\"\\\xF0\x9F\xA7\xAC.pdf",
                "4444444444444444444444444444444444444444444444444444444444444444"}};
  e.reason = "line one\nline two\r\n\ttab \x1f unit separator \x1b esc";
  e.prev_hash = "5555555555555555555555555555555555555555555555555555555555555555";
  e.hash = "6666666666666666666666666666666666666666666666666666666666666666";
  e.signature = std::string("\x30\x82\x00\x01", 4);
  return e;
}

// full_entry() with every field added in schema 3 set as well.
inline ledger::Entry full_entry_3() {
  auto e = full_entry();
  e.refers_to = 41;
  e.recipient = "MRN\x1b[31m-\xC3\xA9\"7\"";
  e.second_staff = "nurse-2\t\xE2\x80\xAE";
  e.thawed_at = "2026-11-21T11:30:00Z";
  e.warnings = "release.pending-overdue: mycoplasma was due 2026-11-20\nsecond line";
  return e;
}

// full_entry_3() with every field added in schema 4 set as well.
inline ledger::Entry full_entry_4() {
  auto e = full_entry_3();
  e.spec_approver = "CN=Sam \xC3\x89xample\\, \"Approval\",O=QA\x1f";
  e.spec_approver_sha256 = "7777777777777777777777777777777777777777777777777777777777777777";
  e.spec_approved_at = "2026-11-01T09:00:00Z";
  return e;
}

inline ReleaseData full_release_data() {
  ReleaseData d;
  d.din = "A999926000147";
  d.check_character = "Q";
  d.product_code = "S1234V00";
  d.product_name = "WJ-MSC \xE2\x80\x94 Wharton\xE2\x80\x99s jelly \"cells\"\\1";
  d.product_source = "allogeneic\x01\x08\x0c\x7f";
  d.expires = "2027-05-21T12:00:00Z";
  d.decision = "releasable-pending";
  d.criteria = {{"viability-post-thaw", "", ">= 95 %", "98.7 %", Verdict::pass},
                {"cd14", "one of cd14, cd11b", "<= 2 %", "0.4 %", Verdict::pass},
                {"mycoplasma", "", "negative", "pending (expected 2026-11-30)", Verdict::pending},
                {"endotoxin", "", "< 0.5 EU/mL", "< 0.5 EU/mL", Verdict::info}};
  d.pending = {{"mycoplasma", "PCR\ttab", "2026-11-30", "warn"},
               {"sterility", "Ph. Eur. 2.6.27", "2026-12-05", "no-go"}};
  d.dose_count = 2;
  d.coa_id = "COA-2026-11-0147";
  d.coa_sha256 = "1111111111111111111111111111111111111111111111111111111111111111";
  d.laboratory_id = "lab-01";
  d.laboratory_name =
      "Laborat\xC3\xB3rio \xC3\x9C"
      "ber Zelle\nline 2";
  d.coa_signature = "XMLDSig ecdsa-sha256";
  d.coa_signer_subject = "CN=Lab Signer,O=Lab \xF0\x9F\xA7\xAC";
  d.coa_signer_sha256 = "2222222222222222222222222222222222222222222222222222222222222222";
  d.spec_id = "wj-msc";
  d.spec_version = "3";
  d.spec_title = "WJ-MSC release / \"thaw\" \r\n";
  d.spec_sha256 = "3333333333333333333333333333333333333333333333333333333333333333";
  d.use_within_after_thaw_minutes = 60;
  d.spec_approval = "approved";
  d.spec_approver_subject = "CN=Sam \xC3\x89xample\\, \"Approval\",O=QA\x1f";
  d.spec_approver_sha256 = "7777777777777777777777777777777777777777777777777777777777777777";
  d.spec_approved_at = "2026-11-01T09:00:00Z";
  d.released_by = "Zo\xC3\xAB QA";
  d.releaser_subject = "CN=Zo\xC3\xAB QA,O=Cell Lab";
  d.releaser_sha256 = "4444444444444444444444444444444444444444444444444444444444444444";
  d.role = "Qualified Person";
  d.meaning = "release for clinical use";
  d.reason = "retest \x1f done";
  d.released_at = "2026-11-21T12:00:00Z";
  d.ledger_seq = 9007199254740993LL;  // above 2^53: an integer a double would round
  d.ledger_hash = "5555555555555555555555555555555555555555555555555555555555555555";
  d.dose = {"B0", "5.1e7", "5.0 mL", 2};
  return d;
}

}  // namespace dosegate::test
