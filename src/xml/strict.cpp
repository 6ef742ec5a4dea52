#include "xml/strict.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <pugixml.hpp>
#include <stdexcept>

#include "util/text.hpp"

namespace dosegate::xml {
namespace {

pugi::xml_node X(Node n) {
  return pugi::xml_node(n);
}
Node P(pugi::xml_node n) {
  return n.internal_object();
}

// Element path of a node, for errors found before the strict walk (processing instructions).
std::string path_of(pugi::xml_node node) {
  std::string path;
  for (auto n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    std::string_view name = n.name();
    if (const auto colon = name.find(':'); colon != std::string_view::npos)
      name = name.substr(colon + 1);
    std::size_t index = 0, total = 0;
    for (auto sib = n.parent().first_child(); sib; sib = sib.next_sibling()) {
      if (sib.type() != pugi::node_element || std::strcmp(sib.name(), n.name()) != 0) continue;
      ++total;
      if (sib == n) index = total;
    }
    std::string step = "/" + std::string(name);
    if (total > 1) step += "[" + std::to_string(index) + "]";
    path = step + path;
  }
  return path.empty() ? "/" : path;
}

// The first element nested deeper than `max_depth` (the root element is at depth 1), without
// recursion; a null node when there is none.
pugi::xml_node first_too_deep(const pugi::xml_document& doc, int max_depth) {
  int depth = 1;
  for (auto n = doc.first_child(); n;) {
    if (depth > max_depth && n.type() == pugi::node_element) return n;
    if (n.first_child()) {
      n = n.first_child();
      ++depth;
      continue;
    }
    while (n && !n.next_sibling()) {
      n = n.parent();
      --depth;
    }
    if (n) n = n.next_sibling();
  }
  return {};
}

constexpr unsigned kParseFlags =
    pugi::parse_default | pugi::parse_doctype | pugi::parse_pi | pugi::parse_declaration;

bool is_whitespace_only(std::string_view s) {
  return text::trim(s).empty();
}

std::string shorten(std::string_view s) {
  std::string t = text::collapse(s);
  if (t.size() > 40) t = t.substr(0, 37) + "...";
  return t;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string display(const QName& name, std::string_view context_ns) {
  const std::string local(name.local);
  if (name.ns == context_ns) return "<" + local + ">";
  if (name.ns.empty()) return "<" + local + "> (in no namespace)";
  return "<" + local + "> (namespace " + std::string(name.ns) + ")";
}

std::vector<QName> names(const char* ns, std::initializer_list<const char*> locals) {
  std::vector<QName> out;
  for (const char* l : locals) out.push_back(QName{ns, l});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Document

Document::Document(std::string_view bytes, std::string file, std::vector<Diagnostic>& errors)
    : bytes_(bytes),
      file_(std::move(file)),
      errors_(errors),
      doc_(std::make_unique<pugi::xml_document>()) {
  if (const auto bad = text::find_invalid_utf8(bytes_); bad != std::string_view::npos) {
    error_at_offset(static_cast<std::ptrdiff_t>(bad), "/",
                    "the document is not valid UTF-8 (dosegate reads UTF-8 documents only)");
    return;
  }
  const auto result =
      doc_->load_buffer(bytes_.data(), bytes_.size(), kParseFlags, pugi::encoding_utf8);
  if (!result) {
    error_at_offset(result.offset, "/",
                    std::string("not well-formed XML: ") + result.description());
    return;
  }
  // pugixml parses without recursion, so any depth loads. Nothing dosegate reads nests more
  // than a dozen levels (an enveloped XML-DSig signature included) and libxml2, which checks
  // signatures, stops at 256; deeper documents are refused before anything walks them.
  if (const auto deep = first_too_deep(*doc_, kMaxDepth)) {
    auto top = deep;
    while (top.parent() && top.parent().parent() && top.parent().parent().parent())
      top = top.parent();  // the root element's child that holds it
    error_at(P(deep), path_of(top),
             std::string("element <") + deep.name() + "> is nested more than " +
                 std::to_string(kMaxDepth) +
                 " elements deep; dosegate reads documents nested at most that deep");
    return;
  }
  bool ok = true;
  int roots = 0;
  for (auto n : doc_->children()) {
    switch (n.type()) {
      case pugi::node_declaration: {
        const auto enc = n.attribute("encoding");
        if (enc && lower(enc.value()) != "utf-8") {
          error_at(P(n), "/",
                   std::string("the XML declaration names encoding '") + enc.value() +
                       "'; dosegate reads UTF-8 documents only (re-save as UTF-8 and "
                       "declare encoding=\"UTF-8\")");
          ok = false;
        }
        break;
      }
      case pugi::node_doctype:
        error_at(P(n), "/",
                 "a DOCTYPE is not allowed: it can change what readers see after signing "
                 "(remove the <!DOCTYPE ...> declaration)");
        ok = false;
        break;
      case pugi::node_element:
        ++roots;
        if (roots > 1) {
          error_at(
              P(n), "/",
              std::string("a second root element <") + n.name() + "> follows the document element");
          ok = false;
        }
        break;
      case pugi::node_pcdata:
      case pugi::node_cdata:
        if (!is_whitespace_only(n.value())) {
          error_at(P(n), "/", "text '" + shorten(n.value()) + "' outside the document element");
          ok = false;
        }
        break;
      default: break;
    }
  }
  // Processing instructions are refused anywhere: nothing in a CoA or specification needs
  // them, and they are invisible to schema validation.
  struct PiFinder : pugi::xml_tree_walker {
    Document* self;
    bool found = false;
    bool for_each(pugi::xml_node& n) override {
      if (self->reported_ > kMaxErrors) return false;
      if (n.type() == pugi::node_pi) {
        self->error_at(P(n), path_of(n.parent()),
                       std::string("processing instruction <?") + n.name() + "?> is not allowed");
        found = true;
      }
      return true;
    }
  } finder;
  finder.self = this;
  doc_->traverse(finder);
  if (finder.found) ok = false;
  if (roots == 0) {
    error_at_offset(0, "/", "the document has no root element");
    ok = false;
  }
  parsed_ = ok;
}

std::pair<int, int> Document::position(std::ptrdiff_t offset) {
  if (offset < 0) return {0, 0};
  if (line_starts_.empty()) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < bytes_.size(); ++i)
      if (bytes_[i] == '\n') line_starts_.push_back(i + 1);
  }
  const auto off = static_cast<std::size_t>(offset);
  const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), off);
  const auto line = static_cast<std::size_t>(it - line_starts_.begin());
  return {static_cast<int>(line), static_cast<int>(off - line_starts_[line - 1] + 1)};
}

bool Document::count_error() {
  if (reported_++ < kMaxErrors) return true;
  if (reported_ == kMaxErrors + 1)
    errors_.push_back(Diagnostic{file_, 0, 0, "/",
                                 "more than " + std::to_string(kMaxErrors) +
                                     " problems; the first " + std::to_string(kMaxErrors) +
                                     " are listed"});
  return false;
}

void Document::error_at_offset(std::ptrdiff_t offset, const std::string& path,
                               const std::string& message) {
  if (!count_error()) return;
  const auto [line, column] = position(offset);
  errors_.push_back(Diagnostic{file_, line, column, path, message});
}

void Document::error_at(Node n, const std::string& path, const std::string& message) {
  const auto node = X(n);
  if (!count_error()) return;
  std::ptrdiff_t offset = node ? node.offset_debug() : -1;
  // pugixml reports the offset of a name or of the content; point at the markup's '<'.
  if (offset > 0 && static_cast<std::size_t>(offset) <= bytes_.size() &&
      (node.type() == pugi::node_element || node.type() == pugi::node_pi ||
       node.type() == pugi::node_doctype)) {
    const auto lt = bytes_.rfind('<', static_cast<std::size_t>(offset));
    if (lt != std::string_view::npos && static_cast<std::size_t>(offset) - lt <= 10)
      offset = static_cast<std::ptrdiff_t>(lt);
  }
  const auto [line, column] = position(offset);
  errors_.push_back(Diagnostic{file_, line, column, path, message});
}

NsScope Document::extend_scope(NsScope parent, Node at) {
  NsScope scope = parent;
  for (auto a : X(at).attributes()) {
    const std::string_view n = a.name();
    if (n == "xmlns") {
      scope = &bindings_.emplace_back(NsBinding{"", a.value(), scope});
    } else if (n.substr(0, 6) == "xmlns:") {
      scope = &bindings_.emplace_back(NsBinding{n.substr(6), a.value(), scope});
    }
  }
  return scope;
}

std::optional<QName> Document::resolve(std::string_view raw, NsScope scope, bool is_attribute,
                                       Node at, const std::string& path) {
  const auto colon = raw.find(':');
  const std::string_view prefix = colon == std::string_view::npos ? "" : raw.substr(0, colon);
  const std::string_view local = colon == std::string_view::npos ? raw : raw.substr(colon + 1);
  // Unprefixed attributes are in no namespace.
  if (prefix.empty() && is_attribute) return QName{"", local};
  if (prefix == "xml") return QName{"http://www.w3.org/XML/1998/namespace", local};
  for (auto b = scope; b; b = b->outer)
    if (b->prefix == prefix) return QName{b->uri, local};
  if (prefix.empty()) return QName{"", local};
  error_at(at, path,
           "namespace prefix '" + std::string(prefix) + "' of '" + std::string(raw) +
               "' is not declared");
  return std::nullopt;
}

Document::~Document() = default;

std::optional<Element> Document::root(const QName& expected) {
  if (!parsed_) return std::nullopt;
  const Node node = P(doc_->document_element());
  const auto scope = extend_scope(nullptr, node);
  const auto name = resolve(X(node).name(), scope, false, node, "/");
  if (!name) return std::nullopt;
  if (*name != expected) {
    error_at(node, "/" + std::string(name->local),
             "the root element is " + display(*name, "") + "; expected <" +
                 std::string(expected.local) + "> in namespace " + std::string(expected.ns));
    return std::nullopt;
  }
  return Element(*this, node, *name, "/" + std::string(name->local), scope);
}

// ---------------------------------------------------------------------------------------------
// Element

Element::Element(Document& doc, Node node, QName name, std::string path, NsScope scope)
    : doc_(&doc), node_(node), name_(std::move(name)), path_(std::move(path)), scope_(scope) {
  // pugixml keeps duplicate attributes; XML forbids them. Sorted, so that an element with
  // many attributes costs n log n, not n squared; the few of an ordinary element are sorted
  // in place, without allocating.
  const auto attributes = X(node_).attributes();
  const auto count = static_cast<std::size_t>(std::distance(attributes.begin(), attributes.end()));
  if (count < 2) return;
  std::array<std::string_view, 8> few;
  std::vector<std::string_view> many;
  std::string_view* seen = few.data();
  if (count > few.size()) {
    many.resize(count);
    seen = many.data();
  }
  std::size_t n = 0;
  for (auto a : attributes) seen[n++] = a.name();
  std::sort(seen, seen + n);
  for (std::size_t i = 1; i < n; ++i)
    if (seen[i] == seen[i - 1] && (i + 1 == n || seen[i + 1] != seen[i]))
      error("duplicate attribute '" + std::string(seen[i]) + "'");
}

void Element::error(const std::string& message) const {
  doc_->error_at(node_, path_, message);
}

std::optional<std::string> Element::attribute(std::string_view name, bool required) {
  if (known_count_ < known_few_.size())
    known_few_[known_count_] = name;
  else
    known_more_.push_back(name);
  ++known_count_;
  for (auto a : X(node_).attributes()) {
    if (name == a.name()) return std::string(text::trim(a.value()));
  }
  if (required) error("missing required attribute '" + std::string(name) + "'");
  return std::nullopt;
}

std::string Element::text(bool require_non_empty) {
  std::string value;
  bool clean = true;
  for (auto c : X(node_).children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      value += c.value();
    } else if (c.type() == pugi::node_element) {
      doc_->error_at(P(c), path_,
                     std::string("element <") + c.name() + "> is not allowed inside <" +
                         std::string(name_.local) + ">, which holds text only");
      clean = false;
    }
  }
  std::string trimmed(text::trim(value));
  if (clean && require_non_empty && trimmed.empty())
    error("<" + std::string(name_.local) + "> is empty; it must hold a value");
  return trimmed;
}

Element Element::make_child(Node node, const QName& name, std::size_t index_among_same) const {
  std::string path;
  path.reserve(path_.size() + name.local.size() + 24);
  path.append(path_).append(1, '/').append(name.local);
  if (index_among_same > 0) path.append(1, '[').append(std::to_string(index_among_same)) += ']';
  return Element(*doc_, node, name, std::move(path), doc_->extend_scope(scope_, node));
}

std::string Element::allowed_list() const {
  std::vector<std::string> names;
  for (const auto& q : allowed_) names.emplace_back(q.local);
  return names.empty() ? "nothing" : text::join(names, ", ");
}

std::size_t Element::allowed_index(const QName& name) const {
  return static_cast<std::size_t>(std::find(allowed_.begin(), allowed_.end(), name) -
                                  allowed_.begin());
}

void Element::expect_children(const std::vector<QName>& allowed) {
  if (allowed.size() > kMaxAllowed)
    throw std::logic_error("xml::Element::expect_children: more than kMaxAllowed names");
  allowed_ = allowed;
  totals_.fill(0);
  children_declared_ = true;
  children_.reserve(allowed_.size());
  for (auto c : X(node_).children()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      if (!is_whitespace_only(c.value()))
        doc_->error_at(c.type() == pugi::node_pcdata ? node_ : P(c), path_,
                       "text '" + shorten(c.value()) + "' is not allowed directly inside <" +
                           std::string(name_.local) + ">");
      continue;
    }
    if (c.type() != pugi::node_element) continue;
    const auto scope = doc_->extend_scope(scope_, P(c));
    const auto q = doc_->resolve(c.name(), scope, false, P(c), path_);
    if (!q) continue;
    const auto which = allowed_index(*q);
    if (which == allowed_.size()) {
      doc_->error_at(P(c), path_ + "/" + std::string(q->local),
                     "unknown element " + display(*q, name_.ns) + " inside <" +
                         std::string(name_.local) +
                         ">; allowed here, in this order: " + allowed_list());
      continue;
    }
    // Counted per allowed name, so that many children cost linear time.
    children_.push_back(Child{P(c), which, ++totals_[which], false});
  }
}

std::vector<Element::Child>::iterator Element::first_unconsumed() {
  while (next_ < children_.size() && children_[next_].consumed) ++next_;
  return children_.begin() + static_cast<std::ptrdiff_t>(next_);
}

std::optional<Element> Element::take(std::string_view local, bool required, const char* ns) {
  const QName want{ns ? std::string_view(ns) : name_.ns, local};
  // Children are kept by their index in allowed_, which is also their place in the order.
  const auto wanted = allowed_index(want);
  auto index_of = [&](const Child& ch) { return totals_[ch.which] > 1 ? ch.index : 0; };
  auto cursor = first_unconsumed();
  if (cursor != children_.end() && cursor->which == wanted) {
    cursor->consumed = true;
    return make_child(cursor->node, allowed_[cursor->which], index_of(*cursor));
  }
  // A repeat of an element already read stands where the next one belongs: report it as such.
  // Every child before the cursor is consumed, so a repeat is one with a same-named sibling
  // before it (an index above 1): no scan back over the children read so far.
  while (cursor != children_.end() && cursor->which != wanted && cursor->which < wanted &&
         cursor->index > 1) {
    cursor->consumed = true;
    const std::string repeated(allowed_[cursor->which].local);
    doc_->error_at(cursor->node, path_ + "/" + repeated + "[" + std::to_string(cursor->index) + "]",
                   "<" + repeated + "> appears more than once inside <" + std::string(name_.local) +
                       ">; it may appear once");
    cursor = std::find_if(cursor, children_.end(), [](const Child& ch) { return !ch.consumed; });
  }
  if (cursor != children_.end() && cursor->which == wanted) {
    cursor->consumed = true;
    return make_child(cursor->node, allowed_[cursor->which], index_of(*cursor));
  }
  if (!required) return std::nullopt;
  // A required element further on: read it anyway so later checks still run, but report it.
  for (auto it = cursor; it != children_.end(); ++it) {
    if (!it->consumed && it->which == wanted) {
      it->consumed = true;
      doc_->error_at(it->node, path_ + "/" + std::string(want.local),
                     "element <" + std::string(want.local) + "> is out of order inside <" +
                         std::string(name_.local) + ">; the order is: " + allowed_list());
      return make_child(it->node, allowed_[it->which], index_of(*it));
    }
  }
  std::string where;
  if (cursor != children_.end())
    where = " (found <" + std::string(allowed_[cursor->which].local) + "> in its place)";
  error("missing required element <" + std::string(want.local) + "> inside <" +
        std::string(name_.local) + ">" + where);
  return std::nullopt;
}

std::vector<Element> Element::take_all(std::string_view local, std::size_t min, const char* ns) {
  std::vector<Element> out;
  while (auto e = take(local, out.size() < min, ns)) out.push_back(std::move(*e));
  return out;
}

void Element::skip_misplaced_before(std::initializer_list<std::string_view> locals) {
  auto wanted = [&](const Child& ch) {
    const auto& name = allowed_[ch.which];
    for (auto l : locals)
      if (name.ns == name_.ns && name.local == l) return true;
    return false;
  };
  auto cursor = first_unconsumed();
  const auto later = std::find_if(cursor, children_.end(), wanted);
  if (later == children_.end()) return;
  for (auto it = cursor; it != later; ++it) {
    if (it->consumed) continue;
    it->consumed = true;
    const std::string misplaced(allowed_[it->which].local);
    doc_->error_at(it->node, path_ + "/" + misplaced,
                   "element <" + misplaced + "> is out of order inside <" +
                       std::string(name_.local) + ">; the order is: " + allowed_list());
  }
}

void Element::finish() {
  for (auto a : X(node_).attributes()) {
    const std::string_view n = a.name();
    if (n == "xmlns" || n.substr(0, 6) == "xmlns:") continue;
    const auto few = std::span(known_few_).first(std::min(known_count_, known_few_.size()));
    if (std::find(few.begin(), few.end(), n) == few.end() &&
        std::find(known_more_.begin(), known_more_.end(), n) == known_more_.end()) {
      std::vector<std::string> known(few.begin(), few.end());
      known.insert(known.end(), known_more_.begin(), known_more_.end());
      const std::string allowed = known.empty() ? "none" : text::join(known, ", ");
      error("unknown attribute '" + std::string(n) + "' on <" + std::string(name_.local) +
            ">; allowed: " + allowed);
    }
  }
  for (auto it = first_unconsumed(); it != children_.end(); ++it) {
    if (it->consumed) continue;
    const std::string unexpected(allowed_[it->which].local);
    doc_->error_at(it->node, path_ + "/" + unexpected + "[" + std::to_string(it->index) + "]",
                   "unexpected <" + unexpected + "> inside <" + std::string(name_.local) +
                       ">: repeated or out of order; the order is: " + allowed_list());
  }
}

void Element::require_empty() {
  for (auto c : X(node_).children()) {
    if (c.type() == pugi::node_element) {
      doc_->error_at(P(c), path_,
                     std::string("element <") + c.name() + "> is not allowed inside <" +
                         std::string(name_.local) + ">, which must be empty");
    } else if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) &&
               !is_whitespace_only(c.value())) {
      error("text '" + shorten(c.value()) + "' is not allowed inside <" + std::string(name_.local) +
            ">, which must be empty");
    }
  }
}

}  // namespace dosegate::xml
