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

// Decodes the code point that starts at s[i] into `cp`; returns its length in bytes, or 0
// when the bytes there are not UTF-8 (truncated, overlong, a surrogate, beyond U+10FFFF).
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp);

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid UTF-8.
std::size_t find_invalid_utf8(std::string_view s);

// UTF-16BE code units (surrogate pairs beyond U+FFFF), no byte order mark; each byte that is
// not part of valid UTF-8 becomes U+FFFD.
std::string utf16be(std::string_view utf8);

// Number of code points (for column alignment in tables).
std::size_t display_width(std::string_view utf8);

// `utf8` in at most `width` code points: whole when it fits, else its start (cut at a character
// boundary) and "…" (U+2026) as the last one. A width of 0 gives "".
std::string abbreviate(std::string_view utf8, std::size_t width);

// `s` in single quotes for a message; beyond `max` bytes, its start (cut at a character
// boundary), "...", and its length: 'AAAA...' (100000 characters). Messages stay short
// whatever a document or command line holds.
std::string quoted(std::string_view s, std::size_t max = 80);
// Text from documents and the ledger made safe to print on a terminal: every C0 control
// (U+0000..U+001F), DEL, C1 control (U+0080..U+009F), bidirectional control (U+061C, U+200E,
// U+200F, U+202A..U+202E, U+2066..U+2069), the line and paragraph separators U+2028 and
// U+2029, and each byte that is not part of valid UTF-8, is written as a visible escape:
// "\x1b" for a byte below 0x80 or a stray byte, "\u202e" for a code point. Everything else,
// backslashes included, is unchanged. With `keep_newlines`, LF stays a line break (for
// multi-line messages).
std::string escape_controls(std::string_view s, bool keep_newlines = false);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Reads a whole file; throws IoError naming the file and the system's reason.
std::string read_file(const std::string& path);

}  // namespace dosegate::text
