// A small, strict JSON reader for the documents dosegate writes itself (release-data.json).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dosegate::json {

struct Value {
  using Array = std::vector<Value>;
  using Object = std::map<std::string, Value>;
  std::variant<std::nullptr_t, bool, double, std::string, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v;

  const Value* get(const std::string& key) const;  // nullptr unless an object with that key
  const Array* array() const;
  std::optional<std::string> string() const;
  std::optional<double> number() const;
  // get(key)->string(), or "" when absent or not a string.
  std::string text(const std::string& key) const;
};

// Throws std::runtime_error with the byte offset on malformed input.
Value parse(std::string_view text);

}  // namespace dosegate::json
