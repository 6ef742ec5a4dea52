// Label barcodes: geometry in module units, refusals, and decoding by real decoders (zbarimg for
// Code 128, dmtxread for DataMatrix) from a bitmap drawn from the rectangles alone.
#include <unistd.h>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dosegate/error.hpp"
#include "pdf/barcode.hpp"
#include "test_support.hpp"

using dosegate::Error;
using dosegate::pdf::Barcode;
using dosegate::test::quote_arg;
using dosegate::test::run_process;

namespace {

constexpr int kPixelsPerModule = 4;
constexpr int kQuietModules = 10;

// A temporary file removed when the test ends.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("dosegate-barcode-" + std::to_string(::getpid()) + "-" + name)) {}
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

int to_pixels(double modules) {
  return static_cast<int>(std::lround((modules + kQuietModules) * kPixelsPerModule));
}

// Draws the bars black on white with a quiet zone on every side and writes a binary PGM.
void write_pgm(const Barcode& barcode, const std::filesystem::path& path) {
  const int width = to_pixels(barcode.width + kQuietModules);
  const int height = to_pixels(barcode.height + kQuietModules);
  std::vector<unsigned char> pixels(
      static_cast<std::size_t>(width) * static_cast<std::size_t>(height), 255);
  for (const auto& bar : barcode.bars)
    for (int y = to_pixels(bar.y); y < to_pixels(bar.y + bar.height); ++y)
      for (int x = to_pixels(bar.x); x < to_pixels(bar.x + bar.width); ++x)
        pixels[static_cast<std::size_t>(y) * static_cast<std::size_t>(width) +
               static_cast<std::size_t>(x)] = 0;
  std::ofstream out(path, std::ios::binary);
  out << "P5\n" << width << ' ' << height << "\n255\n";
  out.write(reinterpret_cast<const char*>(pixels.data()),
            static_cast<std::streamsize>(pixels.size()));
  REQUIRE(out.good());
}

void check_geometry(const Barcode& barcode) {
  REQUIRE_FALSE(barcode.bars.empty());
  CHECK(barcode.width > 0);
  CHECK(barcode.height > 0);
  for (const auto& bar : barcode.bars) {
    CHECK(bar.width > 0);
    CHECK(bar.height > 0);
    CHECK(bar.x >= 0);
    CHECK(bar.y >= 0);
    CHECK(bar.x + bar.width <= barcode.width);
    CHECK(bar.y + bar.height <= barcode.height);
  }
}

// The code and message of the dosegate::Error that `f` throws.
template <typename F>
std::pair<std::string, std::string> error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  FAIL("no dosegate::Error thrown");
  return {};
}

const std::vector<std::string> kLabelData = {
    "=A99992600014700",         // DIN data structure (ISBT 128 data structure 001)
    "=<S1234V00",               // product code
    "A999926000147S1234V00A0",  // compound message content
    // A release record's own bar code (isbt128::record_barcode_data), the longest record id.
    "dosegate-record:A999926000147-S1234V99-000001",
};

}  // namespace

TEST_CASE("Code 128 is drawn in module units", "[barcode]") {
  const auto barcode = dosegate::pdf::code128("=A99992600014700");
  check_geometry(barcode);
  // Start, "=A" in code set B, a switch to C, seven digit pairs, the check symbol: 11 modules
  // each; the stop pattern: 13.
  CHECK(barcode.width == 145);
  CHECK(barcode.height == 30);
  CHECK(barcode.bars.front().x == 0);  // no quiet zone: the caller adds margins
  for (const auto& bar : barcode.bars) {
    CHECK(bar.y == 0);
    CHECK(bar.height == 30);
    CHECK(bar.width == std::round(bar.width));  // whole modules, 1 to 4 wide
    CHECK(bar.width <= 4);
  }
  CHECK(dosegate::pdf::code128("=A99992600014700", 12.5).height == 12.5);
}

TEST_CASE("DataMatrix is a square symbol in module units", "[barcode]") {
  const auto barcode = dosegate::pdf::datamatrix("A999926000147S1234V00A0");
  check_geometry(barcode);
  CHECK(barcode.width == 18);  // 14 codewords (a digit pair takes one): 18 x 18
  CHECK(barcode.height == 18);
  for (const auto& bar : barcode.bars) {
    CHECK(bar.x == std::round(bar.x));
    CHECK(bar.y == std::round(bar.y));
  }
  // The finder pattern: a solid column on the left and a solid row at the bottom.
  double left = 0, bottom = 0;
  for (const auto& bar : barcode.bars) {
    if (bar.x == 0) left += bar.height;
    if (bar.y + bar.height == 18) bottom += bar.width;
  }
  CHECK(left == 18);
  CHECK(bottom >= 18);
}

TEST_CASE("zbarimg decodes the Code 128 barcodes", "[barcode]") {
  for (const auto& data : kLabelData) {
    INFO(data);
    TempFile file("code128.pgm");
    write_pgm(dosegate::pdf::code128(data), file.path);
    const auto r = run_process("zbarimg --nodbus --raw -q -Sdisable -Scode128.enable " +
                               quote_arg(file.path.string()));
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output == data + "\n");
  }
}

TEST_CASE("dmtxread decodes the DataMatrix barcodes", "[barcode]") {
  for (const auto& data : kLabelData) {
    INFO(data);
    TempFile file("datamatrix.pgm");
    write_pgm(dosegate::pdf::datamatrix(data), file.path);
    const auto r = run_process("dmtxread " + quote_arg(file.path.string()));
    INFO(r.output);
    CHECK(r.code == 0);
    CHECK(r.output == data);
  }
}

TEST_CASE("Barcodes refuse data zint cannot encode", "[barcode]") {
  using dosegate::pdf::code128;
  using dosegate::pdf::datamatrix;
  const auto failure = [](const std::string& message) {
    return std::pair<std::string, std::string>{"barcode.failure", message};
  };
  CHECK(error_of([] { code128(""); }) ==
        failure("cannot draw the Code 128 barcode: Error 778: No input data"));
  CHECK(error_of([] { datamatrix(""); }) ==
        failure("cannot draw the DataMatrix barcode: Error 778: No input data (segment 0 empty)"));
  CHECK(error_of([] { code128(std::string(161, '1') + "A"); }) ==
        failure("cannot draw the Code 128 barcode: Error 340: Input too long (160 character "
                "maximum)"));
  CHECK(error_of([] { datamatrix(std::string(4000, 'A')); }) ==
        failure("cannot draw the DataMatrix barcode: Error 760: Data too long to fit in symbol"));
}

TEST_CASE("Barcodes refuse bytes outside 7-bit ASCII", "[barcode]") {
  // zint itself would encode 0xE9 (Code 128 through FNC4, DataMatrix through Upper Shift), and
  // decoders do not agree on what it means; label data is ASCII.
  CHECK(error_of([] { dosegate::pdf::code128("=A\xE9"); }) ==
        std::pair<std::string, std::string>{
            "barcode.failure",
            "cannot draw the Code 128 barcode: byte 0xE9 at offset 2 is not ASCII (the data must "
            "be 7-bit ASCII)"});
  CHECK(error_of([] { dosegate::pdf::datamatrix("A\x80"); }) ==
        std::pair<std::string, std::string>{
            "barcode.failure",
            "cannot draw the DataMatrix barcode: byte 0x80 at offset 1 is not ASCII (the data must "
            "be 7-bit ASCII)"});
}

TEST_CASE("Code 128 refuses a bar height out of range", "[barcode]") {
  for (const double h : {0.0, 0.4, -1.0, 2000.5, std::nan("")}) {
    INFO(h);
    const auto [code, message] = error_of([h] { dosegate::pdf::code128("A1", h); });
    CHECK(code == "barcode.failure");
    CHECK(message.rfind("cannot draw the Code 128 barcode: the bar height must be between 0.5 and "
                        "2000 modules, not ",
                        0) == 0);
  }
  CHECK(error_of([] { dosegate::pdf::code128("A1", 0); }).second ==
        "cannot draw the Code 128 barcode: the bar height must be between 0.5 and 2000 modules, "
        "not 0.000000");
}
