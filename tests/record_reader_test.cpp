// Hostile release records: each is refused with a finding that names the problem, by the
// library and by the real executable (NO-GO, exit 1), never with a crash. Records that must get
// past the signature check to reach a defect are re-signed with the test releaser's key.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>

#include "crypto/trust_store.hpp"
#include "pdf/record_reader.hpp"
#include "pdf/verify_record.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::run_cli;
using test::run_process;
using test::TempDir;

namespace {

const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kBedside = "2026-11-22T09:00:00Z";
const std::string kDoseA0 = "=A99992600015400=<S1234VA0";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

// One released lot (doses A0 and B0) with its own ledger, shared by the tests of this file.
const TempDir& lot() {
  static TempDir dir;
  static bool done = false;
  if (!done) {
    const auto r =
        test::run_cli_at({"release", src("samples/coa-pending-mycoplasma.xml"), "--trust",
                          src("certs/trust"), "--key", pki("releaser.key.pem"), "--cert",
                          pki("releaser.cert.pem"), "--chain", pki("qa-chain.pem"), "--out",
                          dir.file("records"), "--ledger", dir.file("ledger.sqlite"), "--quiet"},
                         kReleased);
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    done = true;
  }
  return dir;
}

std::string record_a0() {
  return test::read_file_text(lot().file("records/A999926000154-S1234V00-A0.pdf"));
}

pdf::RecordCheck check(const std::string& bytes) {
  const crypto::TrustStore trust(src("certs/trust"));
  return pdf::verify_record(bytes, trust, *parse_utc_instant(kBedside), "hostile.pdf");
}

// `dosegate confirm` run as a process, so that a crash shows as an exit status, for the A0 dose.
test::ProcessResult confirm_process(const std::string& bytes) {
  TempDir dir;
  const auto path = dir.file("hostile.pdf");
  write(path, bytes);
  return run_process(quote_arg(DOSEGATE_BINARY) + " confirm " + quote_arg(path) + " --trust " +
                     quote_arg(src("certs/trust")) + " --dose " + quote_arg(kDoseA0) +
                     " --ledger " + quote_arg(lot().file("ledger.sqlite")) +
                     " --staff nurse-17 --at " + kBedside);
}

// The executable answers NO-GO (exit 1) naming the file and `reason` on its first line.
void require_cli_no_go(const std::string& bytes, const std::string& reason) {
  const auto r = confirm_process(bytes);
  INFO(r.output);
  CHECK(r.code == 1);
  const auto line = r.output.substr(0, r.output.find('\n'));
  CHECK(line.rfind("NO-GO: ", 0) == 0);
  CHECK(contains(line, reason));
}

// A PDF of the given object bodies (object 1 first), with a correct classic cross-reference
// table and a trailer naming object 1 as /Root. Offsets of the objects come back in `offsets`.
std::string build_pdf(const std::vector<std::string>& bodies, const std::string& trailer_extra = "",
                      std::vector<std::size_t>* offsets = nullptr) {
  std::string out = "%PDF-1.7\n";
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    at.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + bodies[i] + "\nendobj\n";
  }
  const auto xref_at = out.size();
  out += "xref\n0 " + std::to_string(bodies.size() + 1) + "\n0000000000 65535 f \n";
  for (const auto a : at) {
    char entry[24];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", a);
    out += entry;
  }
  out += "trailer\n<< /Size " + std::to_string(bodies.size() + 1) + " /Root 1 0 R" + trailer_extra +
         " >>\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
  if (offsets) *offsets = at;
  return out;
}

// The record's /ByteRange as dosegate writes it (fixed width).
std::array<std::size_t, 4> byte_range(const std::string& bytes) {
  const auto at = bytes.rfind("/ByteRange [");
  REQUIRE(at != std::string::npos);
  std::array<std::size_t, 4> r{};
  REQUIRE(std::sscanf(bytes.c_str() + at, "/ByteRange [%zu %zu %zu %zu]", &r[0], &r[1], &r[2],
                      &r[3]) == 4);
  return r;
}

// Signs a changed record again with the test releaser's key (openssl cms, CAdES, detached), so
// that its signature holds and only the change is left to be found.
std::string resign(std::string bytes) {
  const auto r = byte_range(bytes);
  REQUIRE(r[2] + r[3] == bytes.size());
  TempDir dir;
  write(dir.file("signed.bin"), bytes.substr(0, r[1]) + bytes.substr(r[2]));
  const auto signed_ = run_process(
      "openssl cms -sign -binary -md sha256 -cades -nosmimecap -outform DER -in " +
      quote_arg(dir.file("signed.bin")) + " -signer " + quote_arg(pki("releaser.cert.pem")) +
      " -inkey " + quote_arg(pki("releaser.key.pem")) + " -certfile " +
      quote_arg(pki("qa-chain.pem")) + " -out " + quote_arg(dir.file("sig.der")));
  INFO(signed_.output);
  REQUIRE(signed_.code == 0);
  const auto der = test::read_file_text(dir.file("sig.der"));
  REQUIRE(2 * der.size() <= r[2] - r[1] - 2);
  static const char* hex = "0123456789abcdef";
  std::string digits(r[2] - r[1] - 2, '0');
  for (std::size_t i = 0; i < der.size(); ++i) {
    digits[2 * i] = hex[static_cast<unsigned char>(der[i]) >> 4];
    digits[2 * i + 1] = hex[static_cast<unsigned char>(der[i]) & 15];
  }
  bytes.replace(r[1] + 1, digits.size(), digits);
  return bytes;
}

// Replaces `what` (found after `from`) by `with` padded with spaces to the same length, so that
// no offset in the file moves.
std::string replace_same_length(std::string bytes, std::size_t from, const std::string& what,
                                const std::string& with) {
  const auto at = bytes.find(what, from);
  REQUIRE(at != std::string::npos);
  REQUIRE(with.size() <= what.size());
  return bytes.replace(at, what.size(), with + std::string(what.size() - with.size(), ' '));
}

Finding only_error(const pdf::RecordCheck& c) {
  REQUIRE(c.findings.size() == 1);
  return c.findings.front();
}

}  // namespace

TEST_CASE("hostile record: a re-signed record holds, so the tests below reach their defect",
          "[record][negative]") {
  const auto c = check(resign(record_a0()));
  INFO((c.findings.empty() ? "" : c.findings[0].message));
  CHECK(c.findings.empty());
  CHECK(c.release_data);
}

TEST_CASE("hostile record: a stream whose /Length refers to its own object", "[record][negative]") {
  // Twelve lines, of which the one that matters is "<< /Length 1 0 R >>" inside object 1.
  const auto pdf = build_pdf({"<< /Length 1 0 R >>\nstream\nx\nendstream"});
  const auto f = only_error(check(pdf));
  CHECK(f.code == "record.malformed");
  CHECK(contains(f.message, "not a readable dosegate release record: hostile.pdf"));
  CHECK(contains(f.message, "loop detected resolving object 1 0"));
  require_cli_no_go(pdf, "hostile.pdf");
}

TEST_CASE("hostile record: /ByteRange values whose sum overflows, negative or too large",
          "[record][negative]") {
  // The first gap points at a real '<' so that only the overflow check stands between the
  // verifier and a read far outside the file.
  const auto with_range = [](const std::string& range) {
    const std::string sig =
        "<< /Type /Sig /SubFilter /ETSI.CAdES.detached /ByteRange " + range + " /Contents <00> >>";
    std::vector<std::size_t> at;
    const std::vector<std::string> bodies{"<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>",
                                          "<< /FT /Sig /V 3 0 R >>", sig};
    auto pdf = build_pdf(bodies, "", &at);
    const auto gap = pdf.find("<00>", at[2]);
    const auto pos = range.find("GAP");
    if (pos == std::string::npos) return pdf;
    // The gap's offset has as many digits as "GAP" has letters (the file is short).
    char digits[8];
    std::snprintf(digits, sizeof digits, "%03zu", gap);
    REQUIRE(std::string(digits).size() == 3);
    return replace_same_length(pdf, at[2], "GAP", digits);
  };
  const auto overflow = with_range("[0 GAP 9223372036854775807 9223372036854775807]");
  auto f = only_error(check(overflow));
  CHECK(f.code == "record.byterange");
  CHECK(f.message == "a signature's /ByteRange ends beyond any file (its values overflow)");
  require_cli_no_go(overflow, "its values overflow");

  const auto negative = with_range("[0 GAP -5 10]");
  f = only_error(check(negative));
  CHECK(f.code == "record.byterange");
  CHECK(f.message == "a signature's /ByteRange is not four non-negative integers");
  require_cli_no_go(negative, "not four non-negative integers");

  // A number too large for any integer type is a malformed file.
  const auto huge = with_range("[0 GAP 99999999999999999999999 1]");
  f = only_error(check(huge));
  CHECK(f.code == "record.malformed");
  CHECK(contains(f.message, "99999999999999999999999"));
  require_cli_no_go(huge, "not a readable dosegate release record");
}

TEST_CASE("hostile record: a signed record without /EmbeddedFiles or with one of the wrong type",
          "[record][negative]") {
  const auto original = record_a0();
  const auto names = original.rfind("/Names <</EmbeddedFiles <<");
  REQUIRE(names != std::string::npos);
  const auto tree_end = original.find(">>", names) + 2;  // the /EmbeddedFiles dictionary
  const auto tree = original.substr(names + 24, tree_end - names - 24);
  REQUIRE(tree.rfind("<</Names [(release-data.json) ", 0) == 0);
  const struct {
    std::string bytes;
    std::string problem;
  } cases[] = {
      {replace_same_length(original, names, "/EmbeddedFiles", "/EmbeddedFilez"),
       "/Root/Names/EmbeddedFiles is missing"},
      {replace_same_length(original, names, tree, "42"),
       "/Root/Names/EmbeddedFiles is integer, not a dictionary"},
      {replace_same_length(original, names, tree, "(release-data.json)"),
       "/Root/Names/EmbeddedFiles is string, not a dictionary"},
      {replace_same_length(original, names, original.substr(names + 7, tree_end + 3 - names - 7),
                           "7"),
       "/Root/Names is integer, not a dictionary"},
  };
  for (const auto& c : cases) {
    INFO(c.problem);
    const auto signed_ = resign(c.bytes);
    const auto f = only_error(check(signed_));
    CHECK(f.code == "record.data-missing");
    CHECK(f.message == "the record has no release-data.json attachment (" + c.problem + ")");
    require_cli_no_go(signed_, c.problem);
  }
}

TEST_CASE("hostile record: arrays and dictionaries nested 100,000 deep", "[record][negative]") {
  const std::string arrays = std::string(100000, '[');
  std::string dicts;
  for (int i = 0; i < 100000; ++i) dicts += "<</A ";
  for (const auto& pdf : {build_pdf({arrays}), build_pdf({"<< /Type /Catalog >>"}, " /X " + dicts),
                          build_pdf({"<< /Type /Catalog /AcroForm 2 0 R >>", dicts})}) {
    const auto f = only_error(check(pdf));
    CHECK(f.code == "record.malformed");
    CHECK(contains(f.message, "ignoring excessively deeply nested data structure"));
    require_cli_no_go(pdf, "deeply nested");
  }
}

TEST_CASE("hostile record: a damaged cross-reference table that qpdf would repair is refused",
          "[record][negative]") {
  const auto original = record_a0();
  const auto xref = original.rfind("\nxref\n") + 1;
  // The signature dictionary's entry in the last cross-reference section, one byte off.
  const auto sig_at = original.rfind(" 0 obj\n<< /Type /Sig", xref);
  const auto sig_obj = original.rfind('\n', sig_at) + 1;
  char entry[24], moved[24];
  std::snprintf(entry, sizeof entry, "%010zu 00000 n", sig_obj);
  std::snprintf(moved, sizeof moved, "%010zu 00000 n", sig_obj + 1);
  const auto off_by_one = resign(replace_same_length(original, xref, entry, moved));
  // startxref pointing one byte into the table.
  const auto sx = original.rfind("startxref\n") + 10;
  REQUIRE(std::to_string(xref + 1).size() == std::to_string(xref).size());
  const auto start_moved = resign(original.substr(0, sx) + std::to_string(xref + 1) +
                                  original.substr(sx + std::to_string(xref).size()));
  TempDir dir;
  for (const auto& damaged : {off_by_one, start_moved}) {
    // qpdf's repair makes a usable file of it (exit 3: done, with warnings).
    write(dir.file("damaged.pdf"), damaged);
    const auto repaired = run_process("qpdf " + quote_arg(dir.file("damaged.pdf")) + " " +
                                      quote_arg(dir.file("repaired.pdf")));
    INFO(repaired.output);
    CHECK(repaired.code == 3);
    const auto f = only_error(check(damaged));
    CHECK(f.code == "record.malformed");
    CHECK(contains(f.message, "not a readable dosegate release record: hostile.pdf"));
    require_cli_no_go(damaged, "not a readable dosegate release record");
  }
}

TEST_CASE("hostile record: cross-reference streams and oversized files are refused unread",
          "[record][negative]") {
  // What qpdf writes with object streams: valid PDF, but not a record dosegate wrote.
  TempDir dir;
  write(dir.file("record.pdf"), record_a0());
  REQUIRE(run_process("qpdf --object-streams=generate " + quote_arg(dir.file("record.pdf")) + " " +
                      quote_arg(dir.file("streams.pdf")))
              .code == 0);
  auto f = only_error(check(test::read_file_text(dir.file("streams.pdf"))));
  CHECK(f.code == "record.malformed");
  CHECK(contains(f.message, "xref not found"));

  std::string big = record_a0();
  big.resize(pdf::kMaxRecordBytes + 1, ' ');
  f = only_error(check(big));
  CHECK(f.code == "record.malformed");
  CHECK(contains(f.message, "more than the 33554432 a release record may have"));
}

TEST_CASE("hostile record: the reader's errors are std::exceptions naming the source",
          "[record][negative]") {
  try {
    pdf::RecordReader reader("%PDF-1.7\nnothing else", "some.pdf");
    FAIL("no error");
  } catch (const std::exception& e) {
    CHECK(std::string(e.what()) == "some.pdf: no startxref near the end of the file");
  }
}
