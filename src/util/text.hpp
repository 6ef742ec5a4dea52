// Small text helpers shared by the readers and the report writers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dosegate::text {

// Removes XML white space (space, tab, CR, LF) at both ends.
std::string_view trim(std::string_view s);

// Collapses runs of XML white space to one space and trims, as xs:token does.
std::string collapse(std::string_view s);

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid UTF-8.
std::size_t find_invalid_utf8(std::string_view s);

// Number of code points (for column alignment in tables).
std::size_t display_width(std::string_view utf8);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Reads a whole file; throws IoError naming the file and the system's reason.
std::string read_file(const std::string& path);

}  // namespace dosegate::text
