#include "util/json.hpp"

#include <cstdio>

namespace dosegate::json {

void append_quoted(std::string& out, std::string_view s) {
  out += '"';
  // Runs of bytes that need no escape are copied at once: the ledger's readers quote every
  // field of every entry.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out.append(s, run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
        out += buf;
      }
    }
  }
  out.append(s, run, s.size() - run);
  out += '"';
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_quoted(out, s);
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
