// The dosegate executable. `confirm`, the bedside command, runs here directly: the executable
// links only what it needs (OpenSSL, SQLite, Boost.Program_options). Every other command lives
// in the command module, dosegate-commands.so, loaded when one of them is asked for: it brings
// libxmlsec1, libxml2, libxslt, ICU, libharu and libzint, whose loading alone would cost each
// confirmation about a fifth of its time.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"
#include "dosegate/version.hpp"

namespace {

std::string executable_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  const std::string path(buf, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

int cannot(const std::string& message) {
  std::cerr << "dosegate: error: " << message << '\n';
  return dosegate::cli::kCannot;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "confirm") == 0)
    return dosegate::cli::run_confirm(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                      std::cerr);

  // Beside the executable in a build tree; in lib/dosegate/ beside bin/ once installed.
  const std::string dir = executable_dir();
  const std::string candidates[] = {dir + "/dosegate-commands.so",
                                    dir + "/../lib/dosegate/dosegate-commands.so"};
  std::string tried;
  for (const auto& path : candidates) {
    void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!module) {
      tried += "\n  " + std::string(::dlerror());
      continue;
    }
    using Version = const char* (*)();
    using Main = int (*)(int, char**);
    const auto version = reinterpret_cast<Version>(::dlsym(module, "dosegate_commands_version"));
    const auto entry = reinterpret_cast<Main>(::dlsym(module, "dosegate_commands_main"));
    if (!version || !entry)
      return cannot(path + " is not a dosegate command module; reinstall dosegate");
    if (std::strcmp(version(), dosegate::version()) != 0)
      return cannot(path + " is the command module of dosegate " + version() +
                    ", this executable is dosegate " + dosegate::version() +
                    "; reinstall dosegate");
    return entry(argc, argv);
  }
  return cannot(
      "cannot load the command module, which every command but confirm needs; tried:" + tried +
      "\nReinstall dosegate: the module belongs in lib/dosegate/ beside the bin/ that holds "
      "dosegate.");
}
