// A strict JSON reader for the documents dosegate writes itself (release-data.json). The
// parsing is nlohmann-json's (src/util/json_read.cpp is the only code that includes it); this
// header gives the rest of dosegate a small value type that does not expose the library.
//
// Stricter than RFC 8259 where our formats need it: an object with the same key twice is
// refused (a reader that kept the first and one that kept the last would see different
// documents), nesting is limited to kMaxDepth, and numbers must be finite doubles.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dosegate::json {

inline constexpr int kMaxDepth = 64;  // nested arrays and objects

// The only exception parse() throws (besides std::bad_alloc). what() is "JSON: " and the
// reason, with the line and column where the text says where.
class ParseError : public std::runtime_error {
 public:
  explicit ParseError(const std::string& message) : std::runtime_error(message) {}
};

struct Value {
  using Array = std::vector<Value>;
  using Object = std::map<std::string, Value>;
  // Integers that fit a long long are kept exact; other numbers are doubles.
  std::variant<std::nullptr_t, bool, long long, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v;

  const Value* get(const std::string& key) const;  // nullptr unless an object with that key
  const Array* array() const;                      // nullptr unless an array
  const Object* object() const;                    // nullptr unless an object
  std::optional<std::string> string() const;
  std::optional<double> number() const;      // an integer or a double
  std::optional<long long> integer() const;  // an integer written without fraction/exponent
  std::optional<bool> boolean() const;
  // "null", "boolean", "integer", "number", "string", "array" or "object", for messages.
  const char* type_name() const;
  // get(key)->string(), or "" when absent or not a string.
  std::string text(const std::string& key) const;
};

// Parses one complete document (whitespace around it allowed, nothing else). Strings must be
// valid UTF-8 and \u escapes valid UTF-16 (surrogates only in pairs). Throws ParseError.
Value parse(std::string_view text);

}  // namespace dosegate::json
