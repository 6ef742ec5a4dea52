// The command-line interface as a library function, so tests drive commands in-process.
#pragma once

#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/time.hpp"

namespace dosegate::cli {

// Exit codes, the same for every command (README "Exit codes").
inline constexpr int kYes =
    0;                         // releasable (also with allowed pending tests), released, GO, intact
inline constexpr int kNo = 1;  // rejected for a reason found in the documents, NO-GO, tampered
inline constexpr int kCannot = 2;  // usage error, unreadable input, invalid specification or trust

struct Environment {
  std::function<Instant()> now = now_utc;  // the clock, injectable for tests
  std::istream* in = nullptr;              // standard input (confirm --dose -); nullptr: std::cin
};

// `args` are the arguments after the program name. Writes results to `out` and diagnostics to
// `err`; returns the exit code. Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Environment& env = {});

}  // namespace dosegate::cli
