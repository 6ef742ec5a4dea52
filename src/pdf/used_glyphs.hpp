// Cuts the font data of libharu's layout down to the characters the layout shows.
//
// libharu embeds DejaVu Sans as a CIDFontType2 font whose /W array lists the width of every
// character the font has (5,370 of them, 24 KB) and whose /CIDToGIDMap stream maps all 65,536
// character codes (10 KB compressed), although a record shows about a hundred characters. The
// glyph outlines libharu embeds are already only those of the characters shown.
#pragma once

#include <string>

namespace dosegate::pdf {

// `layout` (a single-revision PDF with one Type0 font, as libharu writes it) with that font's
// /W array and /CIDToGIDMap keeping only the character codes that its pages' content streams
// use: the same widths and glyphs for every one of them. Returns `layout` unchanged when the
// file is not of that form (more fonts, text in literal strings, more revisions). Throws
// dosegate::Error("pdf.failure") when the layout cannot be read.
std::string keep_used_glyphs(const std::string& layout);

}  // namespace dosegate::pdf
