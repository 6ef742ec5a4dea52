// A strict, namespace-aware reading layer over pugixml, shared by the CoA and specification
// readers. pugixml is not a validating or namespace-aware parser, so this layer adds what the
// schemas require: namespace resolution, a fixed child order, no unknown or duplicate elements
// or attributes, no DOCTYPE or processing instructions, UTF-8 only, values collected across
// comments. Every violation becomes a Diagnostic with line:column and element path.
#pragma once

#include <array>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dosegate/finding.hpp"

// pugixml stays inside src/xml/strict.cpp: nodes cross this interface as opaque pointers.
namespace pugi {
struct xml_node_struct;
class xml_document;
}  // namespace pugi

namespace dosegate::xml {

using Node = pugi::xml_node_struct*;

// A resolved element or attribute name. Both views point into the Document's parsed text (or
// into static strings, such as the names a reader asks for): valid while the Document lives.
struct QName {
  std::string_view ns;
  std::string_view local;
  bool operator==(const QName&) const = default;
};

// The namespace declarations in scope at an element, innermost first: a list that the Document
// owns and that nested elements share, so that an element without declarations of its own costs
// no copy.
struct NsBinding {
  std::string_view prefix;
  std::string_view uri;
  const NsBinding* outer;
};
using NsScope = const NsBinding*;  // nullptr: no declaration in scope

class Document;

// One element being read. Declare the allowed children with the constructor's `allowed`, then
// take them in order with take()/take_all(), then call finish().
class Element {
 public:
  const std::string& path() const { return path_; }
  const QName& name() const { return name_; }

  // Records an error at this element.
  void error(const std::string& message) const;

  // Attribute access; each call marks the attribute as known. `name` must outlive the element
  // (the readers pass literals). Returns nullopt when absent (and reports it when required).
  std::optional<std::string> attribute(std::string_view name, bool required);

  // The text content (all text and CDATA pieces joined, comments skipped), whitespace
  // trimmed. Reports element children and, when required, empty text.
  std::string text(bool require_non_empty = true);

  // Declares which child elements may occur (in order) and reports every other element child
  // and any non-whitespace text among them. The list is kept by reference, so it must outlive
  // the element (the readers keep theirs in constants); at most kMaxAllowed names.
  void expect_children(const std::vector<QName>& allowed);
  void expect_children(std::vector<QName>&&) = delete;
  static constexpr std::size_t kMaxAllowed = 16;
  // Takes the next child named `local` (namespace: this element's, or `ns` when given).
  std::optional<Element> take(std::string_view local, bool required, const char* ns = nullptr);
  std::vector<Element> take_all(std::string_view local, std::size_t min, const char* ns = nullptr);

  // When the next child is not one of `locals` but one of them comes later, the children in
  // between are out of order: reports and skips them, so one misplaced element is one error.
  void skip_misplaced_before(std::initializer_list<std::string_view> locals);

  // Reports unconsumed children (duplicates, wrong order) and unknown attributes.
  void finish();

  // For an element that must have no content at all.
  void require_empty();

 private:
  friend class Document;
  Element(Document& doc, Node node, QName name, std::string path, NsScope scope);
  Element make_child(Node node, const QName& name, std::size_t index_among_same) const;
  std::string allowed_list() const;

  Document* doc_;
  Node node_;
  QName name_;
  std::string path_;
  NsScope scope_;
  // The attribute names asked for: the first few in place, without allocating.
  std::array<std::string_view, 6> known_few_;
  std::size_t known_count_ = 0;
  std::vector<std::string_view> known_more_;
  struct Child {
    Node node;
    std::size_t which;  // its name: allowed_[which]
    std::size_t index;  // 1-based among siblings with the same name
    bool consumed = false;
  };
  std::vector<Child>::iterator first_unconsumed();
  std::size_t allowed_index(const QName& name) const;  // allowed_.size() when not allowed
  std::vector<Child> children_;
  std::size_t next_ = 0;  // children_ before it are all consumed
  std::span<const QName> allowed_;
  std::array<std::size_t, kMaxAllowed> totals_{};  // children per allowed name
  bool children_declared_ = false;
};

class Document {
 public:
  // Parses `bytes`; errors (well-formedness, DOCTYPE, PI, encoding, namespaces) go to `errors`.
  Document(std::string_view bytes, std::string file, std::vector<Diagnostic>& errors);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // The root element, if it exists and is named `expected` (reported otherwise).
  std::optional<Element> root(const QName& expected);

  void error_at(Node node, const std::string& path, const std::string& message);
  void error_at_offset(std::ptrdiff_t offset, const std::string& path, const std::string& message);

  // Resolves an element's or attribute's prefixed name; nullopt (and an error) if the
  // prefix is undeclared.
  // `raw` must be a name held by the parsed document (a node's or attribute's name).
  std::optional<QName> resolve(std::string_view raw, NsScope scope, bool is_attribute, Node at,
                               const std::string& path);
  // The scope inside `node`: `parent` itself when `node` declares no namespace.
  NsScope extend_scope(NsScope parent, Node node);

  bool ok() const { return parsed_; }

  // Elements nested deeper than this make the document unreadable (an error, not a crash).
  static constexpr int kMaxDepth = 256;
  // Problems reported per document; one more diagnostic says that the list stops there.
  static constexpr std::size_t kMaxErrors = 100;

 private:
  bool count_error();  // false once kMaxErrors are reported
  std::size_t reported_ = 0;
  std::pair<int, int> position(std::ptrdiff_t offset);
  std::string_view bytes_;
  std::string file_;
  std::vector<Diagnostic>& errors_;
  std::unique_ptr<pugi::xml_document> doc_;
  std::vector<std::size_t> line_starts_;  // found at the first error: most documents have none
  std::deque<NsBinding> bindings_;        // stable addresses for the scopes that point to them
  bool parsed_ = false;
};

std::string display(const QName& name, std::string_view context_ns);

// QNames in one namespace, for Element::expect_children.
std::vector<QName> names(const char* ns, std::initializer_list<const char*> locals);

}  // namespace dosegate::xml
