// Shared by the fuzz harnesses: each harness file defines LLVMFuzzerTestOneInput and is linked
// either with libFuzzer (the fuzz preset) or with replay_main.cpp (every other build).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace dosegate::fuzz {

inline std::string_view bytes(const std::uint8_t* data, std::size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

inline std::string source(const std::string& relative) {
  return std::string(DOSEGATE_SOURCE_DIR) + "/" + relative;
}

// A broken invariant is a bug the fuzzer should report, like a crash.
inline void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
  std::abort();
}

}  // namespace dosegate::fuzz
