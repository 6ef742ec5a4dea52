// PAdES B-LT: the validation data a verifier needs years later (certificates and the CRLs current
// at signing) in a /DSS dictionary, added to a signed record by one incremental update after
// the signature. The verifier accepts after the signature exactly the update dss_update writes
// for the signed bytes and nothing else.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dosegate::pdf {

struct ValidationData {
  std::vector<std::string> certs;  // DER certificates
  std::vector<std::string> crls;   // DER CRLs
};

// The incremental update that adds /DSS << /Type /DSS /Certs [...] /CRLs [...] >> to the catalog
// of `signed_record` (a record RecordWriter wrote, ending with its signature's revision): one
// stream object per certificate and CRL, the DSS dictionary, the catalog again with /DSS, a
// cross-reference section and a trailer. Returns the bytes to append. Throws ParseError.
std::string dss_update(std::string_view signed_record, const ValidationData& data);

// The streams of what follows a record's signed bytes (`tail`), read without trusting anything:
// the payloads of the leading "N 0 obj << /Length L >> stream ... endstream endobj" objects, in
// order (at most 64). Candidates only: dss_matches decides whether the tail is a DSS update.
std::vector<std::string> dss_streams(std::string_view tail);

// Whether `tail` is exactly dss_update(signed, data) for some split of `streams` into
// certificates and CRLs; that data when it is. `signed_bytes` must be bytes whose signature was
// verified (dosegate's own output). Never throws.
std::optional<ValidationData> dss_matches(std::string_view signed_bytes, std::string_view tail,
                                          const std::vector<std::string>& streams);

// PAdES B-LTA: the incremental update after the /DSS update that adds a document timestamp, a
// signature dictionary << /Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161
// /ByteRange [...] /Contents <...> >> whose RFC 3161 token covers every byte but its /Contents,
// an invisible widget field "Document timestamp" for it, and the catalog again with that field
// added to /AcroForm /Fields (no page object changes). `room` bytes are reserved for the token.
struct DocTimestampUpdate {
  std::string bytes;         // to append; /Contents all zeros until fill_doc_timestamp
  std::size_t contents_at;   // offset of '<' in the whole file
  std::size_t contents_end;  // offset just after '>'
};
// Throws ParseError (a catalog without an inline /AcroForm /Fields).
DocTimestampUpdate doc_timestamp_update(std::string_view before, std::size_t room);
// The ByteRange bytes of `update` appended to `before`: what the token's imprint covers.
std::string doc_timestamp_covered(std::string_view before, const DocTimestampUpdate& update);
// Writes `token` (DER, at most `room` bytes, else ParseError) into /Contents in lowercase hex.
void fill_doc_timestamp(DocTimestampUpdate& update, std::string_view before,
                        std::string_view token);

// Whether `tail` is exactly the document-timestamp update of `before` carrying the token its
// /Contents holds; that token when it is. Never throws.
std::optional<std::string> doc_timestamp_matches(std::string_view before, std::string_view tail);

}  // namespace dosegate::pdf
