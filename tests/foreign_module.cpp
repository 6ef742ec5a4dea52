// A command module of another dosegate version: the executable must refuse to run it.
#include <cstdio>

extern "C" __attribute__((visibility("default"))) const char* dosegate_commands_version() {
  return "0.0.0-other";
}

extern "C" __attribute__((visibility("default"))) int dosegate_commands_main(int, char**) {
  std::puts("the foreign module ran");
  return 0;
}
