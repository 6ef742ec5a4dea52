// The JSON reader: every malformed document is a json::ParseError with a message, never
// another exception; strings decode to valid UTF-8.
#include <catch2/catch.hpp>

#include <string>

#include "util/json.hpp"
#include "util/json_read.hpp"

using namespace dosegate;

namespace {

// The message of the ParseError parse() throws; fails the test on any other outcome.
std::string error_of(const std::string& text) {
  try {
    json::parse(text);
  } catch (const json::ParseError& e) {
    return e.what();
  }
  FAIL("parsed without an error: " << text.substr(0, 80));
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("json: strings, numbers, nesting and keys read back", "[json]") {
  const auto v = json::parse(
      R"( {"s": "a\"b\\c\/\n\u00e9\u20ac", "i": 9007199254740993, "d": -1.5e3, "b": true,)"
      R"( "n": null, "a": [1, [2]], "o": {"k": "v"}} )");
  CHECK(v.text("s") == "a\"b\\c/\n\xC3\xA9\xE2\x82\xAC");
  CHECK(v.get("i")->integer() == 9007199254740993LL);
  CHECK(v.get("d")->number() == -1500.0);
  CHECK_FALSE(v.get("d")->integer());
  CHECK(v.get("b")->boolean() == true);
  CHECK(std::string(v.get("n")->type_name()) == "null");
  REQUIRE(v.get("a")->array());
  CHECK(v.get("a")->array()->size() == 2);
  CHECK(v.get("o")->text("k") == "v");
  CHECK(v.get("missing") == nullptr);
  CHECK(json::parse("18446744073709551615").number() == 18446744073709551615.0);
}

TEST_CASE("json: a valid surrogate pair decodes to one 4-byte UTF-8 character", "[json]") {
  CHECK(*json::parse(R"("\ud83e\uddec")").string() == "\xF0\x9F\xA7\xAC");
  CHECK(*json::parse(R"("\uD83D\uDE00")").string() == "\xF0\x9F\x98\x80");
}

TEST_CASE("json: the writer's strings read back as written", "[json]") {
  const std::string s = "\"\\/\b\f\n\r\t\x01\x1f\x7f \xC3\xA9 \xF0\x9F\xA7\xAC";
  CHECK(*json::parse(json::quote(s)).string() == s);
}

TEST_CASE("json: bad unicode escapes are parse errors, never another exception",
          "[json][negative]") {
  CHECK(contains(error_of(R"("\uzzzz")"), "JSON: "));
  CHECK(contains(error_of(R"("\uzzzz")"), "must be followed by 4 hex digits"));
  CHECK(contains(error_of(R"("\u12zz")"), "must be followed by 4 hex digits"));
  CHECK(contains(error_of(R"("\u12")"), "must be followed by 4 hex digits"));
  CHECK(contains(error_of(R"({"dose": "\uzzzz"})"), "line 1, column"));
}

TEST_CASE("json: lone and misordered surrogates are parse errors", "[json][negative]") {
  CHECK(contains(error_of(R"("\ud800")"), "surrogate"));
  CHECK(contains(error_of(R"("\ud800x")"), "surrogate"));
  CHECK(contains(error_of(R"("\ud800\u0041")"), "surrogate"));
  CHECK(contains(error_of(R"("\udc00")"), "surrogate"));
  CHECK(contains(error_of(R"("\udc00\ud800")"), "surrogate"));
}

TEST_CASE("json: bytes that are not UTF-8 and raw control characters are parse errors",
          "[json][negative]") {
  CHECK(contains(error_of("\"\xff\""), "UTF-8"));
  CHECK(contains(error_of("\"\xed\xa0\x80\""), "UTF-8"));  // an encoded surrogate
  CHECK(contains(error_of("\"a\nb\""), "control character"));
}

TEST_CASE("json: numbers a double cannot hold are parse errors", "[json][negative]") {
  CHECK(contains(error_of("1e99999999999"), "number overflow"));
  CHECK(contains(error_of("[-1e99999999999]"), "number overflow"));
  CHECK(contains(error_of(R"({"seq": 1e400})"), "number overflow"));
  CHECK(contains(error_of("01"), "syntax error"));
  CHECK(contains(error_of("1."), "syntax error"));
  CHECK(contains(error_of("NaN"), "syntax error"));
}

TEST_CASE("json: deep nesting is refused, not a stack overflow", "[json][negative]") {
  CHECK(contains(error_of(std::string(100000, '[')), "nesting deeper than 64 levels"));
  CHECK(contains(error_of(std::string(100000, '[') + std::string(100000, ']')),
                 "nesting deeper than 64 levels"));
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  CHECK(contains(error_of(objects), "nesting deeper than 64 levels"));
  // 64 levels are fine.
  CHECK_NOTHROW(json::parse(std::string(64, '[') + std::string(64, ']')));
}

TEST_CASE("json: a key twice in one object is refused", "[json][negative]") {
  CHECK(error_of(R"({"a": 1, "a": 2})") == R"(JSON: the key "a" appears twice in one object)");
  CHECK(contains(error_of(R"({"x": {"version": 1, "b": 0, "version": 2}})"),
                 R"("version" appears twice)"));
  CHECK(contains(error_of(R"([{"k": 1}, {"k": 2, "k": 3}])"), R"("k" appears twice)"));
  // The same key in different objects is fine.
  CHECK_NOTHROW(json::parse(R"({"k": {"k": 1}, "o": [{"k": 1}, {"k": 2}]})"));
}

TEST_CASE("json: text after the document, or an incomplete one, is refused", "[json][negative]") {
  CHECK(contains(error_of("{} x"), "syntax error"));
  CHECK(contains(error_of("{}{}"), "syntax error"));
  CHECK(contains(error_of("[1] ,"), "syntax error"));
  CHECK(contains(error_of(""), "syntax error"));
  CHECK(contains(error_of(R"({"a": )"), "syntax error"));
  CHECK(contains(error_of(R"("abc)"), "syntax error"));
  CHECK(contains(error_of(R"({"a" 1})"), "syntax error"));
  CHECK(contains(error_of(R"([1,])"), "syntax error"));
}
