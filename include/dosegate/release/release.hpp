// `dosegate release`: verify a CoA exactly as `verify` does and, only when the lot is
// releasable, write one signed PDF release record per dose.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dosegate/verify/verify.hpp"

namespace dosegate {

struct ReleaseOptions {
  VerifyOptions verify;  // CoA, specification, trust directory, signature, time
  std::string key_path;  // PEM key, or PKCS#12 (*.p12, *.pfx)
  std::optional<std::string> cert_path;
  std::optional<std::string> chain_path;
  std::optional<std::string> passphrase_file;
  std::string out_dir;
  std::string meaning = "Released for clinical use";
  std::string reason;
  std::string role = "Quality Assurance, lot release";
};

struct ReleaseResult {
  VerifyReport report;
  bool released = false;
  std::vector<std::string> records;  // paths written, in dose order
};

// Passphrase prompt: returns nullopt when nobody can be asked.
using Prompt = std::function<std::optional<std::string>(const std::string&)>;
// Progress: (doses written, doses in lot).
using Progress = std::function<void(std::size_t, std::size_t)>;

// Throws dosegate::Error when it cannot do its job (unreadable input, a key that does not
// match its certificate, a releaser certificate that dosegate's own policy refuses in the
// releasers/ role, an output file that already exists). Each record is written to a
// temporary name, synced, and renamed into place: no partial or unsigned PDF ever carries
// a final name.
ReleaseResult release(const ReleaseOptions& options, const Prompt& prompt,
                      const Progress& progress = {});

}  // namespace dosegate
