// Release specifications (urn:dosegate:spec:1): data, versioned, hashed into every decision.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dosegate/decimal.hpp"
#include "dosegate/time.hpp"

namespace dosegate::spec {

inline constexpr const char* kNamespace = "urn:dosegate:spec:1";

struct Bound {
  enum class Kind { at_least, greater_than, at_most, less_than };
  Kind kind;
  Decimal value;
};

const char* symbol(Bound::Kind kind);     // ">=", ">", "<=", "<"
const char* to_string(Bound::Kind kind);  // the attribute: "at-least", "greater-than", ...

// An interval with at most one lower (at_least / greater_than) and one upper
// (at_most / less_than) bound.
struct Range {
  std::optional<Bound> lower;
  std::optional<Bound> upper;

  bool contains(const Decimal& value) const;
  std::string describe() const;  // ">= 95", "30 .. 150", "> 90", "4.0e7 .. 6.0e7"
};

struct Criterion {
  std::string test;
  std::optional<Range> range;          // numeric criteria
  std::string unit;                    // required with a range
  std::optional<std::string> outcome;  // qualitative criteria
  bool may_be_pending = false;
  // What the bedside answers once a pending result's expected date has passed without a late
  // result: "no-go" (the default) or "warn" (GO with a warning). Attribute when-overdue, only
  // with may-be-pending="true".
  std::string when_overdue = "no-go";
  bool report_only = false;
  // Attribute exceptional-release="allowed": a failed result of this test may be released to one
  // named recipient on a physician's request (release --exceptional). Default never.
  bool exceptional_release = false;
  std::string path;  // element path in the specification

  std::string describe() const;  // ">= 95 %", "no-growth", "report only"
};

struct OneOf {
  std::vector<Criterion> members;
};

using Rule = std::variant<Criterion, OneOf>;

struct Specification {
  std::string id;
  std::string version;
  std::string title;
  std::vector<std::string> applies_to;  // product sources; empty means any
  std::vector<Rule> rules;
  std::optional<Range> dose_viable_cells;
  std::optional<int> use_within_after_thaw_minutes;
  std::vector<std::string> required_accreditations;

  // The window in which the specification may be used (attributes effective-from and
  // effective-until, UTC, both inclusive); outside it verify, release and complete refuse it.
  std::optional<Instant> effective_from;
  std::optional<Instant> effective_until;
  // When an approver signed it (attribute approved-at, set by `dosegate sign-spec` inside what
  // the signature covers).
  std::optional<Instant> approved_at;
  bool has_signature = false;  // the file holds an enveloped ds:Signature (root's last child)

  std::string sha256;  // lowercase hex over the exact bytes read (for a signed file: over the
                       // content the signature covers)
  std::string origin;  // the file it came from, or "built-in"

  const Criterion* find_criterion(std::string_view test) const;
};

// Reads and checks a specification. Throws SpecError naming every problem (file,
// line:column, element path) when it is not valid, and dosegate::Error with code
// "spec.impersonation" when it has the id and version of a shipped specification (see
// shipped_specifications) but not its exact bytes: an id and version name one content. A file
// that holds a ds:Signature is read as it stands, its signature unchecked and without that check:
// verify and release read a signed file's content with read_signed_content instead.
Specification read(std::string_view bytes, std::string_view file_name);

// A specification read from the content an approver's signature covers (`signed_content`,
// as crypto::xmldsig::verify_enveloped returns it, from `file_name`). As read(), except that
// content with a shipped specification's id and version is accepted when it is that shipped
// file signed by `dosegate sign-spec`: the shipped specification is then returned (its SHA-256,
// so one id and version keep one hash) with the approval time. Throws as read().
Specification read_signed_content(std::string_view signed_content, std::string_view file_name);

// The built-in default: samples/specs/wj-msc.xml, compiled in byte for byte (origin
// "built-in").
const Specification& default_specification();
std::string_view default_specification_text();

// Every specification dosegate ships, compiled in byte for byte: the built-in wj-msc and
// samples/specs/msc-exosome.xml. Each one's origin is its file in the source tree, except the
// built-in's ("built-in").
const std::vector<Specification>& shipped_specifications();

// A test code of coa-format.md as people read it: "Post-thaw viability" for
// "viability-post-thaw", "CD73 expression" for "cd73". Neither a CoA nor a specification
// names its tests (the codes are one closed vocabulary), so the names live beside that
// vocabulary here; every code of xml::kTestCodes has one. Returns an empty string for a code
// outside the vocabulary.
std::string_view test_name(std::string_view code);

}  // namespace dosegate::spec
