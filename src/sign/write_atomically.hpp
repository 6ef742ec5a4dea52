// Writing a signed document so that its path never holds a partial one.
#pragma once

#include <string>

namespace dosegate::sign {

// Writes `bytes` to `path` through a temporary file in the same directory, synced and renamed.
// Throws IoError naming `path`; the temporary file is removed then.
void write_atomically(const std::string& path, const std::string& bytes);

}  // namespace dosegate::sign
