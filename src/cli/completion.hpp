// The bash completion script and the list of every command's options, both read from the
// commands' own option tables (what `dosegate COMMAND --help` prints), so that a new option or
// command needs nothing here.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"

namespace dosegate::cli::detail {

struct CommandHelp {
  std::string name;
  HelpCapture help;  // its usage and options, as print_help saw them
};

// Every command of kCommandTable, in order, with what its --help shows.
std::vector<CommandHelp> command_helps(const Environment& env);

// The script `dosegate --completion bash` prints: completion of commands, options, option values
// (directories, files, the choices of a value such as table|csv|json) and file arguments.
std::string bash_completion(const Environment& env);

}  // namespace dosegate::cli::detail
