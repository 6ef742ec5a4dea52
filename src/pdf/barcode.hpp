// Vector barcodes for labels (ISBT 128-style Code 128 and DataMatrix), drawn by libzint and
// returned as dark rectangles in module units, so that the caller scales them to any X-dimension
// and adds its own quiet zones.
#pragma once

#include <string>
#include <vector>

namespace dosegate::pdf {

// One dark rectangle, in module units, with the origin at the top-left corner of the symbol
// and y growing downwards (as zint gives it).
struct BarRect {
  double x, y, width, height;
};

// A whole symbol: its overall size in module units (without any quiet zone) and its dark
// rectangles, every one inside [0, width] x [0, height].
struct Barcode {
  double width = 0, height = 0;
  std::vector<BarRect> bars;
};

// Code 128 of `data` (7-bit ASCII, 1 to 160 characters), with bars `bar_height_modules` high
// (0.5 to 2000) and no human-readable text. Returns the symbol.
// Throws dosegate::Error("barcode.failure", message) when `data` holds a byte above 0x7F, when
// the height is out of range, or when zint refuses the data (the message then holds zint's).
Barcode code128(const std::string& data, double bar_height_modules = 30);

// ECC 200 DataMatrix of `data` (7-bit ASCII, at least one character), in the smallest square
// symbol that holds it. Returns the symbol.
// Throws dosegate::Error("barcode.failure", message) when `data` holds a byte above 0x7F or
// when zint refuses the data (empty, too long; the message then holds zint's).
Barcode datamatrix(const std::string& data);

}  // namespace dosegate::pdf
