// A minimal streaming JSON writer: enough for dosegate's reports, with correct string escaping.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace dosegate::json {

std::string quote(std::string_view s);  // a JSON string literal, escaped

class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}
  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  Writer& key(std::string_view k);
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(long long n);
  Writer& value(bool b);
  Writer& null();
  // A key followed by a string value.
  Writer& field(std::string_view k, std::string_view v) { return key(k).value(v); }

 private:
  void separate();
  void newline();
  std::ostream& out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace dosegate::json
