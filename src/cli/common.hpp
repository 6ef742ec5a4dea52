// What every command's option handling shares: parsing, usage errors, the exit code for each
// kind of failure.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace dosegate::cli::detail {

namespace po = boost::program_options;

inline constexpr const char* kLedgerHelp =
    "the ledger; default: $DOSEGATE_LEDGER, else $XDG_STATE_HOME/dosegate/ledger.sqlite or "
    "~/.local/state/dosegate/ledger.sqlite";

// Prints "dosegate COMMAND: error: MESSAGE" and where to find help; returns kCannot.
int usage_error(std::ostream& err, const std::string& command, const std::string& message);

// Parses a command's options; every argument that is not an option is a positional file.
po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts);
std::vector<std::string> positionals(const po::variables_map& vm);
std::optional<std::string> optional_arg(const po::variables_map& vm, const char* name);

// Runs one command and turns what it throws into a message on `err` and exit code 2.
int guarded(const std::string& command, std::ostream& err, const std::function<int()>& body);

}  // namespace dosegate::cli::detail
