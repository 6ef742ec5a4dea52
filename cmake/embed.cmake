# Writes OUTPUT, a C++ file defining `std::string_view dosegate::SYMBOL()` with INPUT's exact bytes.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR byte_count "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${NAME} by cmake/embed.cmake. Do not edit.\n"
"#include <string_view>\n"
"namespace dosegate {\n"
"namespace {\n"
"const unsigned char bytes[] = {\n${body}0x00};\n"
"}  // namespace\n"
"std::string_view ${SYMBOL}() {\n"
"  return {reinterpret_cast<const char*>(bytes), ${byte_count}};\n"
"}\n"
"}  // namespace dosegate\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
