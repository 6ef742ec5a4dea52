// The "could not do the job" channel. Findings about the documents (a failed criterion, a
// malformed CoA) are values, never exceptions; these exceptions mean dosegate could not reach
// an answer at all and map to exit code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace dosegate {

class Error : public std::runtime_error {
 public:
  // `code` is stable and dotted (e.g. "io.unreadable", "spec.invalid", "usage").
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// A command line that cannot be run as given.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error("usage", message) {}
};

// A file or directory that cannot be read; the message names it and the system's reason.
class IoError : public Error {
 public:
  explicit IoError(const std::string& message) : Error("io.unreadable", message) {}
};

// A release specification that is not valid; the message holds every problem found, each
// as "file:line:column: path: what".
class SpecError : public Error {
 public:
  explicit SpecError(const std::string& message) : Error("spec.invalid", message) {}
};

// A trust directory that cannot be used: no anchors, an unreadable or unparsable PEM file, a
// self-signed certificate among the intermediates.
class TrustError : public Error {
 public:
  explicit TrustError(const std::string& message) : Error("trust.invalid", message) {}
  // A more particular code: trust.crls-missing, trust.labs-missing.
  TrustError(std::string code, const std::string& message) : Error(std::move(code), message) {}
};

}  // namespace dosegate
