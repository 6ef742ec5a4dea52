#include "pdf/record_reader.hpp"

// qpdf 11 asks its users to say that they use no PointerHolder (its old smart pointer).
#define POINTERHOLDER_TRANSITION 4
#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include <exception>

namespace dosegate::pdf {
namespace {

std::string type_of(QPDFObjectHandle& o) {
  return o.isNull() ? "null" : o.getTypeName();
}

}  // namespace

struct RecordReader::Impl {
  std::string source;
  QPDF qpdf;

  [[noreturn]] void fail(const std::string& what) const { throw ReadError(source + ": " + what); }

  // qpdf reports some damage only as a warning and goes on with a guess (a null for a loop of
  // references or a structure nested too deep, a default for a value of the wrong type). A
  // guess is not good enough for a release record: every warning is a failure.
  void refuse_warnings() {
    if (!qpdf.anyWarnings()) return;
    const auto warnings = qpdf.getWarnings();
    throw ReadError(warnings.front().what());
  }

  // Runs `f`, turning anything qpdf throws into a ReadError and refusing warnings.
  template <typename F>
  auto guarded(F&& f) -> decltype(f()) {
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        refuse_warnings();
      } else {
        auto out = f();
        refuse_warnings();
        return out;
      }
    } catch (const ReadError&) {
      refuse_warnings();  // a warning, when there is one, names the cause
      throw;
    } catch (const std::exception& e) {
      refuse_warnings();
      throw ReadError(e.what());
    }
  }

  QPDFObjectHandle catalog() {
    auto root = qpdf.getTrailer().getKey("/Root");
    if (!root.isDictionary()) fail("the PDF has no document catalog (/Root)");
    return root;
  }
};

RecordReader::RecordReader(std::string_view bytes, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
  impl_->source = source;
  if (bytes.size() > kMaxRecordBytes)
    impl_->fail("the file has " + std::to_string(bytes.size()) + " bytes, more than the " +
                std::to_string(kMaxRecordBytes) + " a release record may have");
  if (bytes.substr(0, 5) != "%PDF-") impl_->fail("not a PDF file (no %PDF- header)");
  // qpdf looks for startxref a little further back and does not need %%EOF; a record ends as
  // dosegate writes it.
  const auto tail_start = bytes.size() > 1024 ? bytes.size() - 1024 : 0;
  const auto sx = bytes.rfind("startxref");
  if (sx == std::string_view::npos || sx < tail_start)
    impl_->fail("no startxref near the end of the file");
  if (bytes.find("%%EOF", sx) == std::string_view::npos) impl_->fail("no %%EOF after startxref");
  auto& q = impl_->qpdf;
  q.setSuppressWarnings(true);  // collected and refused, never printed
  q.setAttemptRecovery(false);  // a damaged record is refused, never repaired
  // dosegate writes classic cross-reference tables only: a record with cross-reference streams
  // (and so object streams) was not written by dosegate.
  q.setIgnoreXRefStreams(true);
  impl_->guarded([&] { q.processMemoryFile(source.c_str(), bytes.data(), bytes.size()); });
}

RecordReader::~RecordReader() = default;

bool RecordReader::has_form() {
  return impl_->guarded([&] { return impl_->catalog().hasKey("/AcroForm"); });
}

std::vector<SignatureField> RecordReader::signature_fields() {
  return impl_->guarded([&] {
    std::vector<SignatureField> out;
    auto form = impl_->catalog().getKey("/AcroForm");
    if (!form.isDictionary()) return out;
    auto fields = form.getKey("/Fields");
    if (!fields.isArray()) return out;
    for (auto& field : fields.getArrayAsVector()) {
      if (!field.isDictionary()) continue;
      auto ft = field.getKey("/FT");
      if (!ft.isName() || ft.getName() != "/Sig" || !field.hasKey("/V")) continue;
      auto v = field.getKey("/V");
      SignatureField f;
      if (!v.isDictionary()) {  // no ByteRange at all
        out.push_back(f);
        continue;
      }
      auto range = v.getKey("/ByteRange");
      if (range.isArray()) {
        f.byte_range_is_array = true;
        for (auto& n : range.getArrayAsVector())
          f.byte_range.push_back(n.isInteger() ? std::optional(n.getIntValue()) : std::nullopt);
      }
      if (auto sub = v.getKey("/SubFilter"); sub.isName()) f.sub_filter = sub.getName().substr(1);
      if (auto c = v.getKey("/Contents"); c.isString()) f.contents = c.getStringValue();
      if (auto m = v.getKey("/M"); m.isString()) f.signed_at = m.getStringValue();
      out.push_back(std::move(f));
    }
    return out;
  });
}

AttachmentLookup RecordReader::attachment(std::string_view name) {
  return impl_->guarded([&] {
    AttachmentLookup out;
    const auto missing = [&](std::string problem) {
      out.status = AttachmentLookup::Status::missing;
      out.problem = std::move(problem);
      return out;
    };
    // Each step names what it found instead, so that the user learns what is wrong.
    const auto want_dict = [](QPDFObjectHandle o, const char* path) -> std::optional<std::string> {
      if (o.isDictionary()) return std::nullopt;
      return std::string(path) +
             (o.isNull() ? " is missing" : " is " + type_of(o) + ", not a dictionary");
    };
    auto names = impl_->catalog().getKey("/Names");
    if (auto p = want_dict(names, "/Root/Names")) return missing(*p);
    auto embedded = names.getKey("/EmbeddedFiles");
    if (auto p = want_dict(embedded, "/Root/Names/EmbeddedFiles")) return missing(*p);
    auto pairs = embedded.getKey("/Names");
    if (!pairs.isArray())
      return missing("/Root/Names/EmbeddedFiles/Names is " +
                     (pairs.isNull() ? std::string("missing") : type_of(pairs) + ", not an array"));
    const int n = pairs.getArrayNItems();
    for (int i = 0; i + 1 < n; i += 2) {
      auto key = pairs.getArrayItem(i);
      if (!key.isString() || key.getStringValue() != name) continue;
      auto spec = pairs.getArrayItem(i + 1);
      if (auto p = want_dict(spec, "the attachment's file specification")) return missing(*p);
      auto ef = spec.getKey("/EF");
      if (auto p = want_dict(ef, "the attachment's /EF")) return missing(*p);
      auto file = ef.getKey("/F");
      if (!file.isStream())
        return missing("the attachment's /EF /F is " +
                       (file.isNull() ? std::string("missing") : type_of(file) + ", not a stream"));
      if (file.getDict().hasKey("/Filter")) {
        out.status = AttachmentLookup::Status::compressed;
        out.problem = "the release data attachment is compressed";
        return out;
      }
      const auto buffer = file.getRawStreamData();
      out.status = AttachmentLookup::Status::found;
      out.data.assign(reinterpret_cast<const char*>(buffer->getBuffer()), buffer->getSize());
      return out;
    }
    return missing("/Root/Names/EmbeddedFiles names no " + std::string(name));
  });
}

}  // namespace dosegate::pdf
