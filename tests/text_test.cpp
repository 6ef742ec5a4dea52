// UTF-8 decoding shared by the XML reader (validation) and the PDF writer (UTF-16 strings).
#include <catch2/catch.hpp>

#include <string>

#include "util/dn.hpp"
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

TEST_CASE("escape_controls: controls, bidi overrides and stray bytes become visible escapes",
          "[text][escape]") {
  using text::escape_controls;
  CHECK(escape_controls("plain, accents: \xC3\xA9 \xE2\x89\xA5 \xC2\xB5") ==
        "plain, accents: \xC3\xA9 \xE2\x89\xA5 \xC2\xB5");
  CHECK(escape_controls("CN=Alex Example\\, QA") == "CN=Alex Example\\, QA");  // unchanged
  CHECK(escape_controls("\x1b[2K\x1b[1A") == "\\x1b[2K\\x1b[1A");
  CHECK(escape_controls(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_controls("tab\there\r\nnext\x7f") == "tab\\x09here\\x0d\\x0anext\\x7f");
  CHECK(escape_controls("line\nnext\r", true) == "line\nnext\\x0d");
  CHECK(escape_controls("\xC2\x9B"
                        "2K") == "\\u009b2K");  // C1 CSI
  CHECK(escape_controls("\xC2\x80\xC2\x9F\xC2\xA0") == "\\u0080\\u009f\xC2\xA0");
  CHECK(escape_controls("abc\xE2\x80\xAE"
                        "fdp.exe") == "abc\\u202efdp.exe");  // RIGHT-TO-LEFT OVERRIDE
  for (const char* bidi : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD",
                           "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",
                           "\xE2\x80\x8E", "\xE2\x80\x8F", "\xD8\x9C", "\xE2\x80\xA8"}) {
    INFO(bidi);
    const auto e = escape_controls(bidi);
    CHECK(e.size() == 6);
    CHECK(e.rfind("\\u", 0) == 0);
  }
  CHECK(escape_controls("\xE2\x80\xA9") == "\\u2029");
  CHECK(escape_controls("\xE2\x80\xAF") == "\xE2\x80\xAF");  // U+202F is a space, kept
  CHECK(escape_controls("bad \x9B byte \xFF") == "bad \\x9b byte \\xff");  // not UTF-8
  CHECK(escape_controls("\xE2\x80") == "\\xe2\\x80");                      // truncated
}

TEST_CASE("abbreviate: whole when it fits, else cut at a character with an ellipsis", "[text]") {
  CHECK(text::abbreviate("Alex Example", 12) == "Alex Example");
  CHECK(text::abbreviate("Alex Example", 11) == "Alex Examp\u2026");
  CHECK(text::abbreviate("Zo\u00eb \u00d8deg\u00e5rd", 5) == "Zo\u00eb \u2026");
  CHECK(text::display_width(text::abbreviate("Zo\u00eb \u00d8deg\u00e5rd", 5)) == 5);
  CHECK(text::abbreviate("\U0001F9EC\U0001F9EC\U0001F9EC", 2) == "\U0001F9EC\u2026");
  CHECK(text::abbreviate("abc", 1) == "\u2026");
  CHECK(text::abbreviate("abc", 0).empty());
  CHECK(text::abbreviate("", 0).empty());
}

TEST_CASE("names: a certificate subject as people read it", "[text]") {
  const std::string dn = "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE";
  CHECK(readable_name(dn) == "Alex Example, QA Release (Example Clinic QA, DE)");
  CHECK(person_name(dn) == "Alex Example, QA Release");
  CHECK(person_name("CN=Zo\\C3\\AB \\\"QA\\\",O=Lab") == "Zo\u00eb \"QA\"");
  CHECK(person_name("CN=A, O=B") == "A");  // spaces after the separators
  CHECK(person_name("O=Example Clinic QA,C=DE") == "O=Example Clinic QA,C=DE");  // no CN
  // Staff ids and other text that is not a subject stay as they are.
  CHECK(person_name("nurse-7") == "nurse-7");
  CHECK(person_name("Smith, J") == "Smith, J");
  CHECK(person_name("a=b c,d") == "a=b c,d");
  CHECK(person_name("") == "");
  CHECK(readable_name("nurse-7") == "nurse-7");
}
