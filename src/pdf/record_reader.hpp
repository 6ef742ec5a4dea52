// Reading release records, which arrive from outside and may be hostile, with libqpdf under a
// strict profile: no repair of damaged files, any qpdf warning is a failure, classic
// cross-reference tables only, a bounded size. The only code that includes qpdf headers.
// dosegate's own parser (pdf/object.hpp) only reads back libharu's layout for the writer.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dosegate::pdf {

// Release records are a few hundred kilobytes; anything far larger is refused unread.
inline constexpr std::size_t kMaxRecordBytes = 32u << 20;

// The file is not a PDF this reader accepts. what() names the source, where qpdf knows them the
// object and byte offset, and the problem.
class ReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A field of the signature form (/FT /Sig) with its signature value (/V), as written.
struct SignatureField {
  bool byte_range_is_array = false;
  std::vector<std::optional<long long>> byte_range;  // nullopt for a non-integer element
  std::optional<std::string> sub_filter;             // the name without its slash
  std::optional<std::string> contents;               // the /Contents string's bytes
  std::optional<std::string> signed_at;              // /M, as written
};

// The release data attachment's bytes, or why it cannot be had.
struct AttachmentLookup {
  enum class Status { unknown, found, missing, compressed };
  Status status = Status::unknown;
  std::string data;     // when found
  std::string problem;  // when not found: what is missing or of the wrong type, and where
};

class RecordReader {
 public:
  // Opens `bytes` (not copied: they must outlive the reader); `source` names them in messages.
  // Throws ReadError.
  RecordReader(std::string_view bytes, const std::string& source);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  // Whether the catalog has /AcroForm. Throws ReadError (also when there is no catalog).
  bool has_form();
  // Every signature field listed in /Root/AcroForm/Fields, in order. Throws ReadError.
  std::vector<SignatureField> signature_fields();
  // The embedded file named `name` in /Root/Names/EmbeddedFiles. Throws ReadError.
  AttachmentLookup attachment(std::string_view name);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::pdf
