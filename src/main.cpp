// The dosegate executable: every command is a library function (dosegate::cli::run), so the
// tests drive the same code in-process.
#include <iostream>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"

int main(int argc, char** argv) {
  return dosegate::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
