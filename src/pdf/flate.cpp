#include "pdf/flate.hpp"

#include <zlib.h>

#include <limits>

#include "dosegate/error.hpp"

namespace dosegate::pdf {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Error("pdf.failure", "Flate: " + what);
}

uInt chunk(std::size_t n) {
  return static_cast<uInt>(std::min<std::size_t>(n, std::numeric_limits<uInt>::max()));
}

}  // namespace

std::string deflate(std::string_view bytes, Effort effort) {
  z_stream z{};
  // The streams a record adds are a few kilobytes of repeated operators. Fastest level, a 4 KiB
  // window and a small hash table: a 4 KB dose block shrinks to 1.2 KB (zlib's defaults: 1.0 KB)
  // in about 20 us instead of 125 us, most of which went into setting up zlib's 256 KiB state.
  // What a lot compresses once gets zlib's best.
  const bool fast = effort == Effort::fast;
  if (deflateInit2(&z, fast ? Z_BEST_SPEED : Z_BEST_COMPRESSION, Z_DEFLATED, fast ? 12 : 15,
                   fast ? 4 : 9, Z_DEFAULT_STRATEGY) != Z_OK)
    fail("cannot initialise zlib");
  std::string out(deflateBound(&z, static_cast<uLong>(bytes.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = chunk(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = chunk(out.size());
  const int rc = ::deflate(&z, Z_FINISH);
  const auto size = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) fail("cannot compress");
  out.resize(size);
  return out;
}

std::string inflate(std::string_view stream, std::size_t max_size) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) fail("cannot initialise zlib");
  std::string out;
  std::string buf(65536, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(stream.data()));
  z.avail_in = chunk(stream.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = chunk(buf.size());
    rc = ::inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf.data(), buf.size() - z.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&z);
      fail("a stream inflates beyond " + std::to_string(max_size) + " bytes");
    }
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) break;  // truncated input
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) fail("not a complete zlib stream");
  return out;
}

}  // namespace dosegate::pdf
