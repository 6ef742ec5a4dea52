// Findings: everything dosegate has to say about the documents it checked.
#pragma once

#include <string>
#include <vector>

namespace dosegate {

enum class Severity { error, warning, info };

const char* to_string(Severity severity);

struct Finding {
  std::string code;  // stable and dotted, e.g. "criterion.failed"; see README "Finding codes"
  Severity severity = Severity::error;
  std::string message;   // one sentence a QA reviewer can act on
  std::string location;  // element path such as /CertificateOfAnalysis/Results/Result[@test='cd73']
};

// A problem in an XML document, with its position in the bytes that were read.
struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based, in bytes
  std::string path;
  std::string message;

  // "file:line:column: path: message"
  std::string to_string() const;
};

std::string join_diagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace dosegate
