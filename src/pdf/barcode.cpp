// libzint stays in this file. zint draws vector output at 2 * scale units per module, so scale
// 0.5 gives module units; the rectangles are still divided by the measured units per module so
// that a zint that scales differently cannot silently change the size of a label's barcodes.
#include "pdf/barcode.hpp"

#include <zint.h>
#include <cstdio>
#include <limits>
#include <memory>

#include "dosegate/error.hpp"

namespace dosegate::pdf {
namespace {

struct SymbolDeleter {
  void operator()(zint_symbol* symbol) const { ZBarcode_Delete(symbol); }
};
using Symbol = std::unique_ptr<zint_symbol, SymbolDeleter>;

[[noreturn]] void fail(const std::string& what, const std::string& message) {
  throw Error("barcode.failure", "cannot draw the " + what + " barcode: " + message);
}

void require_ascii(const std::string& what, const std::string& data) {
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto byte = static_cast<unsigned char>(data[i]);
    if (byte > 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned>(byte));
      fail(what, "byte " + std::string(hex) + " at offset " + std::to_string(i) +
                     " is not ASCII (the data must be 7-bit ASCII)");
    }
  }
}

// Encodes `data` with the options already set on `symbol` and copies its rectangles.
Barcode encode(Symbol symbol, const std::string& what, const std::string& data) {
  require_ascii(what, data);
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    fail(what, "the data is too long");
  symbol->input_mode = DATA_MODE;
  symbol->show_hrt = 0;
  symbol->whitespace_width = 0;
  symbol->whitespace_height = 0;
  symbol->border_width = 0;
  symbol->output_options = BARCODE_NO_QUIET_ZONES;
  symbol->warn_level = WARN_FAIL_ALL;
  symbol->scale = 0.5f;
  const int rc = ZBarcode_Encode_and_Buffer_Vector(
      symbol.get(), reinterpret_cast<const unsigned char*>(data.data()),
      static_cast<int>(data.size()), 0);
  if (rc != 0) fail(what, symbol->errtxt[0] ? symbol->errtxt : "zint error " + std::to_string(rc));

  const zint_vector* vector = symbol->vector;
  if (vector == nullptr || symbol->width <= 0 || vector->width <= 0)
    fail(what, "zint drew no symbol");
  if (vector->strings != nullptr || vector->circles != nullptr || vector->hexagons != nullptr)
    fail(what, "zint drew text, circles or hexagons, which a label cannot use");
  const double unit = static_cast<double>(vector->width) / symbol->width;  // units per module

  Barcode out;
  out.width = vector->width / unit;
  out.height = vector->height / unit;
  for (const zint_vector_rect* r = vector->rectangles; r != nullptr; r = r->next) {
    if (r->colour != -1) fail(what, "zint drew a rectangle in a colour other than the foreground");
    out.bars.push_back({r->x / unit, r->y / unit, r->width / unit, r->height / unit});
  }
  if (out.bars.empty()) fail(what, "zint drew no bars");
  return out;
}

Symbol create(int symbology) {
  Symbol symbol(ZBarcode_Create());
  if (!symbol) throw Error("barcode.failure", "cannot draw a barcode: out of memory");
  symbol->symbology = symbology;
  return symbol;
}

}  // namespace

Barcode code128(const std::string& data, double bar_height_modules) {
  // zint would treat 0 as its default height and abort on NaN; refuse both here.
  if (!(bar_height_modules >= 0.5 && bar_height_modules <= 2000))
    fail("Code 128", "the bar height must be between 0.5 and 2000 modules, not " +
                         std::to_string(bar_height_modules));
  auto symbol = create(BARCODE_CODE128);
  symbol->height = static_cast<float>(bar_height_modules);
  return encode(std::move(symbol), "Code 128", data);
}

Barcode datamatrix(const std::string& data) {
  auto symbol = create(BARCODE_DATAMATRIX);
  symbol->option_3 = DM_SQUARE;
  return encode(std::move(symbol), "DataMatrix", data);
}

}  // namespace dosegate::pdf
