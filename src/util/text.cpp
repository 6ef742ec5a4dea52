#include "util/text.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dosegate/error.hpp"

namespace dosegate::text {
namespace {
bool is_xml_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
}  // namespace

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string collapse(std::string_view s) {
  std::string out;
  bool pending_space = false;
  for (char c : trim(s)) {
    if (is_xml_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 1;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 2;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  for (std::size_t k = 1; k <= n; ++k) {
    if (i + k >= s.size()) return 0;
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
  if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return n + 1;
}

std::size_t find_invalid_utf8(std::string_view s) {
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {  // ASCII, most of any document
      ++i;
      continue;
    }
    const std::size_t n = decode_utf8(s, i, cp);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string utf16be(std::string_view utf8) {
  std::string out;
  auto unit = [&](char32_t u) {
    out += static_cast<char>((u >> 8) & 0xFF);
    out += static_cast<char>(u & 0xFF);
  };
  char32_t cp = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    std::size_t n = decode_utf8(utf8, i, cp);
    if (n == 0) cp = 0xFFFD, n = 1;  // one replacement character per invalid byte
    i += n;
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return out;
}

std::size_t display_width(std::string_view utf8) {
  std::size_t n = 0;
  for (char c : utf8)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string abbreviate(std::string_view utf8, std::size_t width) {
  if (display_width(utf8) <= width) return std::string(utf8);
  if (width == 0) return "";
  std::size_t kept = 0, end = 0;
  for (; end < utf8.size(); ++end)
    if ((static_cast<unsigned char>(utf8[end]) & 0xC0) != 0x80 && kept++ == width - 1) break;
  return std::string(utf8.substr(0, end)) + "\u2026";
}

std::string quoted(std::string_view s, std::size_t max) {
  if (s.size() <= max) return "'" + std::string(s) + "'";
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(s.substr(0, cut)) + "...' (" + std::to_string(display_width(s)) +
         " characters)";
}

std::string escape_controls(std::string_view s, bool keep_newlines) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto unsafe = [](char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x2028 || cp == 0x2029;
  };
  // Printable ASCII, what almost every cell of a report holds, needs no escape.
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; }))
    return std::string(s);
  std::string out;
  out.reserve(s.size());
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decode_utf8(s, i, cp);
    if (n == 0 || (n == 1 && unsafe(cp) && !(keep_newlines && cp == '\n'))) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xF];
      ++i;
      continue;
    }
    if (n > 1 && unsafe(cp)) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xF];
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string read_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw IoError(path + ": cannot read: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw IoError(path + ": cannot read: it is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw IoError(path + ": read error");
  return std::move(buf).str();
}

}  // namespace dosegate::text
