#include "tsa/client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "dosegate/error.hpp"

namespace dosegate::tsa {
namespace {

constexpr std::size_t kMaxAnswer = 1 << 20;

struct Body {
  std::string bytes;
  bool too_large = false;
};

extern "C" std::size_t on_data(char* data, std::size_t size, std::size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t len = size * n;
  if (body->bytes.size() + len > kMaxAnswer) {
    body->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body->bytes.append(data, len);
  return len;
}

struct EasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct ListDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

[[noreturn]] void fail(const std::string& url, const std::string& reason) {
  throw Error("tsa.failure", "timestamping authority " + url + ": " + reason);
}

}  // namespace

std::string post_query(const std::string& url, std::string_view query,
                       std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    fail(url, "not an http:// or https:// URL");
  // One handle per thread, reset before each request: its connection to the TSA is kept open
  // between the requests of a release (HTTP keep-alive) instead of a new one per token.
  thread_local std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) fail(url, "cannot set up an HTTP request");
  curl_easy_reset(curl.get());
  std::unique_ptr<curl_slist, ListDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/timestamp-query"));
  Body body;
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, query.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(query.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (body.too_large) fail(url, "the answer is larger than 1 MiB; not a timestamp response");
  if (rc != CURLE_OK)
    fail(url, std::string(rc == CURLE_OPERATION_TIMEDOUT ? "no answer in time: " : "") +
                  (error[0] ? error : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) fail(url, "HTTP status " + std::to_string(status) + " (200 expected)");
  char* type = nullptr;
  curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type);
  const std::string content_type = type ? type : "";
  if (content_type.rfind("application/timestamp-reply", 0) != 0)
    fail(url,
         "the answer's Content-Type is '" + content_type + "', not application/timestamp-reply");
  return std::move(body.bytes);
}

}  // namespace dosegate::tsa
