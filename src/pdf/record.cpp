#include "pdf/record.hpp"

#include <hpdf.h>
#include <cctype>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>

#include "crypto/cades.hpp"
#include "dosegate/error.hpp"
#include "dosegate/isbt128.hpp"
#include "dosegate/spec/specification.hpp"
#include "pdf/barcode.hpp"
#include "pdf/flate.hpp"
#include "pdf/used_glyphs.hpp"
#include "util/text.hpp"

namespace dosegate::pdf {
namespace {

constexpr const char* kFontRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr float kPageWidth = 595.276f;  // A4
constexpr float kPageHeight = 841.89f;
constexpr float kLeft = 40;
constexpr float kRight = kPageWidth - 40;
// The lowest baseline of the body; the footer sits below it, at 30.
constexpr float kBottom = 44;
// Line pitches: a label/value row, a criteria row, and a heading's space above and below.
constexpr float kRowPitch = 9.5f;
constexpr float kCellPitch = 9;
constexpr float kHeadingAbove = 4;
constexpr float kHeadingBelow = 10.5f;
// The dose block: drawn per dose in the record's own revision, inside this band of page 1.
constexpr float kDoseTop = 752;
constexpr float kDoseBottom = 652;
// Quiet zones, in modules of each symbol: Code 128 needs 10 (ISO/IEC 15417), DataMatrix 1
// (ISO/IEC 16022); both get 10 on every side, and the gap between them is 10 modules of the
// larger of the two.
constexpr float kQuietModules = 10;
constexpr float kMatrixSide = 50;  // the DataMatrix square, in points
constexpr float kClearance = 1;    // points beyond a quiet zone: the frame's line, rounding

// libharu reports errors through a C callback; remember the first and throw once control is
// back in C++.
struct HpdfErrors {
  HPDF_STATUS status = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_hpdf_error(HPDF_STATUS status, HPDF_STATUS detail, void* user) {
  auto* e = static_cast<HpdfErrors*>(user);
  if (e->status == HPDF_OK) {
    e->status = status;
    e->detail = detail;
  }
}

struct DocFree {
  void operator()(HPDF_Doc d) const { HPDF_Free(d); }
};

// A certificate's subject (RFC 2253: "CN=Alex Example\\, QA Release,O=Example Clinic QA,C=DE")
// as people read it: "Alex Example, QA Release (Example Clinic QA, DE)": the common name, then
// the other values, escapes resolved. The exact subject stays in the release data.
std::string readable_name(const std::string& dn) {
  std::vector<std::pair<std::string, std::string>> parts;  // type, value
  std::string type, value;
  bool in_value = false;
  const auto flush = [&] {
    if (!type.empty() || !value.empty()) parts.emplace_back(type, value);
    type.clear();
    value.clear();
    in_value = false;
  };
  const auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < dn.size(); ++i) {
    const char c = dn[i];
    if (c == '\\' && i + 1 < dn.size()) {
      if (i + 2 < dn.size() && hex(dn[i + 1]) && hex(dn[i + 2])) {
        (in_value ? value : type) += static_cast<char>(std::stoi(dn.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        (in_value ? value : type) += dn[++i];
      }
    } else if (c == ',' || c == '+') {
      flush();
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else {
      (in_value ? value : type) += c;
    }
  }
  flush();
  std::string name, rest;
  for (const auto& [t, v] : parts) {
    if (t == "CN" && name.empty())
      name = v;
    else
      rest += (rest.empty() ? "" : ", ") + v;
  }
  if (name.empty()) return rest.empty() ? dn : rest;
  return rest.empty() ? name : name + " (" + rest + ")";
}

std::string pdf_date(Instant t) {
  const auto s = format_instant(t);  // 2026-11-21T12:00:00Z
  return "D:" + s.substr(0, 4) + s.substr(5, 2) + s.substr(8, 2) + s.substr(11, 2) +
         s.substr(14, 2) + s.substr(17, 2) + "Z";
}

// Typographic comparators for the page (the attachment keeps the ASCII forms).
std::string pretty(std::string s) {
  const std::pair<const char*, const char*> subs[] = {{">=", "\u2265"}, {"<=", "\u2264"}};
  for (const auto& [from, to] : subs)
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p))
      s.replace(p, 2, to);
  return s;
}

// A test as people read it, with its code: "Post-thaw viability (viability-post-thaw)".
std::string labelled(const std::string& code) {
  const auto name = spec::test_name(code);
  return name.empty() ? code : std::string(name) + " (" + code + ")";
}

class Layout {
 public:
  explicit Layout(const ReleaseData& d) : d_(d) {
    doc_.reset(HPDF_New(on_hpdf_error, &errors_));
    if (!doc_) throw Error("pdf.failure", "libharu could not create a document");
    HPDF_SetCompressionMode(doc_.get(), HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(doc_.get());
    regular_ = load_font(kFontRegular);
    check();
  }

  std::string render(std::size_t& pages_out) {
    new_page();
    // Every printable ASCII character, invisible, so that the embedded subset and its widths
    // cover whatever a dose block prints later with the same font.
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetTextRenderingMode(page_, HPDF_INVISIBLE);
    HPDF_Page_SetFontAndSize(page_, regular_, 6);
    std::string ascii;
    for (char c = 0x20; c < 0x7f; ++c) ascii += c;
    HPDF_Page_TextOut(page_, -kPageWidth, -kPageHeight, ascii.c_str());  // off the page
    HPDF_Page_SetTextRenderingMode(page_, HPDF_FILL);
    HPDF_Page_EndText(page_);

    if (d_.decision == "exceptional-release") {
      // Never to be mistaken for a normal release: a red banner across the top.
      HPDF_Page_SetRGBFill(page_, 0.8f, 0.0f, 0.0f);
      HPDF_Page_Rectangle(page_, kLeft, 812, kRight - kLeft, 20);
      HPDF_Page_Fill(page_);
      HPDF_Page_SetRGBFill(page_, 1.0f, 1.0f, 1.0f);
      HPDF_Page_SetRGBStroke(page_, 1.0f, 1.0f, 1.0f);
      bold_text(11, kLeft + 6, 818, "EXCEPTIONAL RELEASE: OUT OF SPECIFICATION");
      HPDF_Page_SetRGBFill(page_, 0.0f, 0.0f, 0.0f);
      HPDF_Page_SetRGBStroke(page_, 0.0f, 0.0f, 0.0f);
    }
    bold_text(16, kLeft, 800, "Release record");
    text(regular_, 8, kRight - width(regular_, 8, "dosegate"), 803, "dosegate");
    y_ = 786;
    if (d_.decision == "exceptional-release")
      wrap(regular_, 8.5f,
           "This record is not a regulatory approval. The lot below does NOT conform to release "
           "specification " +
               d_.spec_id + " version " + d_.spec_version +
               ": it is released out of specification to one named recipient only, on the "
               "request of the treating physician (see below).");
    else
      wrap(regular_, 8.5f,
           "This record is not a regulatory approval. It attests that the lot below conforms to "
           "release specification " +
               d_.spec_id + " version " + d_.spec_version +
               (d_.spec_approval == "unapproved" ? " (SPECIFICATION NOT APPROVED)." : "."));
    // The dose band is left empty here and framed; each dose's revision fills it.
    HPDF_Page_SetLineWidth(page_, 0.8f);
    HPDF_Page_Rectangle(page_, kLeft, kDoseBottom, kRight - kLeft, kDoseTop - kDoseBottom);
    HPDF_Page_Stroke(page_);
    y_ = kDoseBottom - 18;

    heading("Product and lot");
    row("Product", d_.product_name);
    row("Product code", d_.product_code + " (" + d_.product_source + ")");
    row("Lot (DIN)",
        isbt128::din_eye_readable(d_.din) + "   (check character " + d_.check_character + ")");
    if (!d_.manufactured.empty()) row("Manufactured", d_.manufactured);
    row("Expires (UTC)", d_.expires);
    if (d_.use_within_after_thaw_minutes)
      row("Use after thaw", "within " + std::to_string(*d_.use_within_after_thaw_minutes) +
                                " minutes of thawing (" + d_.spec_id + " version " +
                                d_.spec_version + ")");
    if (!d_.storage.empty()) row("Storage", d_.storage);
    row("Doses in lot", std::to_string(d_.dose_count));
    row("Decision", d_.decision == "releasable-pending" ? "released with pending tests (see below)"
                    : d_.decision == "exceptional-release" ? "EXCEPTIONAL RELEASE: OUT OF "
                                                             "SPECIFICATION (see below)"
                                                           : "released: every criterion met");
    if (d_.decision == "exceptional-release") {
      heading("EXCEPTIONAL RELEASE: OUT OF SPECIFICATION");
      row("Recipient", d_.exceptional_recipient + " only");
      row("Physician", d_.exceptional_physician);
      row("Reason", d_.exceptional_reason);
      for (const auto& r : d_.criteria)
        if (r.verdict == Verdict::fail)
          row("Failed",
              labelled(r.test) + ": " + r.result + ", specification " + pretty(r.specification));
    }

    heading("Criteria (" + d_.spec_id + " version " + d_.spec_version + ")");
    columns({"Test", "Specification", "Result", "Verdict"}, true);
    for (const auto& r : d_.criteria) {
      std::string spec = pretty(r.specification);
      if (!r.group.empty()) spec += " (" + r.group + ")";
      columns({labelled(r.test), spec, r.result, to_string(r.verdict)}, false);
    }
    if (d_.pending.empty())
      row("Pending tests", "none: every required test is complete");
    else
      pending_box();

    heading("Source certificate of analysis");
    row("CoA", d_.coa_id);
    row("Laboratory", d_.laboratory_id + ", " + d_.laboratory_name);
    row("Signed by", readable_name(d_.coa_signer_subject));
    row("Signature", d_.coa_signature);
    row("Signer SHA-256", d_.coa_signer_sha256);
    row("CoA SHA-256", d_.coa_sha256);

    heading("Release specification");
    row("Specification", d_.spec_id + " version " + d_.spec_version + ": " + d_.spec_title);
    row("SHA-256", d_.spec_sha256);
    if (d_.spec_approval == "approved") {
      row("Approved by", readable_name(d_.spec_approver_subject));
      row("Approver SHA-256", d_.spec_approver_sha256);
      row("Approved at", d_.spec_approved_at + " (UTC)");
    } else if (d_.spec_approval == "built-in") {
      row("Approval", "the built-in specification of dosegate");
    } else if (d_.spec_approval == "unapproved") {
      heading("SPECIFICATION NOT APPROVED");
      row("Approval", "none: used under --allow-unapproved-spec");
    }

    // The manifestation stays on one page: its heading, rows and closing sentence.
    need(kHeadingAbove + kHeadingBelow + (d_.reason.empty() ? 8 : 9) * kRowPitch + 9.5f);
    heading("Release signature");
    row("Printed name", d_.released_by);
    row("Role", d_.role);
    row("Date and time", d_.released_at + " (UTC)");
    row("Meaning", d_.meaning);
    if (!d_.reason.empty()) row("Reason", d_.reason);
    row("Ledger entry", std::to_string(d_.ledger_seq) + ", SHA-256 " + d_.ledger_hash);
    row("Certificate", readable_name(d_.releaser_subject));
    row("Cert. SHA-256", d_.releaser_sha256);
    wrap(regular_, 7,
         "Signed electronically (PAdES, ETSI.CAdES.detached). The signature covers this whole "
         "file, including the attached release data (release-data.json).");

    const std::string id = d_.din + "-" + d_.product_code;
    for (std::size_t i = 0; i < pages_.size(); ++i) {
      page_ = pages_[i];
      const std::string footer =
          "Page " + std::to_string(i + 1) + " of " + std::to_string(pages_.size());
      text(regular_, 7.5f, kLeft, 30, "Lot " + id + " release record");
      text(regular_, 7.5f, kRight - width(regular_, 7.5f, footer), 30, footer);
    }
    pages_out = pages_.size();

    if (HPDF_SetInfoAttr(doc_.get(), HPDF_INFO_CREATOR, "dosegate") != HPDF_OK ||
        HPDF_SetInfoAttr(doc_.get(), HPDF_INFO_TITLE, ("Release record, lot " + id).c_str()) !=
            HPDF_OK)
      check();
    HPDF_SaveToStream(doc_.get());
    check();
    std::string out(HPDF_GetStreamSize(doc_.get()), '\0');
    HPDF_UINT32 size = static_cast<HPDF_UINT32>(out.size());
    HPDF_ReadFromStream(doc_.get(), reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
    check();
    out.resize(size);
    return out;
  }

 private:
  HPDF_Font load_font(const char* path) {
    const char* name = HPDF_LoadTTFontFromFile(doc_.get(), path, HPDF_TRUE);
    if (!name)
      throw Error("pdf.font", std::string(path) +
                                  ": cannot load the font (install Debian's fonts-dejavu-core)");
    return HPDF_GetFont(doc_.get(), name, "UTF-8");
  }

  void check() const {
    if (errors_.status != HPDF_OK) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "0x%04X (detail %u)", static_cast<unsigned>(errors_.status),
                    static_cast<unsigned>(errors_.detail));
      throw Error("pdf.failure", std::string("libharu failed with error ") + buf);
    }
  }

  void new_page() {
    page_ = HPDF_AddPage(doc_.get());
    HPDF_Page_SetWidth(page_, kPageWidth);
    HPDF_Page_SetHeight(page_, kPageHeight);
    pages_.push_back(page_);
    y_ = 800;
    check();
  }

  float width(HPDF_Font f, float size, const std::string& s) {
    HPDF_Page_SetFontAndSize(page_, f, size);
    return HPDF_Page_TextWidth(page_, s.c_str());
  }

  // Text whose words are all one character ("≤ 2 %") gets wider word gaps: poppler reads a
  // line of one-character words as letter-spaced text (CJK) and keeps a space only where the gap
  // is at least 0.4 em, more than a DejaVu space (0.318 em); so pdftotext gave "≤2%".
  static bool single_character_words(const std::string& s) {
    std::size_t words = 0, chars = 0;
    for (std::size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == ' ') {
        if (chars > 1) return false;
        if (chars == 1) ++words;
        chars = 0;
      } else if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
        ++chars;
      }
    }
    return words > 1;
  }

  void show_text(float size, float x, float y, const std::string& s) {
    const bool spaced = single_character_words(s);
    if (spaced) HPDF_Page_SetCharSpace(page_, 0.12f * size);
    HPDF_Page_TextOut(page_, x, y, s.c_str());
    if (spaced) HPDF_Page_SetCharSpace(page_, 0);
  }

  void text(HPDF_Font f, float size, float x, float y, const std::string& s) {
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, f, size);
    show_text(size, x, y, s);
    HPDF_Page_EndText(page_);
  }

  // Headings in the same embedded font, filled and stroked: one font per record keeps every
  // record (and a 1,000-dose lot) half the size that a second, bold font would make it.
  void bold_text(float size, float x, float y, const std::string& s) {
    HPDF_Page_SetLineWidth(page_, size / 30);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetTextRenderingMode(page_, HPDF_FILL_THEN_STROKE);
    HPDF_Page_SetFontAndSize(page_, regular_, size);
    show_text(size, x, y, s);
    HPDF_Page_SetTextRenderingMode(page_, HPDF_FILL);
    HPDF_Page_EndText(page_);
  }

  // Cuts `s` to fit `max` points, marking the cut with an ellipsis.
  std::string fit(HPDF_Font f, float size, std::string s, float max) {
    if (width(f, size, s) <= max) return s;
    while (!s.empty() && width(f, size, s + "\u2026") > max) {
      s.pop_back();
      while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
      if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xC0) s.pop_back();
    }
    return s + "\u2026";
  }

  // `s` in lines of at most `max` points, broken at spaces (inside a word only when one word is
  // wider than `max`); never cut short.
  std::vector<std::string> lines_of(float size, const std::string& s, float max) {
    std::vector<std::string> lines;
    std::string rest = s;
    while (!rest.empty()) {
      std::size_t cut = rest.size();
      while (cut > 0 && width(regular_, size, rest.substr(0, cut)) > max) {
        const auto sp = rest.rfind(' ', cut - 1);
        cut = (sp == std::string::npos || sp == 0) ? cut - 1 : sp;
        while (cut > 0 && (static_cast<unsigned char>(rest[cut]) & 0xC0) == 0x80) --cut;
      }
      if (cut == 0) {  // not even one character fits: take one anyway
        cut = 1;
        while (cut < rest.size() && (static_cast<unsigned char>(rest[cut]) & 0xC0) == 0x80) ++cut;
      }
      lines.push_back(rest.substr(0, cut));
      rest.erase(0, cut);
      while (!rest.empty() && rest.front() == ' ') rest.erase(0, 1);
    }
    if (lines.empty()) lines.emplace_back();
    return lines;
  }

  void need(float height) {
    if (y_ - height < kBottom) new_page();
  }

  void heading(const std::string& s) {
    need(kHeadingAbove + kHeadingBelow + 2 * kRowPitch);  // never alone at a page's foot
    y_ -= kHeadingAbove;
    bold_text(10, kLeft, y_, s);
    y_ -= kHeadingBelow;
  }

  void row(const std::string& label, const std::string& value) {
    const float size = 8;
    const float x = kLeft + 95;
    need(kRowPitch);
    text(regular_, size, kLeft, y_, label);
    // Long values wrap onto more lines under the value column.
    const auto lines = lines_of(size, value, kRight - x);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) need(kRowPitch);
      text(regular_, size, x, y_, lines[i]);
      y_ -= kRowPitch;
    }
  }

  // A row of the criteria table; a cell too wide for its column wraps within it.
  void columns(const std::vector<std::string>& cells, bool header) {
    const float xs[] = {kLeft, kLeft + 182, kLeft + 302, kLeft + 462};
    const float size = 7.5f;
    std::vector<std::vector<std::string>> wrapped;
    std::size_t height = 1;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const float max = (i + 1 < cells.size() ? xs[i + 1] : kRight) - xs[i] - 6;
      wrapped.push_back(lines_of(size, cells[i], max));
      height = std::max(height, wrapped.back().size());
    }
    need(kCellPitch * static_cast<float>(height));
    for (std::size_t i = 0; i < cells.size(); ++i)
      for (std::size_t k = 0; k < wrapped[i].size(); ++k) {
        const float y = y_ - kCellPitch * static_cast<float>(k);
        if (header)
          bold_text(size, xs[i], y, wrapped[i][k]);
        else
          text(regular_, size, xs[i], y, wrapped[i][k]);
      }
    y_ -= kCellPitch * static_cast<float>(height);
  }

  // Tests the specification allows to be pending stand out: in a shaded box with a heavy frame,
  // each with its name, the date its result is expected, its method and what the bedside answers
  // once that date has passed without the result.
  void pending_box() {
    const float x = kLeft + 6, max = kRight - kLeft - 12;
    const float first = 10.5f, second = 9, above = 9, below = 4, between = 3;
    std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> items;
    float height = above + below - between;
    for (const auto& p : d_.pending) {
      items.emplace_back(
          lines_of(8.5f,
                   labelled(p.test) + ": result expected " + p.expected +
                       "; allowed pending by the specification",
                   max),
          lines_of(7.5f,
                   p.method + "; after " + p.expected + " without the result the bedside answers " +
                       (p.when_overdue == "warn" ? "GO with a warning" : "NO-GO"),
                   max));
      height += static_cast<float>(items.back().first.size()) * first +
                static_cast<float>(items.back().second.size()) * second + between;
    }
    height -= second;  // the last line's baseline is `below` above the frame
    need(kHeadingAbove + kHeadingBelow + 2 + height + kRowPitch);
    heading("Pending tests: released before these results");
    y_ -= 2;  // the frame clear of the heading's descenders
    const float top = y_ + above;
    const float bottom = top - height;
    HPDF_Page_SetGrayFill(page_, 0.92f);
    HPDF_Page_SetLineWidth(page_, 1.5f);
    HPDF_Page_Rectangle(page_, kLeft, bottom, kRight - kLeft, top - bottom);
    HPDF_Page_FillStroke(page_);
    HPDF_Page_SetGrayFill(page_, 0);
    for (const auto& [title, detail] : items) {
      for (const auto& line : title) {
        bold_text(8.5f, x, y_, line);
        y_ -= first;
      }
      for (const auto& line : detail) {
        text(regular_, 7.5f, x, y_, line);
        y_ -= second;
      }
      y_ -= between;
    }
    y_ = bottom - 12;
  }

  void wrap(HPDF_Font f, float size, const std::string& s) {
    for (const auto& line : lines_of(size, s, kRight - kLeft)) {
      need(size + 2.5f);
      text(f, size, kLeft, y_, line);
      y_ -= size + 2.5f;
    }
  }

  const ReleaseData& d_;
  HpdfErrors errors_;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocFree> doc_;
  HPDF_Font regular_ = nullptr;
  HPDF_Page page_ = nullptr;
  std::vector<HPDF_Page> pages_;
  float y_ = 0;
};

// Text in the layout's regular font: its codes are UTF-16 code units (Identity-H).
std::string show(const std::string& font, float size, float x, float y, const std::string& ascii) {
  static const char* hex = "0123456789ABCDEF";
  std::string codes;
  for (unsigned char c : ascii) {
    const unsigned char ch = (c < 0x20 || c > 0x7e) ? '?' : c;
    codes += "00";
    codes += hex[ch >> 4];
    codes += hex[ch & 15];
  }
  char pos[96];
  std::snprintf(pos, sizeof pos, " %.2f Tf %.2f %.2f Td ", size, x, y);
  return "BT /" + font + pos + "<" + codes + "> Tj ET\n";
}

// A number in PDF syntax: the shortest decimal that reads back as the same value, never in
// exponent form; whole numbers (every module coordinate zint gives) as integers.
template <typename T>
void append_number(std::string& out, T value) {
  char buf[64];
  if (value > T(-1e6) && value < T(1e6)) {
    if (const auto whole = static_cast<long long>(value); static_cast<T>(whole) == value) {
      out.append(buf, std::to_chars(buf, buf + sizeof buf, whole).ptr);
      return;
    }
  }
  out.append(buf, std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed).ptr);
}

// A symbol's dark rectangles, drawn in zint's own module units (whole numbers) under one
// transformation: `module` points per module, the symbol's top-left corner at (x, top), y
// downwards as zint gives it.
std::string bars(const Barcode& code, float x, float top, float module) {
  std::string out = "q ";
  for (const float m : {module, 0.0f, 0.0f, -module, x, top}) {
    append_number(out, m);
    out += ' ';
  }
  out += "cm\n";
  for (const auto& r : code.bars) {
    for (const double v : {r.x, r.y, r.width}) {
      append_number(out, v);
      out += ' ';
    }
    append_number(out, r.height);
    out += " re\n";
  }
  return out + "f\nQ\n";
}

// A PDF text string: literal for ASCII, else UTF-16BE with a byte order mark (PDF 7.9.2.2).
Object text_string(const std::string& utf8) {
  if (std::all_of(utf8.begin(), utf8.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return Object(String{utf8, false});
  return Object(String{"\xFE\xFF" + text::utf16be(utf8), true});
}

std::string obj(int num, const std::string& body) {
  return indirect_object(num, body);
}

}  // namespace

std::string record_barcode_data(const ReleaseData& lot, const ReleaseDose& dose) {
  ReleaseData with_dose = lot;
  with_dose.dose = dose;
  return isbt128::record_barcode_data(record_id(with_dose));
}

RecordWriter::RecordWriter(const ReleaseData& lot) : lot_(lot) {
  // libharu's font data covers every character of the font; the lot's records keep only what
  // the pages show (the same widths and glyphs), 34 KB less per record.
  layout_ = keep_used_glyphs(Layout(lot_).render(pages_));
  if (layout_.empty() || layout_.back() != '\n') layout_ += '\n';
  layout_hash_.update(layout_);
  try {
    Document doc(layout_);
    size_ = doc.size();
    prev_xref_ = doc.startxref();
    const Object trailer = Object::dict(doc.trailer());
    const auto* root = trailer.get("Root");
    if (!root || !root->as_ref()) throw ParseError{"no /Root", 0};
    catalog_num_ = root->as_ref()->num;
    catalog_ = doc.load(catalog_num_);
    if (const auto* info = trailer.get("Info")) info_ = *info;
    const Object pages = doc.resolve(*catalog_.get("Pages"));
    const auto* kids = pages.get("Kids")->as_array();
    page_num_ = kids->front().as_ref()->num;
    page_ = doc.load(page_num_);
    const Object resources = doc.resolve(*page_.get("Resources"));
    const Object fonts = doc.resolve(*resources.get("Font"));
    for (const auto& [name, ref] : *fonts.as_dict()) {
      const Object font = doc.resolve(ref);
      const auto* base = font.get("BaseFont");
      if (base && base->as_name() &&
          base->as_name()->value.find("DejaVuSans") != std::string::npos &&
          base->as_name()->value.find("Bold") == std::string::npos)
        font_ = name;
    }
  } catch (const ParseError& e) {
    throw Error("pdf.failure", "cannot read libharu's layout back: " + e.message);
  }
  if (font_.empty()) throw Error("pdf.failure", "the layout has no regular font resource");
}

std::string RecordWriter::dose_overlay(const ReleaseData& data) const {
  const ReleaseDose& dose = data.dose;
  std::string s = "q\n";
  const float x = kLeft + 12;
  s += show(font_, 8, x, kDoseTop - 16, "DOSE");
  s += show(font_, 22, x, kDoseTop - 42, dose.division);
  s += show(font_, 8.5f, x, kDoseTop - 58,
            "Dose " + std::to_string(dose.index) + " of " + std::to_string(lot_.dose_count));
  s += show(font_, 8.5f, x, kDoseTop - 71, "Viable cells: " + dose.viable_cells);
  s += show(font_, 8.5f, x, kDoseTop - 84, "Volume: " + dose.volume);
  const std::string id = record_id(data);
  s += show(font_, 6.5f, x, kDoseBottom + 5, "Record " + id);
  // The bar codes name this record, not the bag: a scan of the paper never reads as the dose.
  const std::string code = isbt128::record_barcode_data(id);
  const auto linear = code128(code, 28);
  const auto matrix = datamatrix(code);
  // The DataMatrix at the band's right, its quiet zone inside the frame on every side.
  const float cell = kMatrixSide / static_cast<float>(matrix.width);
  const float matrix_quiet = kQuietModules * cell;
  const float matrix_x = kRight - kClearance - matrix_quiet - kMatrixSide;
  s += bars(matrix, matrix_x, (kDoseTop + kDoseBottom + kMatrixSide) / 2, cell);
  // The Code 128 fills the room before it but for the gap: 10 of its own modules and 10 of the
  // DataMatrix's, whichever is wider.
  const float bx = kLeft + 175;
  const float w = static_cast<float>(linear.width);
  const float room = matrix_x - kClearance - bx;
  const float module = std::min({0.95f, room / (w + kQuietModules), (room - matrix_quiet) / w});
  s += bars(linear, bx, kDoseTop - 12, module);
  s += show(font_, 7, bx, kDoseTop - 12 - static_cast<float>(linear.height) * module - 10, code);
  // The dose's identity, eye-readable: the DIN with its check character, the product code with
  // the division (or with its Product Divisions value).
  const std::string product = dose.division.size() == 2
                                  ? lot_.product_code.substr(0, 6) + dose.division
                                  : lot_.product_code + dose.division;
  s += show(font_, 7, bx, kDoseBottom + 5, isbt128::din_eye_readable(lot_.din) + "   " + product);
  return s + "Q\n";
}

SignedRecord RecordWriter::write(const ReleaseDose& dose, const crypto::SigningKey& id,
                                 Instant signed_at, const SignatureStamp* stamp) const {
  ReleaseData data = lot_;
  data.dose = dose;
  // Room for the signature: the bound for this key and chain, not a guess.
  const std::size_t signature_room =
      crypto::cades_detached_max_size(id) + (stamp ? stamp->room : 0);
  std::string out;
  out.reserve(layout_.size() + 2 * signature_room + 32768);
  out = layout_;
  std::map<int, std::size_t> offsets;
  int next = size_;
  const int overlay = next++, file = next++, filespec = next++, sig = next++, widget = next++;
  const Ref page_ref{page_num_, 0};

  const std::string content = deflate(dose_overlay(data));
  offsets[overlay] = out.size();
  out += obj(overlay, "<< /Length " + std::to_string(content.size()) +
                          " /Filter /FlateDecode >>\nstream\n" + content + "\nendstream");
  const std::string json = to_json(data);
  const std::string date = pdf_date(signed_at);
  offsets[file] = out.size();
  out += obj(file, "<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length " +
                       std::to_string(json.size()) + " /Params << /Size " +
                       std::to_string(json.size()) + " /ModDate (" + date + ") >> >>\nstream\n" +
                       json + "\nendstream");
  offsets[filespec] = out.size();
  out +=
      obj(filespec, "<< /Type /Filespec /F (" + std::string(kAttachmentName) + ") /UF (" +
                        kAttachmentName +
                        ") /Desc (dosegate release data, version 1) /AFRelationship /Data "
                        "/EF << /F " +
                        std::to_string(file) + " 0 R /UF " + std::to_string(file) + " 0 R >> >>");

  // The signature dictionary, with fixed-width placeholders for the byte range and contents.
  const std::string byte_range_placeholder = "[0 0000000000 0000000000 0000000000]";
  offsets[sig] = out.size();
  out += std::to_string(sig) +
         " 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter "
         "/ETSI.CAdES.detached /ByteRange ";
  const std::size_t byte_range_at = out.size();
  out += byte_range_placeholder + " /Contents ";
  const std::size_t contents_at = out.size();
  out += "<" + std::string(2 * signature_room, '0') + ">";
  const std::size_t contents_end = out.size();
  out += " /M (" + date + ")" + " /Name " + serialize(text_string(data.released_by)) + " /Reason " +
         serialize(text_string(data.meaning)) + " >>\nendobj\n";

  offsets[widget] = out.size();
  out += obj(widget, "<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /Rect [0 0 0 0] /T (" +
                         std::string("Release signature") + ") /V " + std::to_string(sig) +
                         " 0 R /P " + std::to_string(page_num_) + " 0 R >>");

  // Page 1 gets the dose block and the signature widget; the catalog the form, the
  // attachment and the PDF 1.7 extension level that ETSI.CAdES.detached needs.
  Dict page = *page_.as_dict();
  Dict catalog = *catalog_.as_dict();
  auto set = [](Dict& d, const std::string& key, Object value) {
    for (auto& [k, v] : d)
      if (k == key) {
        v = std::move(value);
        return;
      }
    d.emplace_back(key, std::move(value));
  };
  Array contents;
  if (const auto* c = page_.get("Contents")) {
    if (const auto* arr = c->as_array())
      contents = *arr;
    else
      contents.push_back(*c);
  }
  contents.push_back(Object(Ref{overlay, 0}));
  set(page, "Contents", Object::array(contents));
  set(page, "Annots", Object::array({Object(Ref{widget, 0})}));
  set(catalog, "Version", Object(Name{"1.7"}));
  set(catalog, "Extensions",
      Object::dict({{"ESIC", Object::dict({{"BaseVersion", Object(Name{"1.7"})},
                                           {"ExtensionLevel", Object(2LL)}})}}));
  set(catalog, "AcroForm",
      Object::dict(
          {{"Fields", Object::array({Object(Ref{widget, 0})})}, {"SigFlags", Object(3LL)}}));
  set(catalog, "Names",
      Object::dict({{"EmbeddedFiles",
                     Object::dict({{"Names", Object::array({Object(String{kAttachmentName, false}),
                                                            Object(Ref{filespec, 0})})}})}}));
  set(catalog, "AF", Object::array({Object(Ref{filespec, 0})}));
  offsets[page_ref.num] = out.size();
  out += obj(page_num_, serialize(Object::dict(page)));
  offsets[catalog_num_] = out.size();
  out += obj(catalog_num_, serialize(Object::dict(catalog)));

  // Cross-reference section for the changed and new objects only.
  const std::size_t xref_at = out.size();
  out += xref_section(offsets);
  Dict trailer{{"Size", Object(static_cast<long long>(next))},
               {"Root", Object(Ref{catalog_num_, 0})},
               {"Prev", Object(static_cast<long long>(prev_xref_))}};
  if (info_.as_ref()) trailer.emplace_back("Info", info_);
  out += "trailer\n" + serialize(Object::dict(trailer)) + "\nstartxref\n" +
         std::to_string(xref_at) + "\n%%EOF\n";

  // Byte range: everything but the /Contents hex string, angle brackets included in the gap.
  char range[64];
  std::snprintf(range, sizeof range, "[0 %010zu %010zu %010zu]", contents_at, contents_end,
                out.size() - contents_end);
  std::memcpy(out.data() + byte_range_at, range, byte_range_placeholder.size());

  // Each byte is hashed once. The lot's layout, the same at the start of every record, was
  // hashed when the writer was made; from the state at /Contents two digests go on: the
  // signed byte ranges (the bytes after /Contents) for the CMS, and the whole file (the
  // /Contents string, once filled in, and the same bytes after it) for the ledger.
  const std::string_view bytes(out);
  crypto::Sha256 to_contents = layout_hash_;
  to_contents.update(bytes.substr(layout_.size(), contents_at - layout_.size()));
  crypto::Sha256 byte_ranges = to_contents;
  byte_ranges.update(bytes.substr(contents_end));
  std::string cms = crypto::cades_detached(byte_ranges.digest(), id);
  if (stamp) cms = stamp->stamp(cms);
  if (cms.size() > signature_room)
    throw Error("pdf.failure", "the CMS signature (" + std::to_string(cms.size()) +
                                   " bytes) does not fit the reserved " +
                                   std::to_string(signature_room) + " bytes");
  static const char* hex = "0123456789abcdef";
  for (std::size_t i = 0; i < cms.size(); ++i) {
    out[contents_at + 1 + 2 * i] = hex[static_cast<unsigned char>(cms[i]) >> 4];
    out[contents_at + 2 + 2 * i] = hex[static_cast<unsigned char>(cms[i]) & 15];
  }
  if (stamp && stamp->validation_data) out += dss_update(out, stamp->validation_data(cms));
  to_contents.update(std::string_view(out).substr(contents_at));
  return {std::move(out), crypto::to_hex(to_contents.digest())};
}

}  // namespace dosegate::pdf
