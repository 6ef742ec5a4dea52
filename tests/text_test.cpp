// UTF-8 decoding shared by the XML reader (validation) and the PDF writer (UTF-16 strings).
#include <catch2/catch.hpp>

#include <string>

#include "util/text.hpp"

using namespace dosegate;

TEST_CASE("UTF-8: code points, lengths and what is not UTF-8", "[text]") {
  char32_t cp = 0;
  CHECK(text::decode_utf8("A", 0, cp) == 1);
  CHECK(cp == U'A');
  CHECK(text::decode_utf8("\xC3\xA9", 0, cp) == 2);  // é
  CHECK(cp == U'\u00E9');
  CHECK(text::decode_utf8("\xC2\xB5", 0, cp) == 2);  // µ
  CHECK(cp == U'\u00B5');
  CHECK(text::decode_utf8("\xF0\x9F\xA7\x8A", 0, cp) == 4);  // U+1F9CA
  CHECK(cp == U'\U0001F9CA');
  CHECK(text::decode_utf8("\xC3", 0, cp) == 0);              // truncated
  CHECK(text::decode_utf8("\xC0\xAF", 0, cp) == 0);          // overlong
  CHECK(text::decode_utf8("\xED\xA0\x80", 0, cp) == 0);      // a surrogate
  CHECK(text::decode_utf8("\xF4\x90\x80\x80", 0, cp) == 0);  // beyond U+10FFFF
  CHECK(text::decode_utf8("\xFF", 0, cp) == 0);
  CHECK(text::find_invalid_utf8("Zo\xC3\xAB") == std::string::npos);
  CHECK(text::find_invalid_utf8("Zo\xC3") == 2);
}

TEST_CASE("UTF-16BE: surrogate pairs beyond U+FFFF, U+FFFD for bytes that are not UTF-8",
          "[text]") {
  CHECK(text::utf16be("A\xC3\xA9") == std::string("\x00\x41\x00\xE9", 4));
  CHECK(text::utf16be("\xF0\x9F\xA7\x8A") == "\xD8\x3E\xDD\xCA");
  CHECK(text::utf16be("a\xFF") == std::string("\x00\x61\xFF\xFD", 4));
  CHECK(text::utf16be("").empty());
}
