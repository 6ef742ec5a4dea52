// The RFC 3161 client: a TimeStampReq POSTed over HTTP(S) to a timestamping authority
// (libcurl only in src/tsa/).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace dosegate::tsa {

// POSTs `query` (DER TimeStampReq, Content-Type application/timestamp-query) to `url` and
// returns the body of the answer: HTTP status 200 with Content-Type application/timestamp-reply,
// at most 1 MiB, within `timeout`. Only http:// and https:// URLs; redirects are not followed;
// https checks the server's certificate against the system's CAs. Thread-safe: each thread
// keeps its own connection open between calls. Throws dosegate::Error("tsa.failure") whose message
// names the URL and the reason (cannot connect, timed out, HTTP status, wrong content type, too
// large).
std::string post_query(const std::string& url, std::string_view query,
                       std::chrono::milliseconds timeout);

}  // namespace dosegate::tsa
