#include "pdf/dss.hpp"

#include <charconv>
#include <cstdio>
#include <map>

#include "pdf/object.hpp"

namespace dosegate::pdf {
namespace {

constexpr std::size_t kMaxStreams = 64;

std::string obj(int num, const std::string& body) {
  return indirect_object(num, body);
}

// Reads an unsigned decimal at `pos`, advancing it; nullopt when there is none.
std::optional<std::size_t> number(std::string_view s, std::size_t& pos) {
  std::size_t value = 0;
  const auto* first = s.data() + pos;
  const auto [end, ec] = std::from_chars(first, s.data() + s.size(), value);
  if (ec != std::errc() || end == first || end - first > 10) return std::nullopt;
  pos += static_cast<std::size_t>(end - first);
  return value;
}

bool literal(std::string_view s, std::size_t& pos, std::string_view what) {
  if (s.substr(pos, what.size()) != what) return false;
  pos += what.size();
  return true;
}

// The last revision's catalog (its object number and object) and the trailer's /Info, which an
// update's trailer carries on.
struct Catalog {
  int num;
  Object object;
  const Object* info;
};
Catalog catalog_of(const Document& doc) {
  const Object* root_ref = nullptr;
  const Object* info = nullptr;
  for (const auto& [k, v] : doc.trailer()) {
    if (k == "Root") root_ref = &v;
    if (k == "Info") info = &v;
  }
  if (!root_ref || !root_ref->as_ref()) throw ParseError{"the trailer has no /Root", 0};
  const int num = root_ref->as_ref()->num;
  return Catalog{num, doc.load(num), info};
}

// Ends an incremental update of `doc` whose bytes so far are `out` (written from offset `base`
// of the file, its objects' offsets in `offsets`, `next` the first unused object number): the
// new catalog, the cross-reference section and a trailer that carries /Info on and names the
// revision before as /Prev.
void end_update(std::string& out, std::size_t base, std::map<int, std::size_t>& offsets, int next,
                int catalog_num, const Object& catalog, const Object* info, const Document& doc) {
  offsets[catalog_num] = base + out.size();
  out += obj(catalog_num, serialize(catalog));
  const std::size_t xref_at = base + out.size();
  out += xref_section(offsets);
  Dict trailer{{"Size", Object(static_cast<long long>(next))},
               {"Root", Object(Ref{catalog_num, 0})},
               {"Prev", Object(static_cast<long long>(doc.startxref()))}};
  if (info) trailer.emplace_back("Info", *info);
  out += "trailer\n" + serialize(Object::dict(trailer)) + "\nstartxref\n" +
         std::to_string(xref_at) + "\n%%EOF\n";
}

}  // namespace

std::string dss_update(std::string_view signed_record, const ValidationData& data) {
  const Document doc(signed_record);
  const auto [catalog_num, catalog, info] = catalog_of(doc);
  if (!catalog.as_dict() || catalog.get("DSS"))
    throw ParseError{"the catalog is not a dictionary without /DSS", doc.offset_of(catalog_num)};

  std::string out;
  std::map<int, std::size_t> offsets;
  const std::size_t base = signed_record.size();
  int next = doc.size();
  const auto streams = [&](const std::vector<std::string>& items) {
    std::string refs;
    for (const auto& item : items) {
      const int num = next++;
      offsets[num] = base + out.size();
      out += obj(num, "<< /Length " + std::to_string(item.size()) + " >>\nstream\n" + item +
                          "\nendstream");
      refs += (refs.empty() ? "" : " ") + std::to_string(num) + " 0 R";
    }
    return refs;
  };
  const std::string certs = streams(data.certs);
  const std::string crls = streams(data.crls);
  const int dss = next++;
  offsets[dss] = base + out.size();
  out += obj(dss, "<< /Type /DSS /Certs [" + certs + "] /CRLs [" + crls + "] >>");
  Dict cat = *catalog.as_dict();
  cat.emplace_back("DSS", Object(Ref{dss, 0}));
  end_update(out, base, offsets, next, catalog_num, Object::dict(cat), info, doc);
  return out;
}

std::vector<std::string> dss_streams(std::string_view tail) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (out.size() <= kMaxStreams) {
    std::size_t p = pos;
    if (!number(tail, p) || !literal(tail, p, " 0 obj\n<< /Length ")) break;
    const auto len = number(tail, p);
    if (!len || !literal(tail, p, " >>\nstream\n") || *len > tail.size() - p) break;
    std::string payload(tail.substr(p, *len));
    p += *len;
    if (!literal(tail, p, "\nendstream\nendobj\n")) break;
    out.push_back(std::move(payload));
    pos = p;
  }
  return out;
}

std::optional<ValidationData> dss_matches(std::string_view signed_bytes, std::string_view tail,
                                          const std::vector<std::string>& streams) {
  if (streams.size() > kMaxStreams) return std::nullopt;
  try {
    for (std::size_t k = 0; k <= streams.size(); ++k) {
      ValidationData d;
      d.certs.assign(streams.begin(), streams.begin() + static_cast<std::ptrdiff_t>(k));
      d.crls.assign(streams.begin() + static_cast<std::ptrdiff_t>(k), streams.end());
      if (dss_update(signed_bytes, d) == tail) return d;
    }
  } catch (const ParseError&) {
  }
  return std::nullopt;
}

DocTimestampUpdate doc_timestamp_update(std::string_view before, std::size_t room) {
  const Document doc(before);
  const auto [catalog_num, catalog, info] = catalog_of(doc);
  const Object* form = catalog.get("AcroForm");
  if (!catalog.as_dict() || !form || !form->as_dict())
    throw ParseError{"the catalog has no inline /AcroForm", doc.offset_of(catalog_num)};
  const Object* fields = form->get("Fields");
  if (!fields || !fields->as_array())
    throw ParseError{"the catalog's /AcroForm has no /Fields array", doc.offset_of(catalog_num)};

  DocTimestampUpdate u;
  std::string& out = u.bytes;
  std::map<int, std::size_t> offsets;
  const std::size_t base = before.size();
  const int sig = doc.size();
  const int widget = sig + 1;
  const int next = sig + 2;
  const std::string placeholder = "[0 0000000000 0000000000 0000000000]";
  offsets[sig] = base + out.size();
  out += std::to_string(sig) +
         " 0 obj\n<< /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161 "
         "/ByteRange ";
  const std::size_t range_at = out.size();
  out += placeholder + " /Contents ";
  u.contents_at = base + out.size();
  out += "<" + std::string(2 * room, '0') + ">";
  u.contents_end = base + out.size();
  out += " >>\nendobj\n";
  offsets[widget] = base + out.size();
  out += obj(widget,
             "<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /Rect [0 0 0 0] "
             "/T (Document timestamp) /V " +
                 std::to_string(sig) + " 0 R >>");
  Array new_fields = *fields->as_array();
  new_fields.push_back(Object(Ref{widget, 0}));
  Dict new_form = *form->as_dict();
  for (auto& [k, v] : new_form)
    if (k == "Fields") v = Object::array(new_fields);
  Dict cat = *catalog.as_dict();
  for (auto& [k, v] : cat)
    if (k == "AcroForm") v = Object::dict(new_form);
  end_update(out, base, offsets, next, catalog_num, Object::dict(cat), info, doc);
  char range[64];
  std::snprintf(range, sizeof range, "[0 %010zu %010zu %010zu]", u.contents_at, u.contents_end,
                base + out.size() - u.contents_end);
  out.replace(range_at, placeholder.size(), range);
  return u;
}

std::string doc_timestamp_covered(std::string_view before, const DocTimestampUpdate& u) {
  const std::size_t base = before.size();
  return std::string(before) + u.bytes.substr(0, u.contents_at - base) +
         u.bytes.substr(u.contents_end - base);
}

void fill_doc_timestamp(DocTimestampUpdate& u, std::string_view before, std::string_view token) {
  const std::size_t at = u.contents_at - before.size() + 1;
  if (2 * token.size() > u.contents_end - u.contents_at - 2)
    throw ParseError{"the document timestamp token does not fit its /Contents", u.contents_at};
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < token.size(); ++i) {
    u.bytes[at + 2 * i] = hex[static_cast<unsigned char>(token[i]) >> 4];
    u.bytes[at + 2 * i + 1] = hex[static_cast<unsigned char>(token[i]) & 15];
  }
}

std::optional<std::string> doc_timestamp_matches(std::string_view before, std::string_view tail) {
  // The room and the token come from the tail's /Contents; everything else is rebuilt.
  const std::string_view open = " /Contents <";
  const std::size_t o = tail.find(open);
  if (o == std::string_view::npos) return std::nullopt;
  const std::size_t first = o + open.size();
  const std::size_t close = tail.find('>', first);
  if (close == std::string_view::npos || (close - first) % 2 != 0) return std::nullopt;
  const std::string_view digits = tail.substr(first, close - first);
  std::string der;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    auto v = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = v(digits[i]);
    const int lo = v(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    der += static_cast<char>(hi * 16 + lo);
  }
  // The token is DER: its length comes from its own header; the rest of the room is zeros.
  if (der.size() < 2 || static_cast<unsigned char>(der[0]) != 0x30) return std::nullopt;
  std::size_t len = 0;
  const auto l0 = static_cast<unsigned char>(der[1]);
  std::size_t hdr = 2;
  if (l0 < 0x80) {
    len = l0;
  } else {
    const std::size_t n = l0 & 0x7f;
    if (n == 0 || n > 4 || der.size() < 2 + n) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i) len = len * 256 + static_cast<unsigned char>(der[2 + i]);
    hdr += n;
  }
  if (hdr + len > der.size()) return std::nullopt;
  der.resize(hdr + len);
  try {
    auto u = doc_timestamp_update(before, digits.size() / 2);
    fill_doc_timestamp(u, before, der);
    if (u.bytes != tail) return std::nullopt;
  } catch (const ParseError&) {
    return std::nullopt;
  }
  return der;
}

}  // namespace dosegate::pdf
