// How an entry's fields become database columns, for every back end (SQLite in
// src/ledger/ledger.cpp, PostgreSQL in src/ledger_pg/): the column list comes from kEntryFields
// (fields.hpp), then the stored payload and the signature; the lists (divisions, records) are
// stored as text, the same text in every back end, so that a migrated ledger holds the same
// bytes as its source.
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/fields.hpp"

namespace dosegate::ledger::columns {

// The columns every reading selects, in kEntryFields' order, then signature and payload.
inline std::string selected() {
  std::string sql;
  for (const auto& field : kEntryFields) sql += std::string(field.name) + ", ";
  return sql + "signature, payload, crls";
}

// The columns an INSERT names, in kEntryFields' order, then payload and signature.
inline std::string inserted() {
  std::string sql;
  for (const auto& field : kEntryFields) sql += std::string(field.name) + ", ";
  return sql + "payload, signature, crls";
}

inline std::string join_divisions(const std::vector<std::string>& d) {
  std::string out;
  for (const auto& x : d) out += (out.empty() ? "" : " ") + x;
  return out;
}

inline std::string records_text(const std::vector<RecordRef>& r) {
  std::string out;
  for (const auto& x : r) out += (out.empty() ? "" : "\n") + x.sha256 + "  " + x.file;
  return out;
}

inline std::vector<RecordRef> parse_records(const std::string& s) {
  std::vector<RecordRef> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);)
    if (line.size() > 66) out.push_back({line.substr(66), line.substr(0, 64)});
  return out;
}

// The words of `s` (split at what std::isspace calls space in the classic locale) into `out`,
// reusing its strings.
inline void split_divisions_into(const std::string& s, std::vector<std::string>& out) {
  const auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t n = 0;
  for (std::size_t at = 0; at < s.size();) {
    if (space(s[at])) {
      ++at;
      continue;
    }
    std::size_t end = at;
    while (end < s.size() && !space(s[end])) ++end;
    if (n == out.size()) out.emplace_back();
    out[n++].assign(s, at, end - at);
    at = end;
  }
  out.resize(n);
}

// Entry::crls as stored (schema 5): the DER CRLs one after the other (DER says where each
// ends); empty for none.
inline std::string crls_blob(const std::vector<std::string>& crls) {
  std::string out;
  for (const auto& c : crls) out += c;
  return out;
}

// The DER elements of crls_blob's bytes. Bytes that are not a whole DER SEQUENCE end the list
// (whatever they were, they prove nothing: a CRL counts only when its CA's key verifies it).
inline std::vector<std::string> split_crls(std::string_view blob) {
  std::vector<std::string> out;
  while (blob.size() >= 2 && static_cast<unsigned char>(blob[0]) == 0x30) {
    std::size_t len = static_cast<unsigned char>(blob[1]);
    std::size_t head = 2;
    if (len & 0x80) {
      const std::size_t n = len & 0x7f;
      if (n == 0 || n > 4 || blob.size() < 2 + n) break;
      len = 0;
      for (std::size_t i = 0; i < n; ++i)
        len = (len << 8) | static_cast<unsigned char>(blob[2 + i]);
      head += n;
    }
    if (blob.size() - head < len) break;
    out.emplace_back(blob.substr(0, head + len));
    blob.remove_prefix(head + len);
  }
  return out;
}

}  // namespace dosegate::ledger::columns
