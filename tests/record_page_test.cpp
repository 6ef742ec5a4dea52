// What the release record's page shows people: names as they read them, the thaw window, a
// text layer poppler reads without warnings (a ToUnicode map of the codes shown), the whole
// record on one page, tests by name, pending tests in a box, and bar codes that decode from the
// rendered page with their quiet zones.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <regex>

#include "test_support.hpp"

namespace dosegate {

using test::contains;

TEST_CASE("record page: readable names, the thaw window, text poppler reads without warnings",
          "[release][record]") {
  test::TempDir dir;
  auto args = std::vector<std::string>{"release",  test::source("samples/coa-pass.xml"),
                                       "--trust",  test::source("certs/trust"),
                                       "--out",    dir.file("records"),
                                       "--ledger", dir.file("ledger.sqlite"),
                                       "--quiet"};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  REQUIRE(test::run_cli_at(args, "2026-11-21T12:00:00Z").code == 0);
  const auto record = dir.file("records/A999926000147-S1234V00-A0.pdf");
  REQUIRE(std::filesystem::exists(record));
  // pdftotext's standard error is part of the output: any warning shows.
  const auto text = test::run_process("pdftotext " + test::quote_arg(record) + " -");
  INFO(text.output);
  REQUIRE(text.code == 0);
  CHECK_FALSE(contains(text.output, "Warning"));
  CHECK_FALSE(contains(text.output, "ToUnicode"));
  // Signers as people read them, never RFC 2253 escapes.
  CHECK(contains(text.output,
                 "QC Signer EC, Example QC Laboratory GmbH (Example QC Laboratory GmbH, DE)"));
  CHECK(contains(text.output, "Alex Example, QA Release (Example Clinic QA, DE)"));
  CHECK_FALSE(contains(text.output, "\\,"));
  CHECK_FALSE(contains(text.output, "CN="));
  // The specification's use-within-after-thaw window.
  CHECK(contains(text.output, "Use after thaw"));
  CHECK(contains(text.output, "within 90 minutes of thawing (wj-msc version 1)"));
  // Manufacture date and storage condition from the CoA.
  CHECK(contains(text.output, "Manufactured"));
  CHECK(contains(text.output, "2026-11-02"));
  CHECK(contains(text.output, "Storage"));
  CHECK(contains(text.output, "LN2 vapour phase, at or below -135 C"));
  // Characters beyond ASCII come back as themselves through the ToUnicode map.
  CHECK(contains(text.output, "\xE2\x89\xA5 95 %"));  // ≥ 95 %
  // Still a valid, whole-file signature.
  const auto sig = test::run_process("pdfsig " + test::quote_arg(record));
  CHECK(contains(sig.output, "Signature is Valid."));
  CHECK(contains(sig.output, "Total document signed"));
}

namespace {

const std::string kAt = "2026-11-21T12:00:00Z";

// Releases `coa` (relative to the source tree) with `extra` options at kAt into `dir` and
// returns the path of the record of dose `division` of lot `din` with product code `product`.
std::string release_sample(const test::TempDir& dir, const std::string& coa,
                           const std::vector<std::string>& extra, const std::string& name) {
  auto args = std::vector<std::string>{
      "release", test::source(coa),   "--trust",  test::source("certs/trust"),
      "--out",   dir.file("records"), "--ledger", dir.file("ledger.sqlite"),
      "--quiet"};
  const auto key = test::releaser();
  args.insert(args.end(), key.begin(), key.end());
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = test::run_cli_at(args, kAt);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  const auto record = dir.file("records/" + name + ".pdf");
  REQUIRE(std::filesystem::exists(record));
  return record;
}

struct Sample {
  std::string coa;
  std::vector<std::string> extra;
  std::string record;  // file name without .pdf
};

// Every sample that releases, under every shipped specification it is released under.
const std::vector<Sample>& releasable_samples() {
  static const std::vector<Sample> samples = {
      {"samples/coa-pass.xml", {}, "A999926000147-S1234V00-A0"},
      {"samples/coa-pass.xml",
       {"--spec", test::source("samples/specs/wj-msc.signed.xml")},
       "A999926000147-S1234V00-A0"},
      {"samples/coa-pending-mycoplasma.xml", {}, "A999926000154-S1234V00-A0"},
      {"samples/coa-pending-mycoplasma.xml",
       {"--spec", test::source("samples/specs/wj-msc.signed.xml")},
       "A999926000154-S1234V00-A0"},
      {"samples/coa-exosome-pass.xml",
       {"--spec", test::source("samples/specs/msc-exosome.signed.xml")},
       "A999926000212-S5678V00-A0"},
  };
  return samples;
}

std::string text_of(const std::string& pdf, const std::string& options = "-layout") {
  const auto r = test::run_process("pdftotext " + options + " " + test::quote_arg(pdf) + " -");
  INFO(r.output);
  REQUIRE(r.code == 0);
  return r.output;
}

// The record with every stream uncompressed (qpdf's QDF form): its drawing operators as text.
std::string drawing_of(const test::TempDir& dir, const std::string& pdf) {
  const auto qdf = dir.file("qdf.pdf");
  const auto r = test::run_process("qpdf --qdf --object-streams=disable " + test::quote_arg(pdf) +
                                   " " + test::quote_arg(qdf));
  INFO(r.output);
  REQUIRE(r.code == 0);
  return test::read_file_text(qdf);
}

struct Box {
  double x0, y0, x1, y1;  // PDF user space, y upwards
};

// Every rectangle drawn with the given painting operator alone on the next line ("S" stroke,
// "B" fill and stroke), as libharu writes them: "x y w h re\nB".
std::vector<Box> rectangles(const std::string& drawing, const std::string& paint) {
  std::vector<Box> out;
  static const std::regex re(R"((-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) (-?[0-9.]+) re\n(\w+)\n)");
  for (auto it = std::sregex_iterator(drawing.begin(), drawing.end(), re);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m[5] != paint) continue;
    const double x = std::stod(m[1]), y = std::stod(m[2]), w = std::stod(m[3]), h = std::stod(m[4]);
    out.push_back({x, y, x + w, y + h});
  }
  return out;
}

// A bar code as the record draws it: "q m 0 0 -m x top cm", its modules as "re", then "f Q".
struct Symbol {
  double module = 0;
  Box box{1e9, 1e9, -1e9, -1e9};  // the dark modules' extent, in points
};

std::vector<Symbol> symbols(const std::string& drawing) {
  std::vector<Symbol> out;
  static const std::regex cm(R"(q ([0-9.]+) 0 0 -([0-9.]+) ([0-9.]+) ([0-9.]+) cm\n)");
  static const std::regex re(R"(([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) re\n)");
  for (auto it = std::sregex_iterator(drawing.begin(), drawing.end(), cm);
       it != std::sregex_iterator(); ++it) {
    const double m = std::stod((*it)[1]), x = std::stod((*it)[3]), top = std::stod((*it)[4]);
    const auto from = static_cast<std::size_t>(it->position() + it->length());
    const auto to = drawing.find("f\nQ", from);
    REQUIRE(to != std::string::npos);
    const std::string body = drawing.substr(from, to - from);
    Symbol s;
    s.module = m;
    for (auto r = std::sregex_iterator(body.begin(), body.end(), re); r != std::sregex_iterator();
         ++r) {
      const double rx = std::stod((*r)[1]), ry = std::stod((*r)[2]), rw = std::stod((*r)[3]),
                   rh = std::stod((*r)[4]);
      s.box.x0 = std::min(s.box.x0, x + m * rx);
      s.box.x1 = std::max(s.box.x1, x + m * (rx + rw));
      s.box.y1 = std::max(s.box.y1, top - m * ry);
      s.box.y0 = std::min(s.box.y0, top - m * (ry + rh));
    }
    out.push_back(s);
  }
  return out;
}

// pdftotext -bbox: the box of the first word `word` on page 1, in PDF user space.
Box word_box(const std::string& pdf, const std::string& word) {
  const auto r = test::run_process("pdftotext -bbox -f 1 -l 1 " + test::quote_arg(pdf) + " -");
  REQUIRE(r.code == 0);
  const std::regex re(
      "<word xMin=\"([0-9.]+)\" yMin=\"([0-9.]+)\" xMax=\"([0-9.]+)\" yMax=\"([0-9.]+)\">" + word +
      "</word>");
  std::smatch m;
  INFO(r.output);
  REQUIRE(std::regex_search(r.output, m, re));
  const double height = 841.89;  // A4: pdftotext counts y from the top
  return {std::stod(m[1]), height - std::stod(m[4]), std::stod(m[3]), height - std::stod(m[2])};
}

}  // namespace

TEST_CASE("record page: the whole record on one page for every sample and shipped specification",
          "[release][record][interop]") {
  for (const auto& sample : releasable_samples()) {
    INFO(sample.coa << (sample.extra.empty() ? "" : " " + sample.extra.back()));
    test::TempDir dir;
    const auto record = release_sample(dir, sample.coa, sample.extra, sample.record);
    const auto pages = test::run_process("qpdf --show-npages " + test::quote_arg(record));
    CHECK(pages.output == "1\n");
    const auto info = test::run_process("pdfinfo " + test::quote_arg(record));
    CHECK(std::regex_search(info.output, std::regex("\nPages: +1\n")));
    const auto text = text_of(record);
    INFO(text);
    // The signature manifestation is on the page, with the rest.
    CHECK(contains(text, "Release signature"));
    CHECK(contains(text, "Alex Example, QA Release"));
    CHECK(contains(text, "Page 1 of 1"));
    // Every signer as people read them, the specification's approver too.
    CHECK_FALSE(contains(text, "CN="));
    if (!sample.extra.empty())
      CHECK(contains(text, "Sam Example, QA Specification Approval (Example Clinic QA, DE)"));
    // Records stay small (at most 80 KiB each).
    CHECK(std::filesystem::file_size(record) <= 80 * 1024);
    // Still a valid, whole-file signature and a clean file.
    const auto sig = test::run_process("pdfsig " + test::quote_arg(record));
    CHECK(contains(sig.output, "Signature is Valid."));
    CHECK(contains(sig.output, "Total document signed"));
    const auto check = test::run_process("qpdf --check " + test::quote_arg(record));
    CHECK(check.code == 0);
  }
}

TEST_CASE("record page: tests are named beside their codes", "[release][record]") {
  test::TempDir dir;
  const auto text =
      text_of(release_sample(dir, "samples/coa-pass.xml", {}, "A999926000147-S1234V00-A0"));
  INFO(text);
  CHECK(contains(text, "Post-thaw viability (viability-post-thaw)"));
  CHECK(contains(text, "CD73 expression (cd73)"));
  CHECK(contains(text, "Identity (STR profile) (str-identity)"));
  CHECK(contains(text, "Potency (IDO activity) (potency-ido)"));
  test::TempDir exosome;
  const auto other =
      text_of(release_sample(exosome, "samples/coa-exosome-pass.xml",
                             {"--spec", test::source("samples/specs/msc-exosome.signed.xml")},
                             "A999926000212-S5678V00-A0"));
  INFO(other);
  CHECK(contains(other, "Particle size (mode) (particle-size-mode)"));
  CHECK(contains(other, "CD63 (exosome marker) (cd63)"));
}

TEST_CASE("record page: pending tests in a box with the date their result is expected",
          "[release][record]") {
  test::TempDir dir;
  const auto record =
      release_sample(dir, "samples/coa-pending-mycoplasma.xml", {}, "A999926000154-S1234V00-A0");
  const auto text = text_of(record);
  INFO(text);
  CHECK(contains(text, "Pending tests: released before these results"));
  CHECK(contains(text, "Mycoplasma (mycoplasma): result expected 2026-11-30"));
  CHECK(contains(text, "allowed pending by the specification"));
  // One filled and stroked rectangle on the page, and the pending test's words inside it.
  const auto boxes = rectangles(drawing_of(dir, record), "B");
  REQUIRE(boxes.size() == 1);
  const auto& box = boxes.front();
  // (Words found in the box only: the criteria table shows the test and its date too.)
  for (const char* word : {"2026-11-30;", "allowed", "bedside", "NO-GO"}) {
    INFO(word);
    const auto w = word_box(record, word);
    CHECK(w.x0 > box.x0);
    CHECK(w.x1 < box.x1);
    CHECK(w.y0 > box.y0);
    CHECK(w.y1 < box.y1);
  }
  // A lot with nothing pending: no box, and the page says so.
  test::TempDir complete;
  const auto pass =
      release_sample(complete, "samples/coa-pass.xml", {}, "A999926000147-S1234V00-A0");
  CHECK(rectangles(drawing_of(complete, pass), "B").empty());
  CHECK(contains(text_of(pass), "none: every required test is complete"));
}

TEST_CASE("record page: pdftotext reads \"\xE2\x89\xA4 2 %\" with its spaces",
          "[release][record][interop]") {
  test::TempDir dir;
  const auto record = release_sample(dir, "samples/coa-pass.xml", {}, "A999926000147-S1234V00-A0");
  for (const std::string options : {"-layout", "-raw", ""}) {
    INFO(options);
    const auto text = text_of(record, options);
    INFO(text);
    CHECK(contains(text, "cd34)"));
    CHECK((contains(text, "\xE2\x89\xA4 2 %\n") || contains(text, "\xE2\x89\xA4 2 % ")));
    CHECK_FALSE(contains(text,
                         "\xE2\x89\xA4"
                         "2%"));
    CHECK_FALSE(contains(text,
                         "\xE2\x89\xA4"
                         "2 %"));
    CHECK(contains(text, "\xE2\x89\xA5 95 %"));
  }
}

TEST_CASE("record page: both bar codes decode from the rendered page, with quiet zones",
          "[release][record][interop]") {
  test::TempDir dir;
  const auto record = release_sample(dir, "samples/coa-pass.xml", {}, "A999926000147-S1234V00-A0");
  const auto id = "dosegate-record:A999926000147-S1234V00-A0";
  const auto page = dir.file("page");
  REQUIRE(test::run_process("pdftoppm -r 300 -gray -f 1 -l 1 -singlefile " +
                            test::quote_arg(record) + " " + test::quote_arg(page))
              .code == 0);
  const auto linear = test::run_process("zbarimg --nodbus --raw -q -Sdisable -Scode128.enable " +
                                        test::quote_arg(page + ".pgm"));
  INFO(linear.output);
  CHECK(linear.code == 0);
  CHECK(linear.output == std::string(id) + "\n");
  const auto matrix = test::run_process("dmtxread -N1 " + test::quote_arg(page + ".pgm"));
  INFO(matrix.output);
  CHECK(matrix.code == 0);
  CHECK(matrix.output == id);

  // The geometry as drawn: the Code 128, then the DataMatrix, each with its module size.
  const auto drawing = drawing_of(dir, record);
  const auto codes = symbols(drawing);
  REQUIRE(codes.size() == 2);
  // The DataMatrix is the square one.
  const auto is_square = [](const Symbol& c) {
    return std::abs((c.box.x1 - c.box.x0) - (c.box.y1 - c.box.y0)) < 0.01;
  };
  REQUIRE(is_square(codes[0]) != is_square(codes[1]));
  const auto& linear_symbol = is_square(codes[0]) ? codes[1] : codes[0];
  const auto& matrix_symbol = is_square(codes[0]) ? codes[0] : codes[1];
  const auto& bars = linear_symbol.box;
  const auto& square = matrix_symbol.box;
  const double bar_module = linear_symbol.module, cell = matrix_symbol.module;
  INFO("Code 128 module " << bar_module << " pt, DataMatrix module " << cell << " pt");
  // At least 10 modules of either symbol between them.
  const double gap = square.x0 - bars.x1;
  CHECK(gap / bar_module >= 10);
  CHECK(gap / cell >= 10);
  // And 10 of the DataMatrix's own modules to the dose block's frame on every side.
  const auto frames = rectangles(drawing, "S");
  REQUIRE_FALSE(frames.empty());
  const auto band = std::find_if(frames.begin(), frames.end(), [&](const Box& b) {
    return b.x0 < square.x0 && b.x1 > square.x1 && b.y0 < square.y0 && b.y1 > square.y1;
  });
  REQUIRE(band != frames.end());
  const double line = 0.8 / 2;  // half the frame's line width reaches inside
  CHECK((band->x1 - line - square.x1) / cell >= 10);
  CHECK((square.y0 - band->y0 - line) / cell >= 10);
  CHECK((band->y1 - line - square.y1) / cell >= 10);
  // The Code 128's left quiet zone: nothing drawn within 10 modules before its first bar, on
  // the lines its bars span (the text left of it ends well before).
  for (const char* word : {"DOSE", "A0"}) {
    const auto w = word_box(record, word);
    if (w.y1 > bars.y0 && w.y0 < bars.y1) CHECK((bars.x0 - w.x1) / bar_module >= 10);
  }
}

}  // namespace dosegate
