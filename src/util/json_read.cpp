#include "util/json_read.hpp"

#include <cstdlib>
#include <stdexcept>

namespace dosegate::json {
namespace {

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Value document() {
    Value v = value(0);
    space();
    if (p_ != s_.size()) fail("unexpected text after the document");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at byte " + std::to_string(p_));
  }
  void space() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\r' || s_[p_] == '\t'))
      ++p_;
  }
  bool eat(char c) {
    space();
    if (p_ < s_.size() && s_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail(std::string("expected '") + c + "'");
  }

  Value value(int depth) {
    if (depth > 32) fail("nesting too deep");
    space();
    if (p_ >= s_.size()) fail("unexpected end");
    const char c = s_[p_];
    if (c == '{') {
      ++p_;
      auto obj = std::make_shared<Value::Object>();
      if (!eat('}')) {
        do {
          space();
          if (p_ >= s_.size() || s_[p_] != '"') fail("expected a key");
          std::string key = string();
          expect(':');
          (*obj)[key] = value(depth + 1);
        } while (eat(','));
        expect('}');
      }
      return Value{obj};
    }
    if (c == '[') {
      ++p_;
      auto arr = std::make_shared<Value::Array>();
      if (!eat(']')) {
        do arr->push_back(value(depth + 1));
        while (eat(','));
        expect(']');
      }
      return Value{arr};
    }
    if (c == '"') return Value{string()};
    if (s_.substr(p_, 4) == "true") return p_ += 4, Value{true};
    if (s_.substr(p_, 5) == "false") return p_ += 5, Value{false};
    if (s_.substr(p_, 4) == "null") return p_ += 4, Value{nullptr};
    const std::size_t start = p_;
    while (p_ < s_.size() &&
           (std::string_view("+-.eE0123456789").find(s_[p_]) != std::string_view::npos))
      ++p_;
    if (start == p_) fail("unexpected character");
    const std::string num(s_.substr(start, p_ - start));
    char* end = nullptr;
    const double d = std::strtod(num.c_str(), &end);
    if (end != num.c_str() + num.size()) fail("bad number");
    return Value{d};
  }

  std::string string() {
    ++p_;  // opening quote
    std::string out;
    while (p_ < s_.size() && s_[p_] != '"') {
      char c = s_[p_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ >= s_.size()) fail("unterminated escape");
      const char e = s_[p_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (p_ + 4 > s_.size()) fail("short \\u escape");
          const unsigned cp =
              static_cast<unsigned>(std::stoul(std::string(s_.substr(p_, 4)), nullptr, 16));
          p_ += 4;
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: fail("bad escape");
      }
    }
    if (p_ >= s_.size()) fail("unterminated string");
    ++p_;
    return out;
  }

  std::string_view s_;
  std::size_t p_ = 0;
};

}  // namespace

const Value* Value::get(const std::string& key) const {
  const auto* o = std::get_if<std::shared_ptr<Object>>(&v);
  if (!o) return nullptr;
  const auto it = (*o)->find(key);
  return it == (*o)->end() ? nullptr : &it->second;
}
const Value::Array* Value::array() const {
  const auto* a = std::get_if<std::shared_ptr<Array>>(&v);
  return a ? a->get() : nullptr;
}
std::optional<std::string> Value::string() const {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}
std::optional<double> Value::number() const {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}
std::string Value::text(const std::string& key) const {
  const Value* x = get(key);
  return x && x->string() ? *x->string() : "";
}

Value parse(std::string_view text) {
  return Reader(text).document();
}

}  // namespace dosegate::json
