// `dosegate verify`: the full check of one CoA, without side effects.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/coa/certificate.hpp"
#include "dosegate/finding.hpp"
#include "dosegate/spec/engine.hpp"
#include "dosegate/spec/specification.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate {

namespace json {
class Writer;
}

struct VerifyOptions {
  std::string coa_path;
  std::optional<std::string> spec_path;       // built-in default when absent
  std::string trust_dir;                      // required; see README "Trust directory"
  std::optional<std::string> signature_path;  // detached CMS; COA.xml.p7s beside the CoA if absent
  Instant as_of{};                            // verification time
};

struct SignatureStatus {
  std::string method;     // "enveloped XML-DSig", "detached CMS (FILE)" or "none"
  std::string algorithm;  // "ECDSA-SHA256", ...
  bool verified = false;  // the signature verifies and the signer may sign CoAs
  std::optional<Signer> signer;
  std::string detail;  // one line: what was verified, or why not
};

struct VerifyReport {
  std::string coa_path;
  std::string coa_sha256;
  std::optional<coa::Certificate> certificate;  // absent when the CoA is malformed
  spec::Specification specification;
  SignatureStatus signature;
  bool evaluated = false;         // business data is read only from verified signed content
  Evaluation evaluation;          // empty unless evaluated
  std::vector<Finding> findings;  // every finding: reader, signature, evaluation
  Decision decision = Decision::unknown;
  Instant as_of{};
};

// Reads the files and decides. Findings about the documents are in the report; throws
// dosegate::Error (IoError, SpecError, ...) when it cannot reach a decision at all.
VerifyReport verify(const VerifyOptions& options);

// The human report: header, criteria table, doses, pending tests, findings, decision line.
void print_text(const VerifyReport& report, std::ostream& out);

// One JSON object: {"version": 1, "decision": ..., "findings": [...], ...}.
void print_json(const VerifyReport& report, std::ostream& out);

// The members of that object from "decision" to "findings", written into an object `w` has
// open: for commands whose JSON carries a verification (release).
void write_json_members(const VerifyReport& report, json::Writer& w);

}  // namespace dosegate
