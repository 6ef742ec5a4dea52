// The command module (dosegate-commands.so): every command, loaded by the dosegate executable
// for all but `confirm` (see src/main.cpp). Only these two symbols are exported.
#include <iostream>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"
#include "dosegate/version.hpp"

extern "C" __attribute__((visibility("default"))) const char* dosegate_commands_version() {
  return dosegate::version();
}

extern "C" __attribute__((visibility("default"))) int dosegate_commands_main(int argc,
                                                                             char** argv) {
  return dosegate::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
