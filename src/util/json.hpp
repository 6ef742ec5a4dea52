// A minimal streaming JSON writer: enough for dosegate's reports, with correct string escaping.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace dosegate::json {

// A JSON string literal: the one place dosegate escapes strings for JSON (the Writer and the
// ledger's hashed payload both use it). It escapes '"', '\\', \n, \r, \t and other bytes
// below 0x20 as \u00xx (so \b and \f too), and copies every other byte as it is, DEL and
// bytes that are not UTF-8 included. nlohmann-json's dump() is not used for this: it writes \b
// and \f in their short forms and throws on bytes that are not UTF-8, and these bytes are
// hashed and signed in existing ledgers and records (tests/ledger_entry_test.cpp and
// tests/release_data_test.cpp pin them).
std::string quote(std::string_view s);
// quote(s) appended to `out`.
void append_quoted(std::string& out, std::string_view s);

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
