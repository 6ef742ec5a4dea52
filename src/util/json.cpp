#include "util/json.hpp"

#include <cstdio>

namespace dosegate::json {

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

void Writer::newline() {
  out_ << '\n';
  for (std::size_t i = 0; i < first_.size(); ++i) out_ << "  ";
}

void Writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ << ',';
    first_.back() = false;
    newline();
  }
}

Writer& Writer::begin_object() {
  separate();
  out_ << '{';
  first_.push_back(true);
  return *this;
}

Writer& Writer::end_object() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ << '}';
  if (first_.empty()) out_ << '\n';
  return *this;
}

Writer& Writer::begin_array() {
  separate();
  out_ << '[';
  first_.push_back(true);
  return *this;
}

Writer& Writer::end_array() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  out_ << ']';
  return *this;
}

Writer& Writer::key(std::string_view k) {
  separate();
  out_ << quote(k) << ": ";
  after_key_ = true;
  return *this;
}

Writer& Writer::value(std::string_view s) {
  separate();
  out_ << quote(s);
  return *this;
}

Writer& Writer::value(long long n) {
  separate();
  out_ << n;
  return *this;
}

Writer& Writer::value(bool b) {
  separate();
  out_ << (b ? "true" : "false");
  return *this;
}

Writer& Writer::null() {
  separate();
  out_ << "null";
  return *this;
}

}  // namespace dosegate::json
