#include "pdf/verify_record.hpp"

#include <algorithm>

#include "crypto/cms.hpp"
#include "crypto/instants.hpp"
#include "crypto/timestamp.hpp"
#include "dosegate/error.hpp"
#include "pdf/dss.hpp"
#include "pdf/record.hpp"
#include "pdf/record_reader.hpp"

namespace dosegate::pdf {
namespace {

constexpr const char* kLocation = "/Root/AcroForm";

struct Candidate {
  long long range[4] = {0, 0, 0, 0};
  long long end = 0;  // range[2] + range[3], computed without overflow
  SignatureField field;
};

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// The bytes a hex string between `first` and `last` (the digits only) stands for; an odd
// final digit is followed by 0 (PDF 7.3.4.3).
std::string decode_hex(std::string_view digits) {
  std::string out;
  out.reserve(digits.size() / 2 + 1);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const int high = hex_value(digits[i]);
    const int low = i + 1 < digits.size() ? hex_value(digits[i + 1]) : 0;
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

}  // namespace

RecordCheck verify_record(std::string_view bytes, const crypto::TrustStore& trust, Instant at,
                          const std::string& source) {
  RecordCheck out;
  auto fail = [&](const char* code, std::string message) {
    out.findings.push_back(Finding{code, Severity::error, std::move(message), kLocation});
    return out;
  };
  try {
    RecordReader reader(bytes, source);
    if (!reader.has_form())
      return fail("record.unsigned", "the PDF holds no signature form (/AcroForm)");
    std::vector<Candidate> sigs;
    for (auto& field : reader.signature_fields()) {
      Candidate c;
      if (!field.byte_range_is_array || field.byte_range.size() != 4)
        return fail("record.byterange", "a signature's /ByteRange is not four integers");
      for (std::size_t i = 0; i < 4; ++i) {
        const auto n = field.byte_range[i];
        if (!n || *n < 0)
          return fail("record.byterange",
                      "a signature's /ByteRange is not four "
                      "non-negative integers");
        c.range[i] = *n;
      }
      if (__builtin_add_overflow(c.range[2], c.range[3], &c.end))
        return fail("record.byterange",
                    "a signature's /ByteRange ends beyond any file (its values overflow)");
      c.field = std::move(field);
      sigs.push_back(std::move(c));
    }
    if (sigs.empty()) return fail("record.unsigned", "the PDF holds no signature");
    auto last = std::max_element(sigs.begin(), sigs.end(),
                                 [](const auto& a, const auto& b) { return a.end < b.end; });
    const auto len = static_cast<long long>(bytes.size());
    // PAdES B-LTA: a document timestamp may be the last of exactly two signatures, covering
    // the whole file; the record's signature is then the other one.
    std::optional<Candidate> doc_ts;
    if (sigs.size() > 2 && last->field.sub_filter == "ETSI.RFC3161")
      return fail("record.modified-after-signing",
                  "the file was changed after it was signed: it holds " +
                      std::to_string(sigs.size()) +
                      " signatures; a record has one and at most one document timestamp");
    if (sigs.size() == 2 && last->field.sub_filter == "ETSI.RFC3161") {
      doc_ts = *last;
      last = sigs.begin() + (last == sigs.begin() ? 1 : 0);
      const auto* t = doc_ts->range;
      if (t[0] != 0 || t[1] <= last->end || t[2] <= t[1] || doc_ts->end != len)
        return fail("record.modified-after-signing",
                    "a document timestamp (/ETSI.RFC3161) that does not follow the signature and "
                    "cover the rest of the file: the file was changed after it was signed");
    }
    const auto* r = last->range;
    if (r[0] != 0 || r[1] <= 0 || r[2] <= r[1] || last->end > len)
      return fail("record.byterange",
                  "the signature's /ByteRange does not start at 0 or runs "
                  "outside the file");
    if (r[2] - r[1] < 2 || bytes[static_cast<std::size_t>(r[1])] != '<' ||
        bytes[static_cast<std::size_t>(r[2] - 1)] != '>' ||
        !std::all_of(bytes.begin() + r[1] + 1, bytes.begin() + r[2] - 1, is_hex))
      return fail("record.byterange",
                  "the gap in the signature's /ByteRange is not exactly its "
                  "/Contents hex string");
    // After the signature only a DSS update (PAdES B-LT) may follow: its streams are read here
    // as candidates, and once the signature holds the update must be byte for byte the one
    // dosegate writes for the signed bytes (dss_matches).
    // With a document timestamp the DSS update ends where its update begins: after the last
    // "%%EOF" line before its /Contents.
    std::size_t dss_end = bytes.size();
    if (doc_ts) {
      const auto eof = bytes.rfind("%%EOF\n", static_cast<std::size_t>(doc_ts->range[1]));
      if (eof == std::string_view::npos || eof < static_cast<std::size_t>(last->end))
        return fail("record.modified-after-signing",
                    "a document timestamp follows the signature without the /DSS update before "
                    "it");
      dss_end = eof + 6;
    }
    std::vector<std::string> dss;
    if (last->end != len)
      dss = dss_streams(bytes.substr(static_cast<std::size_t>(last->end),
                                     dss_end - static_cast<std::size_t>(last->end)));
    if (last->end != len && dss.empty())
      return fail("record.modified-after-signing",
                  "the last signature covers " + std::to_string(last->end) + " of " +
                      std::to_string(len) +
                      " bytes: the file was changed or extended (an incremental update) after "
                      "it was signed");
    const auto& sig = last->field;
    if (sig.sub_filter != "ETSI.CAdES.detached")
      return fail("record.signature-format",
                  "the signature is not /SubFilter "
                  "/ETSI.CAdES.detached");
    if (sig.signed_at) out.signed_at = *sig.signed_at;
    if (!sig.contents) return fail("record.byterange", "the signature has no /Contents");
    const auto gap =
        bytes.substr(static_cast<std::size_t>(r[1]) + 1, static_cast<std::size_t>(r[2] - r[1] - 2));
    if (decode_hex(gap) != *sig.contents)
      return fail("record.byterange",
                  "the gap in the signature's /ByteRange is not exactly its "
                  "/Contents hex string");
    crypto::add_der_instants(*sig.contents, out.instants);
    for (const auto& d : dss) crypto::add_der_instants(d, out.instants);
    const std::string signed_bytes =
        std::string(bytes.substr(0, static_cast<std::size_t>(r[1]))) +
        std::string(bytes.substr(static_cast<std::size_t>(r[2]), static_cast<std::size_t>(r[3])));
    auto checked = crypto::verify_detached_timestamped(
        *sig.contents, signed_bytes, trust, crypto::Role::releaser, at, "/Root/AcroForm/Fields/V",
        "this record", dss);
    auto& cms = checked.cms;
    out.judged_at = format_instant(checked.judged_at);
    out.notes = std::move(checked.notes);
    out.crls = std::move(checked.crls);
    if (checked.timestamp) {
      out.timestamp = format_instant(checked.timestamp->time);
      out.tsa = checked.timestamp->tsa.subject;
    }
    if (cms.signer_found) out.signer = cms.signer;
    if (!cms.findings.empty()) {
      out.findings = std::move(cms.findings);
      return out;
    }
    if (last->end != len) {
      const auto end = static_cast<std::size_t>(last->end);
      if (!dss_matches(bytes.substr(0, end), bytes.substr(end, dss_end - end), dss))
        return fail("record.modified-after-signing",
                    "the last signature covers " + std::to_string(last->end) + " of " +
                        std::to_string(len) +
                        " bytes: the file was changed or extended (an incremental update) after "
                        "it was signed, and what follows is not only validation data (a /DSS "
                        "update)");
      out.validation_data = true;
    }
    if (doc_ts) {
      const auto token = doc_timestamp_matches(bytes.substr(0, dss_end), bytes.substr(dss_end));
      if (!token)
        return fail("record.modified-after-signing",
                    "the file was changed after it was signed: what follows the /DSS update is "
                    "not only a document timestamp (dosegate's /DocTimeStamp update)");
      crypto::add_der_instants(*token, out.instants);  // its time and its TSA's certificates
      const auto* t = doc_ts->range;
      const std::string covered =
          std::string(bytes.substr(0, static_cast<std::size_t>(t[1]))) +
          std::string(bytes.substr(static_cast<std::size_t>(t[2]), static_cast<std::size_t>(t[3])));
      try {
        const auto ts =
            crypto::verify_document_timestamp(*token, covered, trust, at, dss, out.notes, out.crls);
        out.document_timestamp = format_instant(ts.time);
      } catch (const Error& e) {
        if (e.code() != "tsa.bad-token" && e.code() != "tsa.no-crl" &&
            e.code() != "tsa.compromised")
          throw;
        return fail(
            "record.document-timestamp-invalid",
            std::string("the document timestamp (PAdES B-LTA) cannot be trusted: ") + e.what());
      }
    }
    // The whole file is signed, or followed by exactly dosegate's /DSS update (which changes
    // nothing but the catalog's /DSS), so every object read now belongs to the signed revision.
    auto data = reader.attachment(kAttachmentName);
    switch (data.status) {
      case AttachmentLookup::Status::found: out.release_data = std::move(data.data); return out;
      case AttachmentLookup::Status::compressed:
        return fail("record.data-unreadable",
                    "the release data attachment is compressed; "
                    "dosegate writes it uncompressed");
      case AttachmentLookup::Status::missing:
      case AttachmentLookup::Status::unknown: break;
    }
    return fail("record.data-missing", std::string("the record has no ") + kAttachmentName +
                                           " attachment (" + data.problem + ")");
  } catch (const ReadError& e) {
    return fail("record.malformed",
                std::string("not a readable dosegate release record: ") + e.what());
  }
}

}  // namespace dosegate::pdf
