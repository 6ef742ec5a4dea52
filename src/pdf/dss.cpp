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

}  // namespace

std::string dss_update(std::string_view signed_record, const ValidationData& data) {
  const Document doc(signed_record);
  const Object* root_ref = nullptr;
  const Object* info = nullptr;
  for (const auto& [k, v] : doc.trailer()) {
    if (k == "Root") root_ref = &v;
    if (k == "Info") info = &v;
  }
  if (!root_ref || !root_ref->as_ref()) throw ParseError{"the trailer has no /Root", 0};
  const int catalog_num = root_ref->as_ref()->num;
  const Object catalog = doc.load(catalog_num);
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
  offsets[catalog_num] = base + out.size();
  out += obj(catalog_num, serialize(Object::dict(cat)));

  const std::size_t xref_at = base + out.size();
  out += xref_section(offsets);
  Dict trailer{{"Size", Object(static_cast<long long>(next))},
               {"Root", Object(Ref{catalog_num, 0})},
               {"Prev", Object(static_cast<long long>(doc.startxref()))}};
  if (info) trailer.emplace_back("Info", *info);
  out += "trailer\n" + serialize(Object::dict(trailer)) + "\nstartxref\n" +
         std::to_string(xref_at) + "\n%%EOF\n";
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

}  // namespace dosegate::pdf
