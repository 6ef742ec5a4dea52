// The ledger entry's fields, listed once. The hashed payload, the INSERT and the SELECT, the
// row reading and `history`'s CSV and JSON all walk this list, so a field added to Entry and
// here is stored, hashed and exported everywhere at once (the schema's CREATE TABLE is a
// literal; tests/ledger_entry_test.cpp checks its columns against this list).
//
// The order of the list is the payload's order and must never change: existing ledgers' hashes
// and signatures are over those bytes (tests/data/formats/ledger-payload-full.json pins them).
#pragma once

#include <array>
#include <string_view>
#include <variant>

#include "dosegate/ledger/ledger.hpp"

namespace dosegate::ledger {

// Where a field's value lives in Entry; its type decides how it is written: an integer, a
// string, a list of words (divisions) or a list of records.
using EntryMember =
    std::variant<long long Entry::*, std::string Entry::*, std::vector<std::string> Entry::*,
                 std::vector<RecordRef> Entry::*>;

struct EntryField {
  std::string_view name;  // the SQL column, the payload's key, `history --format json`'s key
  EntryMember member;
  bool hashed;                  // in the payload (every field but the chain's own hashes)
  bool only_when_set;           // since schema 3: in the payload only when not empty or 0
  int export_position;          // column in `history --format csv|json`, from 0
  std::string_view csv_header;  // the CSV column's name
};

inline constexpr std::array<EntryField, 25> kEntryFields{{
    {"seq", &Entry::seq, true, false, 0, "seq"},
    {"kind", &Entry::kind, true, false, 2, "kind"},
    {"at", &Entry::at, true, false, 1, "at_utc"},
    {"actor", &Entry::actor, true, false, 6, "actor"},
    {"actor_sha256", &Entry::actor_sha256, true, false, 7, "actor_sha256"},
    {"din", &Entry::din, true, false, 4, "din"},
    {"divisions", &Entry::divisions, true, false, 5, "divisions"},
    {"decision", &Entry::decision, true, false, 3, "decision"},
    {"coa_id", &Entry::coa_id, true, false, 8, "coa_id"},
    {"coa_sha256", &Entry::coa_sha256, true, false, 9, "coa_sha256"},
    {"spec_id", &Entry::spec_id, true, false, 10, "spec_id"},
    {"spec_version", &Entry::spec_version, true, false, 11, "spec_version"},
    {"spec_sha256", &Entry::spec_sha256, true, false, 12, "spec_sha256"},
    {"records", &Entry::records, true, false, 13, "records"},
    {"reason", &Entry::reason, true, false, 14, "reason"},
    {"prev_hash", &Entry::prev_hash, false, false, 23, "prev_hash"},
    {"hash", &Entry::hash, false, false, 24, "hash"},
    // Schema 3
    {"refers_to", &Entry::refers_to, true, true, 15, "refers_to"},
    {"recipient", &Entry::recipient, true, true, 16, "recipient"},
    {"second_staff", &Entry::second_staff, true, true, 17, "second_staff"},
    {"thawed_at", &Entry::thawed_at, true, true, 18, "thawed_at_utc"},
    {"warnings", &Entry::warnings, true, true, 19, "warnings"},
    // Schema 4
    {"spec_approver", &Entry::spec_approver, true, true, 20, "spec_approver"},
    {"spec_approver_sha256", &Entry::spec_approver_sha256, true, true, 21, "spec_approver_sha256"},
    {"spec_approved_at", &Entry::spec_approved_at, true, true, 22, "spec_approved_at_utc"},
}};

// Who signs an entry of each kind, listed once beside the fields. `audit` refuses an entry whose
// kind is not here (ledger.kind-unknown) and an unsigned entry of a kind that must be signed
// (ledger.signature-missing); `confirm` applies the same rules before it trusts the ledger's
// recall state. Every kind that can change an answer (a release, its records, a rejection, a
// recall, and any later such kind) is signed by a key of the releasers/ role; only bedside
// confirmations, made by staff without keys, may be unsigned. A new kind is added here first.
enum class EntrySigner {
  unknown,   // never in the table: a kind with this rule is refused
  releaser,  // signed by its actor, a certificate of the releasers/ role
  optional,  // may be unsigned (a staff id as actor); if it carries a signature, it must hold
};

struct KindRule {
  std::string_view kind;
  EntrySigner signer;
};

inline constexpr std::array<KindRule, 7> kKindRules{{
    {"release", EntrySigner::releaser},
    // An out-of-specification lot released to one named recipient (release --exceptional).
    {"exceptional-release", EntrySigner::releaser},
    {"records", EntrySigner::releaser},
    {"rejection", EntrySigner::releaser},
    {"recall", EntrySigner::releaser},
    {"results", EntrySigner::releaser},  // late results of a pending test (dosegate complete)
    {"confirm", EntrySigner::optional},
}};

// The rule for `kind`; EntrySigner::unknown for a kind not in the table.
constexpr EntrySigner signer_for(std::string_view kind) {
  for (const auto& r : kKindRules)
    if (r.kind == kind) return r.signer;
  return EntrySigner::unknown;
}

// The fields in `history`'s column order.
constexpr std::array<const EntryField*, kEntryFields.size()> entry_fields_for_export() {
  std::array<const EntryField*, kEntryFields.size()> out{};
  for (const auto& f : kEntryFields) out[static_cast<std::size_t>(f.export_position)] = &f;
  return out;
}

namespace detail {
constexpr bool export_positions_are_a_permutation() {
  std::array<bool, kEntryFields.size()> seen{};
  for (const auto& f : kEntryFields) {
    if (f.export_position < 0 || static_cast<std::size_t>(f.export_position) >= seen.size())
      return false;
    if (seen[static_cast<std::size_t>(f.export_position)]) return false;
    seen[static_cast<std::size_t>(f.export_position)] = true;
  }
  return true;
}
}  // namespace detail
static_assert(detail::export_positions_are_a_permutation(),
              "each field has its own export position");

// Calls one of the overloads of `visit` with the field's value in `e` (const or not).
template <class E, class Visit>
decltype(auto) visit_field(const EntryField& f, E& e, Visit&& visit) {
  return std::visit([&](auto member) -> decltype(auto) { return visit(e.*member); }, f.member);
}

// payload(e) into `out`, its storage reused: for readers that build every entry's payload.
void payload_into(const Entry& e, std::string& out);

// Overloaded lambdas, for visit_field.
template <class... F>
struct Overload : F... {
  using F::operator()...;
};
template <class... F>
Overload(F...) -> Overload<F...>;

}  // namespace dosegate::ledger
