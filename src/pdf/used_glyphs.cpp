#include "pdf/used_glyphs.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "dosegate/error.hpp"
#include "pdf/flate.hpp"
#include "pdf/object.hpp"

namespace dosegate::pdf {
namespace {

constexpr std::size_t kMaxStream = 64 << 20;  // what a layout's stream may inflate to

// Not a layout of the form this file handles: it is left as it is.
struct NotHandled {};

bool is_flate(const Object& dict) {
  const auto* filter = dict.get("Filter");
  if (!filter) return false;
  if (const auto* name = filter->as_name()) return name->value == "FlateDecode";
  const auto* list = filter->as_array();
  return list && list->size() == 1 && list->front().as_name() &&
         list->front().as_name()->value == "FlateDecode";
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The two-byte codes of every hex string in a content stream that shows text in one Type0
// font with Identity-H encoding, as libharu writes it.
void collect_codes(std::string_view content, std::set<unsigned>& codes) {
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (c == '(') throw NotHandled{};  // a literal string: codes this scan would not see
    if (c != '<') continue;
    if (i + 1 < content.size() && content[i + 1] == '<') {  // a dictionary, not a string
      ++i;
      continue;
    }
    const auto end = content.find('>', i);
    if (end == std::string_view::npos) throw NotHandled{};
    std::string digits;
    for (std::size_t k = i + 1; k < end; ++k)
      if (hex_value(content[k]) >= 0) digits += content[k];
    if (digits.size() % 4 != 0) throw NotHandled{};
    for (std::size_t k = 0; k < digits.size(); k += 4) {
      unsigned code = 0;
      for (std::size_t d = 0; d < 4; ++d)
        code = code * 16 + static_cast<unsigned>(hex_value(digits[k + d]));
      codes.insert(code);
    }
    i = end;
  }
}

// The widths of /W ("c [w1 w2 ...]" and "c_first c_last w" forms), by character code.
std::map<unsigned, Object> widths_of(const Array& w) {
  std::map<unsigned, Object> out;
  for (std::size_t i = 0; i < w.size();) {
    const auto first = w[i].as_int();
    if (!first || *first < 0 || i + 1 >= w.size()) throw NotHandled{};
    if (const auto* list = w[i + 1].as_array()) {
      for (std::size_t k = 0; k < list->size(); ++k)
        out[static_cast<unsigned>(*first) + static_cast<unsigned>(k)] = (*list)[k];
      i += 2;
    } else {
      const auto last = w[i + 1].as_int();
      if (!last || *last < *first || i + 2 >= w.size()) throw NotHandled{};
      for (auto c = *first; c <= *last; ++c) out[static_cast<unsigned>(c)] = w[i + 2];
      i += 3;
    }
  }
  return out;
}

// Big-endian reads and writes in a TrueType program; a read outside it is not a font this
// file handles.
unsigned read_be(std::string_view b, std::size_t at, std::size_t bytes) {
  if (at > b.size() || bytes > b.size() - at) throw NotHandled{};
  unsigned v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}
void write_be(std::string& b, std::size_t at, std::size_t bytes, unsigned v) {
  for (std::size_t i = bytes; i-- > 0; v >>= 8) b[at + i] = static_cast<char>(v & 0xff);
}

std::uint32_t table_checksum(std::string_view table) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < table.size(); i += 4) {
    std::uint32_t word = 0;
    for (std::size_t k = 0; k < 4; ++k)
      word = (word << 8) | (i + k < table.size() ? static_cast<unsigned char>(table[i + k]) : 0u);
    sum += word;
  }
  return sum;
}

// The glyphs that `shown` glyphs are made of: a composite glyph's components, at any depth.
std::set<unsigned> with_components(std::set<unsigned> shown, std::string_view glyf,
                                   std::string_view loca, bool long_offsets, unsigned glyph_count) {
  auto offset = [&](unsigned g) {
    return long_offsets ? read_be(loca, 4 * std::size_t{g}, 4)
                        : 2 * read_be(loca, 2 * std::size_t{g}, 2);
  };
  std::vector<unsigned> todo(shown.begin(), shown.end());
  while (!todo.empty()) {
    const unsigned g = todo.back();
    todo.pop_back();
    if (g >= glyph_count) throw NotHandled{};
    const std::size_t start = offset(g), end = offset(g + 1);
    if (end <= start) continue;                             // no outline
    if ((read_be(glyf, start, 2) & 0x8000) == 0) continue;  // simple: contours of its own
    std::size_t at = start + 10;
    for (unsigned flags = 0x20; flags & 0x20;) {  // MORE_COMPONENTS
      flags = read_be(glyf, at, 2);
      const unsigned component = read_be(glyf, at + 2, 2);
      at += 4 + ((flags & 0x01) ? 4 : 2);                                      // the arguments
      at += (flags & 0x08) ? 2 : (flags & 0x40) ? 4 : (flags & 0x80) ? 8 : 0;  // the scale
      if (shown.insert(component).second) todo.push_back(component);
    }
  }
  return shown;
}

// The TrueType program without glyph names (a version 3 'post' table: PDF readers find glyphs
// through the CIDToGIDMap and text through ToUnicode, never through glyph names) and with the
// horizontal metrics of the glyphs the pages never show set to zero (libharu already left
// their outlines out). Every other table is as it was; the checksums are made again.
std::string trim_font_program(std::string_view ttf, const std::set<unsigned>& shown) {
  if (read_be(ttf, 0, 4) != 0x00010000) throw NotHandled{};
  const unsigned count = read_be(ttf, 4, 2);
  std::vector<std::pair<std::string, std::string>> tables;  // tag, data; in directory order
  std::map<std::string, std::size_t> index;
  for (unsigned i = 0; i < count; ++i) {
    const std::size_t entry = 12 + 16 * std::size_t{i};
    const std::size_t at = read_be(ttf, entry + 8, 4), length = read_be(ttf, entry + 12, 4);
    if (at > ttf.size() || length > ttf.size() - at) throw NotHandled{};
    index[std::string(ttf.substr(entry, 4))] = tables.size();
    tables.emplace_back(ttf.substr(entry, 4), ttf.substr(at, length));
  }
  for (const char* tag : {"head", "hhea", "maxp", "hmtx", "loca", "glyf", "post"})
    if (!index.count(tag)) throw NotHandled{};
  auto table = [&](const char* tag) -> std::string& { return tables[index.at(tag)].second; };

  const unsigned glyph_count = read_be(table("maxp"), 4, 2);
  const unsigned metrics = read_be(table("hhea"), 34, 2);
  const bool long_offsets = read_be(table("head"), 50, 2) == 1;
  std::set<unsigned> kept = shown;
  kept.insert(0);  // .notdef
  kept = with_components(std::move(kept), table("glyf"), table("loca"), long_offsets, glyph_count);
  std::string& hmtx = table("hmtx");
  if (metrics == 0 || metrics > glyph_count ||
      hmtx.size() < 4 * std::size_t{metrics} + 2 * std::size_t{glyph_count - metrics})
    throw NotHandled{};
  for (unsigned g = 0; g < glyph_count; ++g) {
    if (kept.count(g)) continue;
    if (g < metrics)
      write_be(hmtx, 4 * std::size_t{g}, 4, 0);
    else
      write_be(hmtx, 4 * std::size_t{metrics} + 2 * std::size_t{g - metrics}, 2, 0);
  }
  std::string& post = table("post");
  if (post.size() < 32) throw NotHandled{};
  post.resize(32);
  write_be(post, 0, 4, 0x00030000);
  std::string& head = table("head");
  if (head.size() < 54) throw NotHandled{};
  write_be(head, 8, 4, 0);  // checkSumAdjustment, computed last

  std::string out(ttf.substr(0, 12));
  const std::size_t first = 12 + 16 * std::size_t{count};
  std::string data;
  std::size_t head_at = 0;
  for (const auto& [tag, bytes] : tables) {
    if (tag == "head") head_at = first + data.size();
    std::string entry = tag + std::string(12, '\0');
    write_be(entry, 4, 4, table_checksum(bytes));
    write_be(entry, 8, 4, static_cast<unsigned>(first + data.size()));
    write_be(entry, 12, 4, static_cast<unsigned>(bytes.size()));
    out += entry;
    data += bytes;
    data.append((4 - bytes.size() % 4) % 4, '\0');
  }
  out += data;
  write_be(out, head_at + 8, 4, 0xB1B0AFBAu - table_checksum(out));
  return out;
}

// A ToUnicode CMap for the codes shown. libharu writes the codes of its UTF-8 CID fonts as the
// characters' UCS-2 values (Identity-H), but its own ToUnicode stream is an identity CID map
// ("begincidrange"), which is not a ToUnicode map: poppler warns "Invalid 'begincidrange'
// operator in ToUnicode CMap" and guesses. This one maps each code to itself as UTF-16, in
// bfrange runs that stay within one last byte, at most 100 to a block.
std::string to_unicode_cmap(const std::set<unsigned>& codes) {
  std::vector<std::pair<unsigned, unsigned>> runs;
  for (const unsigned c : codes) {
    if (c > 0xFFFF || (c >= 0xD800 && c <= 0xDFFF)) continue;  // not a UCS-2 character
    if (!runs.empty() && runs.back().second + 1 == c && (c & 0xFF) != 0)
      runs.back().second = c;
    else
      runs.emplace_back(c, c);
  }
  const auto hex = [](unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "<%04X>", v);
    return std::string(b);
  };
  std::string out =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  for (std::size_t i = 0; i < runs.size(); i += 100) {
    const std::size_t n = std::min<std::size_t>(100, runs.size() - i);
    out += std::to_string(n) + " beginbfrange\n";
    for (std::size_t j = i; j < i + n; ++j)
      out += hex(runs[j].first) + " " + hex(runs[j].second) + " " + hex(runs[j].first) + "\n";
    out += "endbfrange\n";
  }
  out += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
  return out;
}

std::string object_text(int num, const std::string& body) {
  return std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
}

std::string keep(const std::string& layout) {
  const Document doc(layout);
  if (doc.revision_count() != 1) throw NotHandled{};
  const Object trailer = Object::dict(doc.trailer());
  const auto* root = trailer.get("Root");
  if (!root) throw NotHandled{};
  const Object pages = doc.resolve(*doc.resolve(*root).get("Pages"));
  const auto* kids = pages.get("Kids") ? pages.get("Kids")->as_array() : nullptr;
  if (!kids) throw NotHandled{};

  // Every page shows text in the same single font; collect the codes it shows.
  std::optional<int> font_num;
  std::set<unsigned> codes;
  for (const auto& kid : *kids) {
    const Object page = doc.resolve(kid);
    const Object resources = doc.resolve(*page.get("Resources"));
    const auto* fonts_ref = resources.get("Font");
    if (!fonts_ref) continue;
    const Object fonts = doc.resolve(*fonts_ref);
    if (!fonts.as_dict() || fonts.as_dict()->size() != 1) throw NotHandled{};
    const auto* ref = fonts.as_dict()->front().second.as_ref();
    if (!ref || (font_num && *font_num != ref->num)) throw NotHandled{};
    font_num = ref->num;
    Array contents;
    if (const auto* c = page.get("Contents")) {
      if (const auto* list = c->as_array())
        contents = *list;
      else
        contents.push_back(*c);
    }
    for (const auto& c : contents) {
      const auto* r = c.as_ref();
      if (!r) throw NotHandled{};
      std::string data;
      const Object stream = doc.load(r->num, &data);
      collect_codes(is_flate(stream) ? inflate(data, kMaxStream) : data, codes);
    }
  }
  if (!font_num) throw NotHandled{};
  const Object font = doc.load(*font_num);
  const auto* subtype = font.get("Subtype");
  const auto* descendants = font.get("DescendantFonts");
  if (!subtype || !subtype->as_name() || subtype->as_name()->value != "Type0" || !descendants ||
      !descendants->as_array() || descendants->as_array()->size() != 1 ||
      !descendants->as_array()->front().as_ref())
    throw NotHandled{};
  const int cid_num = descendants->as_array()->front().as_ref()->num;
  const Object cid_font = doc.load(cid_num);
  const auto* w = cid_font.get("W");
  const auto* map_ref = cid_font.get("CIDToGIDMap");
  if (!w || !w->as_array() || !map_ref || !map_ref->as_ref()) throw NotHandled{};
  const int map_num = map_ref->as_ref()->num;
  std::string map_data;
  const Object map_stream = doc.load(map_num, &map_data);
  if (!is_flate(map_stream)) throw NotHandled{};
  const std::string map = inflate(map_data, kMaxStream);
  if (!map_stream.get("Length")) throw NotHandled{};

  // The widths of the codes shown, in runs of consecutive codes: "c [w1 w2 ...]".
  const auto all = widths_of(*w->as_array());
  Array kept;
  for (auto it = codes.begin(); it != codes.end();) {
    if (!all.count(*it)) {  // the font's default width (/DW) applies, as before
      ++it;
      continue;
    }
    const unsigned first = *it;
    Array run;
    for (unsigned next = first; it != codes.end() && *it == next && all.count(next); ++it, ++next)
      run.push_back(all.at(next));
    kept.push_back(Object(static_cast<long long>(first)));
    kept.push_back(Object::array(std::move(run)));
  }
  // The map of the codes shown (two bytes, the glyph index, per code); every other code maps
  // to glyph 0, as codes beyond the end of a map do.
  const unsigned last = codes.empty() ? 0 : *codes.rbegin();
  std::string cut(2 * (static_cast<std::size_t>(last) + 1), '\0');
  for (const unsigned c : codes)
    if (2 * static_cast<std::size_t>(c) + 1 < map.size()) {
      cut[2 * c] = map[2 * c];
      cut[2 * c + 1] = map[2 * c + 1];
    }
  const std::string packed = deflate(cut, Effort::small);

  // The font program: glyph names dropped, metrics only for the glyphs shown.
  std::set<unsigned> glyphs;
  for (const unsigned c : codes)
    if (2 * static_cast<std::size_t>(c) + 1 < map.size())
      glyphs.insert(static_cast<unsigned char>(map[2 * c]) * 256u +
                    static_cast<unsigned char>(map[2 * c + 1]));
  const auto* descriptor_ref = cid_font.get("FontDescriptor");
  if (!descriptor_ref || !descriptor_ref->as_ref()) throw NotHandled{};
  const Object descriptor = doc.load(descriptor_ref->as_ref()->num);
  const auto* file_ref = descriptor.get("FontFile2");
  if (!file_ref || !file_ref->as_ref()) throw NotHandled{};
  const int file_num = file_ref->as_ref()->num;
  std::string file_data;
  const Object file_stream = doc.load(file_num, &file_data);
  if (!is_flate(file_stream)) throw NotHandled{};
  const std::string program = trim_font_program(inflate(file_data, kMaxStream), glyphs);
  const std::string packed_program = deflate(program, Effort::small);

  Dict font_dict = *cid_font.as_dict();
  for (auto& [key, value] : font_dict)
    if (key == "W") value = Object::array(std::move(kept));
  // The rewritten objects; libharu writes a stream's /Length as an object of its own.
  std::map<int, std::string> rewritten;
  rewritten[cid_num] = object_text(cid_num, serialize(Object::dict(font_dict)));
  auto stream_object = [&](int num, const Object& stream, const std::string& data,
                           std::optional<std::size_t> length1) {
    Dict dict = *stream.as_dict();
    for (auto& [key, value] : dict) {
      if (key == "Filter") value = Object(Name{"FlateDecode"});
      if (key == "Length1" && length1) value = Object(static_cast<long long>(*length1));
      if (key == "Length") {
        const auto size = static_cast<long long>(data.size());
        if (const auto* ref = value.as_ref())
          rewritten[ref->num] = object_text(ref->num, std::to_string(size));
        else
          value = Object(size);
      }
    }
    rewritten[num] = std::to_string(num) + " 0 obj\n" + serialize(Object::dict(dict)) +
                     "\nstream\n" + data + "\nendstream\nendobj\n";
  };
  stream_object(map_num, map_stream, packed, std::nullopt);
  if (const auto* to_unicode = font.get("ToUnicode")) {
    const auto* ref = to_unicode->as_ref();
    if (!ref) throw NotHandled{};
    const std::string cmap = deflate(to_unicode_cmap(codes), Effort::small);
    rewritten[ref->num] = std::to_string(ref->num) + " 0 obj\n<< /Length " +
                          std::to_string(cmap.size()) + " /Filter /FlateDecode >>\nstream\n" +
                          cmap + "\nendstream\nendobj\n";
  }
  stream_object(file_num, file_stream, packed_program, program.size());

  // The file again: every object's bytes as they were but for those rewritten, in the same
  // order, with a new cross-reference table.
  std::vector<std::pair<std::size_t, int>> order;  // offset, number
  try {
    for (int num = 1; num < doc.size(); ++num) order.emplace_back(doc.offset_of(num), num);
  } catch (const ParseError&) {
    throw NotHandled{};  // a free object number: not libharu's form
  }
  std::sort(order.begin(), order.end());
  std::string out = layout.substr(0, order.front().first);
  std::map<int, std::size_t> offsets;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto [at, num] = order[i];
    const std::size_t end = i + 1 < order.size() ? order[i + 1].first : doc.startxref();
    offsets[num] = out.size();
    if (const auto it = rewritten.find(num); it != rewritten.end())
      out += it->second;
    else
      out.append(layout, at, end - at);
  }
  const std::size_t xref_at = out.size();
  out += "xref\n0 " + std::to_string(doc.size()) + "\n0000000000 65535 f \n";
  for (const auto& [num, at] : offsets) {
    char entry[24];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", at);
    out += entry;
  }
  out += "trailer\n" + serialize(trailer) + "\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
  return out;
}

}  // namespace

std::string keep_used_glyphs(const std::string& layout) {
  try {
    return keep(layout);
  } catch (const NotHandled&) {
    return layout;
  } catch (const ParseError& e) {
    throw Error("pdf.failure", "cannot read libharu's layout: " + e.message);
  }
}

}  // namespace dosegate::pdf
