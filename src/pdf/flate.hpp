// Flate (RFC 1950 zlib) streams for PDF's /FlateDecode filter. zlib stays in flate.cpp.
#pragma once

#include <string>
#include <string_view>

namespace dosegate::pdf {

// How hard deflate works: `fast` for what every record compresses anew (its dose block),
// `small` for what is compressed once per lot and copied into every record (the font).
enum class Effort { fast, small };

// `bytes` compressed as a zlib stream. Throws dosegate::Error("pdf.failure") if zlib fails.
std::string deflate(std::string_view bytes, Effort effort = Effort::fast);

// The bytes of a zlib stream. Throws dosegate::Error("pdf.failure") when `stream` is not a
// complete zlib stream or inflates beyond `max_size` bytes.
std::string inflate(std::string_view stream, std::size_t max_size);

}  // namespace dosegate::pdf
