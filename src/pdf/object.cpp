#include "pdf/object.hpp"

#include <charconv>
#include <cstdio>
#include <set>

namespace dosegate::pdf {
namespace {

bool is_white(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool is_delim(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
         c == '}' || c == '/' || c == '%';
}
bool is_regular(char c) {
  return !is_white(c) && !is_delim(c);
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Parser {
 public:
  Parser(std::string_view b, std::size_t pos) : b_(b), pos_(pos) {}

  [[noreturn]] void fail(const std::string& what) const { throw ParseError{what, pos_}; }

  void skip_space() {
    while (pos_ < b_.size()) {
      if (is_white(b_[pos_])) {
        ++pos_;
      } else if (b_[pos_] == '%') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  std::string_view keyword() {
    skip_space();
    const std::size_t start = pos_;
    while (pos_ < b_.size() && is_regular(b_[pos_])) ++pos_;
    return b_.substr(start, pos_ - start);
  }

  void expect(std::string_view word) {
    if (keyword() != word) fail("expected '" + std::string(word) + "'");
  }

  Object parse() {
    // dosegate's records nest a few levels deep; a crafted file must not exhaust the stack.
    if (++depth_ > 64) fail("objects nested more than 64 deep");
    struct Leave {
      int& d;
      ~Leave() { --d; }
    } leave{depth_};
    skip_space();
    if (pos_ >= b_.size()) fail("unexpected end of file");
    const char c = b_[pos_];
    if (c == '/') return parse_name();
    if (c == '(') return parse_literal();
    if (c == '[') {
      ++pos_;
      Array a;
      while (true) {
        skip_space();
        if (pos_ >= b_.size()) fail("unterminated array");
        if (b_[pos_] == ']') {
          ++pos_;
          return Object::array(std::move(a));
        }
        a.push_back(parse());
      }
    }
    if (c == '<') {
      if (pos_ + 1 < b_.size() && b_[pos_ + 1] == '<') {
        pos_ += 2;
        Dict d;
        while (true) {
          skip_space();
          if (pos_ + 1 < b_.size() && b_[pos_] == '>' && b_[pos_ + 1] == '>') {
            pos_ += 2;
            return Object::dict(std::move(d));
          }
          if (pos_ >= b_.size() || b_[pos_] != '/') fail("dictionary key is not a name");
          auto key = parse_name();
          d.emplace_back(std::get<Name>(key.value).value, parse());
        }
      }
      return parse_hex();
    }
    if (c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9')) return parse_number_or_ref();
    const auto word = keyword();
    if (word == "true") return Object(true);
    if (word == "false") return Object(false);
    if (word == "null") return Object(Null{});
    fail("unexpected token '" + std::string(word) + "'");
  }

  std::size_t pos() const { return pos_; }
  void set_pos(std::size_t p) { pos_ = p; }

 private:
  Object parse_name() {
    ++pos_;
    std::string out;
    while (pos_ < b_.size() && is_regular(b_[pos_])) {
      if (b_[pos_] == '#' && pos_ + 2 < b_.size() && hex_value(b_[pos_ + 1]) >= 0 &&
          hex_value(b_[pos_ + 2]) >= 0) {
        out += static_cast<char>(hex_value(b_[pos_ + 1]) * 16 + hex_value(b_[pos_ + 2]));
        pos_ += 3;
      } else {
        out += b_[pos_++];
      }
    }
    return Object(Name{out});
  }

  Object parse_literal() {
    ++pos_;
    std::string out;
    int depth = 1;
    while (pos_ < b_.size()) {
      char c = b_[pos_++];
      if (c == '\\') {
        if (pos_ >= b_.size()) break;
        char e = b_[pos_++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case '\r':
            if (pos_ < b_.size() && b_[pos_] == '\n') ++pos_;
            break;
          case '\n': break;
          default:
            if (e >= '0' && e <= '7') {
              int v = e - '0';
              for (int k = 0; k < 2 && pos_ < b_.size() && b_[pos_] >= '0' && b_[pos_] <= '7'; ++k)
                v = v * 8 + (b_[pos_++] - '0');
              out += static_cast<char>(v & 0xff);
            } else {
              out += e;
            }
        }
      } else if (c == '(') {
        ++depth;
        out += c;
      } else if (c == ')') {
        if (--depth == 0) return Object(String{out, false});
        out += c;
      } else {
        out += c;
      }
    }
    fail("unterminated string");
  }

  Object parse_hex() {
    ++pos_;
    std::string out;
    int high = -1;
    while (pos_ < b_.size() && b_[pos_] != '>') {
      const char c = b_[pos_++];
      if (is_white(c)) continue;
      const int v = hex_value(c);
      if (v < 0) fail("bad hex string");
      if (high < 0) {
        high = v;
      } else {
        out += static_cast<char>(high * 16 + v);
        high = -1;
      }
    }
    if (pos_ >= b_.size()) fail("unterminated hex string");
    ++pos_;
    if (high >= 0) out += static_cast<char>(high * 16);
    return Object(String{out, true});
  }

  Object parse_number_or_ref() {
    const auto word = keyword();
    long long n = 0;
    auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
    if (ec == std::errc() && p == word.data() + word.size()) {
      // "num gen R" is a reference.
      const std::size_t save = pos_;
      const auto gen_word = keyword();
      long long g = 0;
      auto [p2, ec2] = std::from_chars(gen_word.data(), gen_word.data() + gen_word.size(), g);
      if (ec2 == std::errc() && p2 == gen_word.data() + gen_word.size() && !gen_word.empty()) {
        if (keyword() == "R") return Object(Ref{static_cast<int>(n), static_cast<int>(g)});
      }
      pos_ = save;
      return Object(n);
    }
    double d = 0;
    try {
      d = std::stod(std::string(word));
    } catch (...) {
      fail("bad number '" + std::string(word) + "'");
    }
    return Object(d);
  }

  std::string_view b_;
  std::size_t pos_;
  int depth_ = 0;
};

void serialize_into(const Object& o, std::string& out) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, long long>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.4f", v);
          out += buf;
        } else if constexpr (std::is_same_v<T, Name>) {
          out += '/';
          for (unsigned char c : v.value) {
            if (c < 0x21 || c > 0x7e || c == '#' || is_delim(static_cast<char>(c))) {
              char buf[4];
              std::snprintf(buf, sizeof buf, "#%02X", c);
              out += buf;
            } else {
              out += static_cast<char>(c);
            }
          }
        } else if constexpr (std::is_same_v<T, String>) {
          if (v.hex) {
            static const char* hex = "0123456789ABCDEF";
            out += '<';
            for (unsigned char c : v.bytes) {
              out += hex[c >> 4];
              out += hex[c & 15];
            }
            out += '>';
          } else {
            out += '(';
            for (unsigned char c : v.bytes) {
              if (c == '(' || c == ')' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
              } else if (c < 0x20 || c > 0x7e) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\%03o", c);
                out += buf;
              } else {
                out += static_cast<char>(c);
              }
            }
            out += ')';
          }
        } else if constexpr (std::is_same_v<T, Ref>) {
          out += std::to_string(v.num) + " " + std::to_string(v.gen) + " R";
        } else if constexpr (std::is_same_v<T, std::shared_ptr<Array>>) {
          out += '[';
          for (std::size_t i = 0; i < v->size(); ++i) {
            if (i) out += ' ';
            serialize_into((*v)[i], out);
          }
          out += ']';
        } else {
          out += "<<";
          for (const auto& [k, val] : *v) {
            serialize_into(Object(Name{k}), out);
            out += ' ';
            serialize_into(val, out);
            out += '\n';
          }
          out += ">>";
        }
      },
      o.value);
}

}  // namespace

const Dict* Object::as_dict() const {
  auto p = std::get_if<std::shared_ptr<Dict>>(&value);
  return p ? p->get() : nullptr;
}
const Array* Object::as_array() const {
  auto p = std::get_if<std::shared_ptr<Array>>(&value);
  return p ? p->get() : nullptr;
}
const Name* Object::as_name() const {
  return std::get_if<Name>(&value);
}
const String* Object::as_string() const {
  return std::get_if<String>(&value);
}
const Ref* Object::as_ref() const {
  return std::get_if<Ref>(&value);
}
std::optional<long long> Object::as_int() const {
  if (auto p = std::get_if<long long>(&value)) return *p;
  return std::nullopt;
}
const Object* Object::get(std::string_view key) const {
  const Dict* d = as_dict();
  if (!d) return nullptr;
  for (const auto& [k, v] : *d)
    if (k == key) return &v;
  return nullptr;
}

std::string serialize(const Object& o) {
  std::string out;
  serialize_into(o, out);
  return out;
}

Document::Document(std::string_view bytes) : bytes_(bytes) {
  if (bytes_.substr(0, 5) != "%PDF-") throw ParseError{"not a PDF file (no %PDF- header)", 0};
  const auto tail_start = bytes_.size() > 1024 ? bytes_.size() - 1024 : 0;
  const auto sx = bytes_.rfind("startxref");
  if (sx == std::string_view::npos || sx < tail_start)
    throw ParseError{"no startxref near the end of the file", bytes_.size()};
  Parser p(bytes_, sx + 9);
  auto off = p.parse().as_int();
  if (!off || *off < 0 || static_cast<std::size_t>(*off) >= bytes_.size())
    throw ParseError{"startxref points outside the file", sx};
  std::size_t eof = p.pos();
  while (eof < bytes_.size() && is_white(bytes_[eof])) ++eof;
  if (bytes_.substr(eof, 5) != "%%EOF") throw ParseError{"no %%EOF after startxref", eof};
  startxref_ = static_cast<std::size_t>(*off);
  read_xref(startxref_, true);
}

void Document::read_xref(std::size_t offset, bool newest) {
  std::set<std::size_t> seen;
  while (true) {
    if (!seen.insert(offset).second) throw ParseError{"cross-reference chain loops", offset};
    if (++revisions_ > 64) throw ParseError{"too many revisions", offset};
    Parser p(bytes_, offset);
    if (p.keyword() != "xref")
      throw ParseError{
          "no cross-reference table at its offset (cross-reference streams are not "
          "supported)",
          offset};
    while (true) {
      const std::size_t save = p.pos();
      const auto first_word = p.keyword();
      if (first_word == "trailer") break;
      long long first = 0, count = 0;
      auto r1 = std::from_chars(first_word.data(), first_word.data() + first_word.size(), first);
      const auto count_word = p.keyword();
      auto r2 = std::from_chars(count_word.data(), count_word.data() + count_word.size(), count);
      if (r1.ec != std::errc() || r2.ec != std::errc() || first < 0 || count < 0 || count > 1000000)
        throw ParseError{"bad cross-reference subsection header", save};
      p.skip_space();
      std::size_t pos = p.pos();
      for (long long i = 0; i < count; ++i) {
        if (pos + 20 > bytes_.size()) throw ParseError{"truncated cross-reference table", pos};
        const auto entry = bytes_.substr(pos, 20);
        long long off = 0;
        std::from_chars(entry.data(), entry.data() + 10, off);
        const int num = static_cast<int>(first + i);
        if (entry[17] == 'n' && !offsets_.count(num)) offsets_[num] = static_cast<std::size_t>(off);
        if (entry[17] == 'f' && !offsets_.count(num)) offsets_[num] = 0;
        pos += 20;
      }
      p.set_pos(pos);
    }
    const auto trailer = p.parse();
    if (!trailer.as_dict()) throw ParseError{"trailer is not a dictionary", p.pos()};
    if (newest) {
      trailer_ = *trailer.as_dict();
      if (auto s = trailer.get("Size"); s && s->as_int()) size_ = static_cast<int>(*s->as_int());
      newest = false;
    }
    const auto* prev = trailer.get("Prev");
    if (!prev) break;
    auto prev_off = prev->as_int();
    if (!prev_off || *prev_off < 0 || static_cast<std::size_t>(*prev_off) >= bytes_.size())
      throw ParseError{"/Prev points outside the file", p.pos()};
    offset = static_cast<std::size_t>(*prev_off);
  }
}

std::size_t Document::offset_of(int num) const {
  const auto it = offsets_.find(num);
  if (it == offsets_.end() || it->second == 0)
    throw ParseError{"object " + std::to_string(num) + " is not in the cross-reference table", 0};
  return it->second;
}

Object Document::load(int num, std::string* stream) const {
  const std::size_t off = offset_of(num);
  Parser p(bytes_, off);
  const auto n = p.parse().as_int();
  p.parse();  // generation
  if (!n || *n != num || p.keyword() != "obj")
    throw ParseError{"object " + std::to_string(num) +
                         " is not where the cross-reference table "
                         "says",
                     off};
  auto obj = p.parse();
  const std::size_t after = p.pos();
  Parser q(bytes_, after);
  const auto word = q.keyword();
  if (word == "stream") {
    std::size_t data = q.pos();
    if (data < bytes_.size() && bytes_[data] == '\r') ++data;
    if (data < bytes_.size() && bytes_[data] == '\n') ++data;
    const auto* len_obj = obj.get("Length");
    if (!len_obj) throw ParseError{"stream without /Length", after};
    const auto len = resolve(*len_obj).as_int();
    if (!len || *len < 0 || data + static_cast<std::size_t>(*len) > bytes_.size())
      throw ParseError{"stream /Length runs past the end of the file", after};
    if (stream) *stream = std::string(bytes_.substr(data, static_cast<std::size_t>(*len)));
    Parser e(bytes_, data + static_cast<std::size_t>(*len));
    if (e.keyword() != "endstream") throw ParseError{"stream not followed by endstream", data};
  } else if (word != "endobj") {
    throw ParseError{"object " + std::to_string(num) + " not closed by endobj", after};
  }
  return obj;
}

Object Document::resolve(const Object& o) const {
  if (const auto* r = o.as_ref()) return load(r->num);
  return o;
}

std::string indirect_object(int num, const std::string& body) {
  return std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
}

std::string xref_section(const std::map<int, std::size_t>& offsets) {
  std::string out = "xref\n";
  for (auto it = offsets.begin(); it != offsets.end();) {
    auto run_end = it;
    int count = 0;
    while (run_end != offsets.end() && run_end->first == it->first + count) {
      ++run_end;
      ++count;
    }
    out += std::to_string(it->first) + " " + std::to_string(count) + "\n";
    for (; it != run_end; ++it) {
      char entry[24];
      std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", it->second);
      out += entry;
    }
  }
  return out;
}

}  // namespace dosegate::pdf
