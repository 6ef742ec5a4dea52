#include "pdf/verify_record.hpp"

#include <algorithm>

#include "cms/cms.hpp"
#include "pdf/object.hpp"
#include "pdf/record.hpp"

namespace dosegate::pdf {
namespace {

constexpr const char* kLocation = "/Root/AcroForm";

struct Candidate {
  long long range[4] = {0, 0, 0, 0};
  Object dict;
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

RecordCheck verify_record(std::string_view bytes, const trust::TrustStore& trust, Instant at) {
  RecordCheck out;
  auto fail = [&](const char* code, std::string message) {
    out.findings.push_back(Finding{code, Severity::error, std::move(message), kLocation});
    return out;
  };
  try {
    Document doc(bytes);
    const Object trailer = Object::dict(doc.trailer());
    const auto* root = trailer.get("Root");
    if (!root) return fail("record.malformed", "the PDF has no document catalog (/Root)");
    const Object catalog = doc.resolve(*root);
    const auto* form = catalog.get("AcroForm");
    if (!form) return fail("record.unsigned", "the PDF holds no signature form (/AcroForm)");
    const Object acro = doc.resolve(*form);
    const auto* fields = acro.get("Fields");
    std::vector<Candidate> sigs;
    if (fields) {
      const Object list = doc.resolve(*fields);
      for (const auto& f : list.as_array() ? *list.as_array() : Array{}) {
        const Object field = doc.resolve(f);
        const auto* ft = field.get("FT");
        const auto* v = field.get("V");
        if (!ft || !ft->as_name() || ft->as_name()->value != "Sig" || !v) continue;
        Candidate c;
        c.dict = doc.resolve(*v);
        const auto* br = c.dict.get("ByteRange");
        const auto* arr = br ? br->as_array() : nullptr;
        if (!arr || arr->size() != 4)
          return fail("record.byterange", "a signature's /ByteRange is not four integers");
        for (std::size_t i = 0; i < 4; ++i) {
          const auto n = (*arr)[i].as_int();
          if (!n || *n < 0)
            return fail("record.byterange",
                        "a signature's /ByteRange is not four "
                        "non-negative integers");
          c.range[i] = *n;
        }
        sigs.push_back(std::move(c));
      }
    }
    if (sigs.empty()) return fail("record.unsigned", "the PDF holds no signature");
    const auto last = std::max_element(sigs.begin(), sigs.end(), [](const auto& a, const auto& b) {
      return a.range[2] + a.range[3] < b.range[2] + b.range[3];
    });
    const auto* r = last->range;
    const auto len = static_cast<long long>(bytes.size());
    if (r[0] != 0 || r[1] <= 0 || r[2] <= r[1] || r[2] + r[3] > len)
      return fail("record.byterange",
                  "the signature's /ByteRange does not start at 0 or runs "
                  "outside the file");
    if (bytes[static_cast<std::size_t>(r[1])] != '<' ||
        bytes[static_cast<std::size_t>(r[2] - 1)] != '>' ||
        !std::all_of(bytes.begin() + r[1] + 1, bytes.begin() + r[2] - 1, is_hex))
      return fail("record.byterange",
                  "the gap in the signature's /ByteRange is not exactly its "
                  "/Contents hex string");
    if (r[2] + r[3] != len)
      return fail("record.modified-after-signing",
                  "the last signature covers " + std::to_string(r[2] + r[3]) + " of " +
                      std::to_string(len) +
                      " bytes: the file was changed or extended (an incremental update) after "
                      "it was signed");
    const auto* sub = last->dict.get("SubFilter");
    if (!sub || !sub->as_name() || sub->as_name()->value != "ETSI.CAdES.detached")
      return fail("record.signature-format",
                  "the signature is not /SubFilter "
                  "/ETSI.CAdES.detached");
    if (const auto* m = last->dict.get("M"); m && m->as_string())
      out.signed_at = m->as_string()->bytes;
    const auto* contents = last->dict.get("Contents");
    if (!contents || !contents->as_string())
      return fail("record.byterange", "the signature has no /Contents");
    const std::string signed_bytes =
        std::string(bytes.substr(0, static_cast<std::size_t>(r[1]))) +
        std::string(bytes.substr(static_cast<std::size_t>(r[2]), static_cast<std::size_t>(r[3])));
    auto cms = cms::verify_detached(contents->as_string()->bytes, signed_bytes, trust,
                                    trust::Role::releaser, at, "/Root/AcroForm/Fields/V");
    if (cms.signer_found) out.signer = cms.signer;
    if (!cms.findings.empty()) {
      out.findings = std::move(cms.findings);
      return out;
    }
    // The whole file is signed, so every object read now belongs to the signed revision.
    const auto* names = catalog.get("Names");
    const Object embedded =
        names ? doc.resolve(*doc.resolve(*names).get("EmbeddedFiles")) : Object();
    const auto* list = embedded.get("Names");
    const Array* pairs = list ? list->as_array() : nullptr;
    for (std::size_t i = 0; pairs && i + 1 < pairs->size(); i += 2) {
      const auto* name = (*pairs)[i].as_string();
      if (!name || name->bytes != kAttachmentName) continue;
      const Object spec = doc.resolve((*pairs)[i + 1]);
      const auto* ef = spec.get("EF");
      const Object efs = ef ? doc.resolve(*ef) : Object();
      const auto* f = efs.get("F");
      if (!f || !f->as_ref()) break;
      std::string data;
      const Object stream = doc.load(f->as_ref()->num, &data);
      if (stream.get("Filter"))
        return fail("record.data-unreadable",
                    "the release data attachment is compressed; "
                    "dosegate writes it uncompressed");
      out.release_data = std::move(data);
      return out;
    }
    return fail("record.data-missing",
                std::string("the record has no ") + kAttachmentName + " attachment");
  } catch (const ParseError& e) {
    return fail("record.malformed", "not a readable dosegate release record: " + e.message +
                                        " (at byte " + std::to_string(e.offset) + ")");
  }
}

}  // namespace dosegate::pdf
