#include "pdf/used_glyphs.hpp"

#include <algorithm>
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
  const auto* map_length = map_stream.get("Length");
  if (!map_length) throw NotHandled{};

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
  const std::string packed = deflate(cut);

  Dict font_dict = *cid_font.as_dict();
  for (auto& [key, value] : font_dict)
    if (key == "W") value = Object::array(std::move(kept));
  Dict map_dict = *map_stream.as_dict();
  const auto* length_ref = map_length->as_ref();
  for (auto& [key, value] : map_dict) {
    if (key == "Length" && !length_ref) value = Object(static_cast<long long>(packed.size()));
    if (key == "Filter") value = Object(Name{"FlateDecode"});
  }

  // The file again: every object's bytes as they were but for the three rewritten, in the same
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
    if (num == cid_num) {
      out += object_text(num, serialize(Object::dict(font_dict)));
    } else if (num == map_num) {
      out += std::to_string(num) + " 0 obj\n" + serialize(Object::dict(map_dict)) + "\nstream\n" +
             packed + "\nendstream\nendobj\n";
    } else if (length_ref && num == length_ref->num) {
      out += object_text(num, std::to_string(packed.size()));
    } else {
      out.append(layout, at, end - at);
    }
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
