// The only code that includes nlohmann-json. It replaced a hand-written parser that let
// std::stoul's exception out of a bad \u escape, accepted "\u12zz", wrote surrogate pairs as
// invalid UTF-8 and took huge exponents as infinity. nlohmann-json is widely used, well
// maintained, continuously fuzzed (OSS-Fuzz) and packaged by Debian (nlohmann-json3-dev).
#include "util/json_read.hpp"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace dosegate::json {
namespace {

using nlohmann::json;

// nlohmann's what() starts with "[json.exception.parse_error.101] "; users need the rest.
std::string reason(const json::exception& e) {
  std::string s = e.what();
  if (!s.empty() && s[0] == '[') {
    const auto end = s.find("] ");
    if (end != std::string::npos) s.erase(0, end + 2);
  }
  return "JSON: " + s;
}

Value convert(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return Value{nullptr};
    case json::value_t::boolean: return Value{j.get<bool>()};
    case json::value_t::number_integer: return Value{j.get<long long>()};
    case json::value_t::number_unsigned: {
      const auto u = j.get<unsigned long long>();
      if (u <= static_cast<unsigned long long>(std::numeric_limits<long long>::max()))
        return Value{static_cast<long long>(u)};
      return Value{static_cast<double>(u)};
    }
    case json::value_t::number_float: return Value{j.get<double>()};
    case json::value_t::string: return Value{j.get<std::string>()};
    case json::value_t::array: {
      auto a = std::make_shared<Value::Array>();
      a->reserve(j.size());
      for (const auto& x : j) a->push_back(convert(x));
      return Value{a};
    }
    case json::value_t::object: {
      auto o = std::make_shared<Value::Object>();
      for (const auto& [k, x] : j.items()) o->emplace(k, convert(x));
      return Value{o};
    }
    case json::value_t::binary:
    case json::value_t::discarded: break;
  }
  throw ParseError("JSON: unexpected value");
}

}  // namespace

const Value* Value::get(const std::string& key) const {
  const auto* o = object();
  if (!o) return nullptr;
  const auto it = o->find(key);
  return it == o->end() ? nullptr : &it->second;
}
const Value::Array* Value::array() const {
  const auto* a = std::get_if<std::shared_ptr<Array>>(&v);
  return a ? a->get() : nullptr;
}
const Value::Object* Value::object() const {
  const auto* o = std::get_if<std::shared_ptr<Object>>(&v);
  return o ? o->get() : nullptr;
}
std::optional<std::string> Value::string() const {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}
std::optional<double> Value::number() const {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<long long>(&v)) return static_cast<double>(*i);
  return std::nullopt;
}
std::optional<long long> Value::integer() const {
  if (const auto* i = std::get_if<long long>(&v)) return *i;
  return std::nullopt;
}
std::optional<bool> Value::boolean() const {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::nullopt;
}
const char* Value::type_name() const {
  static constexpr const char* kNames[] = {"null",   "boolean", "integer", "number",
                                           "string", "array",   "object"};
  return kNames[v.index()];
}
std::string Value::text(const std::string& key) const {
  const Value* x = get(key);
  return x && x->string() ? *x->string() : "";
}

Value parse(std::string_view text) {
  // One set of keys per open object, to refuse a key seen twice; the parser calls back for
  // every key before its value, and for every container's start and end.
  std::vector<std::set<std::string>> keys;
  const json::parser_callback_t check = [&keys](int depth, json::parse_event_t event,
                                                json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxDepth)
          throw ParseError("JSON: nesting deeper than " + std::to_string(kMaxDepth) + " levels");
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end: keys.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second)
          throw ParseError("JSON: the key \"" + parsed.get<std::string>() +
                           "\" appears twice in one object");
        break;
      case json::parse_event_t::array_end:
      case json::parse_event_t::value: break;
    }
    return true;
  };
  try {
    return convert(json::parse(text.begin(), text.end(), check));
  } catch (const json::exception& e) {
    throw ParseError(reason(e));
  }
}

}  // namespace dosegate::json
