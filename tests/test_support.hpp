// Shared helpers for the tests: paths into the source tree, the CLI in-process and as a process.
#pragma once

#include <sys/wait.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"
#include "util/text.hpp"

namespace dosegate::test {

inline std::string source(const std::string& relative) {
  return std::string(DOSEGATE_SOURCE_DIR) + "/" + relative;
}

inline std::string read_source(const std::string& relative) {
  return text::read_file(source(relative));
}

inline std::string read_file_text(const std::string& path) {
  return text::read_file(path);
}

inline std::string pki(const std::string& name) {
  return source("certs/test-pki/" + name);
}

// The test QA releaser's key, certificate and chain, as release, recall and complete take them:
// the PKCS#12 file under its passphrase, as a releaser's key file should be (a key file without
// one gives the warning key.unprotected; tests/token_test.cpp).
inline std::vector<std::string> releaser() {
  return {"--key", pki("releaser.p12"), "--passphrase-file", pki("releaser.p12.passphrase")};
}

// A directory of its own for one test, removed with everything in it afterwards.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "dosegate-test-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("cannot create a temporary directory");
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// Sorted *.xml files of a directory under the source tree, as paths relative to it.
inline std::vector<std::string> xml_files(const std::string& relative_dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source(relative_dir)))
    if (e.path().extension() == ".xml")
      out.push_back(relative_dir + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The element path a test document names in its "<!-- invalid: WHAT; at: PATH -->" header.
inline std::string declared_location(const std::string& relative) {
  const auto text = read_source(relative);
  const auto at = text.find("; at: ");
  if (at == std::string::npos) return "";
  const auto end = text.find(" -->", at);
  return text.substr(at + 6, end - at - 6);
}

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs the CLI in-process with the working directory at the source root's paths.
inline CliResult run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  CliResult r;
  r.code = cli::run(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// The same, with the clock of the command at `now_utc` (e.g. "2026-11-21T12:00:00Z"): release and
// recall record the clock's time and take no --as-of. `input` is the command's standard input.
inline CliResult run_cli_at(const std::vector<std::string>& args, const std::string& now_utc,
                            const std::string& input = "") {
  const auto now = parse_utc_instant(now_utc);
  if (!now) throw std::invalid_argument("run_cli_at: not a UTC time: " + now_utc);
  std::istringstream in(input);
  cli::Environment env;
  env.now = [t = *now] { return t; };
  env.in = &in;
  std::ostringstream out, err;
  CliResult r;
  r.code = cli::run(args, out, err, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

struct ProcessResult {
  int code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line and captures its output and exit status.
inline ProcessResult run_process(const std::string& command) {
  ProcessResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Finding codes with severity "error" in a --json report (a small scan, no JSON library).
inline std::set<std::string> error_codes(const std::string& json) {
  std::set<std::string> out;
  std::size_t pos = 0;
  while ((pos = json.find("\"code\": \"", pos)) != std::string::npos) {
    pos += 9;
    const auto code = json.substr(pos, json.find('"', pos) - pos);
    const auto sev = json.find("\"severity\": \"", pos);
    if (json.compare(sev + 13, 5, "error") == 0) out.insert(code);
  }
  return out;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline std::string quote_arg(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace dosegate::test
