// A small PDF object model and serializer for the record writer, and a parser that reads back
// libharu's layout (classic cross-reference tables) so that the writer can append its
// incremental update. The parser is for the writer's own output only: records that arrive
// from outside are read by pdf/record_reader.hpp (libqpdf, strict), never by this parser.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dosegate::pdf {

struct Object;
using Array = std::vector<Object>;
using Dict = std::vector<std::pair<std::string, Object>>;  // keeps the written order

struct Name {
  std::string value;  // without the slash, #xx decoded
};
struct Ref {
  int num = 0;
  int gen = 0;
};
struct String {
  std::string bytes;
  bool hex = false;
};
struct Null {};

struct Object {
  std::variant<Null, bool, long long, double, Name, String, Ref, std::shared_ptr<Array>,
               std::shared_ptr<Dict>>
      value;

  Object() = default;
  template <typename T>
  Object(T v) : value(std::move(v)) {}  // NOLINT: implicit by design
  static Object array(Array a) { return Object(std::make_shared<Array>(std::move(a))); }
  static Object dict(Dict d) { return Object(std::make_shared<Dict>(std::move(d))); }

  const Dict* as_dict() const;
  const Array* as_array() const;
  const Name* as_name() const;
  const String* as_string() const;
  const Ref* as_ref() const;
  std::optional<long long> as_int() const;
  const Object* get(std::string_view key) const;  // dictionary lookup; nullptr when absent
};

// Thrown for anything that is not a well-formed PDF of the supported kind.
struct ParseError : std::runtime_error {
  ParseError(std::string what, std::size_t at)
      : std::runtime_error(what + " (at byte " + std::to_string(at) + ")"),
        message(std::move(what)),
        offset(at) {}
  std::string message;
  std::size_t offset = 0;
};

// Serializes an object in PDF syntax.
std::string serialize(const Object& o);

// An indirect object: "NUM 0 obj\nBODY\nendobj\n".
std::string indirect_object(int num, const std::string& body);
// A cross-reference section (from "xref" up to the trailer) for the objects numbered as the keys
// of `offsets`, each at its byte offset, in runs of consecutive numbers.
std::string xref_section(const std::map<int, std::size_t>& offsets);

// A parsed file: cross-reference entries of every revision (newest wins) and the trailers.
class Document {
 public:
  // Throws ParseError.
  explicit Document(std::string_view bytes);

  const Dict& trailer() const { return trailer_; }  // the last one
  std::size_t startxref() const { return startxref_; }
  int size() const { return size_; }
  std::string_view bytes() const { return bytes_; }

  // Loads an indirect object (the dictionary of a stream, with its data in `stream`).
  // Throws ParseError.
  Object load(int num, std::string* stream = nullptr) const;
  Object resolve(const Object& o) const;  // follows a Ref, otherwise returns o
  std::size_t offset_of(int num) const;   // byte offset of "num gen obj"; throws when absent
  std::size_t revision_count() const { return revisions_; }

 private:
  void read_xref(std::size_t offset, bool newest);
  std::string_view bytes_;
  Dict trailer_;
  std::size_t startxref_ = 0;
  int size_ = 0;
  std::size_t revisions_ = 0;
  std::map<int, std::size_t> offsets_;
};

}  // namespace dosegate::pdf
