// `dosegate confirm`: the bedside command's options and output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"

namespace dosegate::cli::detail {

// `args` are the arguments after "confirm". May throw; cli::run and cli::run_confirm map the
// exceptions to messages and exit code 2.
int cmd_confirm(const std::vector<std::string>& args, std::ostream& out, const Environment& env);

}  // namespace dosegate::cli::detail
