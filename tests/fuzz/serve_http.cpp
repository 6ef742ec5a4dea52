// Fuzz target: raw bytes of one HTTP connection to `dosegate serve`, through cpp-httplib's own
// request parser and the service's routes, limits and error handlers, configured as the running
// service configures them (serve::ByteServer). A released lot, three users (bedside, qa,
// auditor) and a ledger, so that authenticated requests reach every endpoint. Invariants: no
// crash; every answer is a well-formed HTTP response (headers only for HEAD); nothing answers
// 500 (a handler that failed); every 4xx and 5xx carries a JSON finding, except the login
// page's 401 and the forbidden page's 403, which are HTML.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dosegate/cli/cli.hpp"
#include "fuzz_support.hpp"
#include "serve/server.hpp"
#include "serve/service.hpp"
#include "util/json_read.hpp"

using namespace dosegate;

namespace {

const char* kReleased = "2026-11-21T12:00:00Z";

Instant at(const char* text) {
  return *parse_utc_instant(text);
}

void cli(const std::vector<std::string>& args, const std::string& input = "") {
  std::ostringstream out, err;
  std::istringstream in(input);
  cli::Environment env;
  env.now = [] { return at(kReleased); };
  env.in = &in;
  if (cli::run(args, out, err, env) != 0) {
    std::fprintf(stderr, "fuzz: setting up failed: %s%s\n", out.str().c_str(), err.str().c_str());
    std::abort();
  }
}

struct Site {
  std::string dir;
  serve::ServeOptions options;
  std::ostringstream errors;
  std::unique_ptr<serve::Service> service;
  std::unique_ptr<serve::ByteServer> server;
  Site() {
    std::string t = (std::filesystem::temp_directory_path() / "dosegate-fuzz-http-XXXXXX").string();
    if (!::mkdtemp(t.data())) std::abort();
    dir = t;
    const auto pki = fuzz::source("certs/test-pki/");
    cli({"release", fuzz::source("samples/coa-pending-mycoplasma.xml"), "--trust",
         fuzz::source("certs/trust"), "--key", pki + "releaser.key.pem", "--cert",
         pki + "releaser.cert.pem", "--chain", pki + "qa-chain.pem", "--out", dir + "/records",
         "--ledger", dir + "/ledger.sqlite", "--quiet"});
    // Users named after their roles, password "ROLE password 1". Argon2id at its least cost
    // (8 KiB, one pass), so that a login costs the fuzzer microseconds, not `user add`'s
    // 64 MiB and 3 passes; the service reads the cost from each hash.
    std::ofstream(dir + "/users")
        << "bedside bedside $argon2id$v=19$m=8,t=1,p=1$ZnV6ei1zYWx0LWJlZHNpZGUtMTY$"
           "KtLmD8VXxI3qAVf8f8LD3H/Q/uUil5a1111ohGNgBqo\n"
           "qa qa $argon2id$v=19$m=8,t=1,p=1$ZnV6ei1zYWx0LXFhLTE2$"
           "Ep360Ceds+4pUXjWYhnaEmrRnKJvSaxH1Nkykrz7+Pc\n"
           "auditor auditor $argon2id$v=19$m=8,t=1,p=1$ZnV6ei1zYWx0LWF1ZGl0b3ItMTY$"
           "H0xnWX0wH0XuHS7l2OKT6QUGhzt0FwWFqqo+O4lCTuo\n";
    std::filesystem::permissions(
        dir + "/users", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    options.trust_dir = fuzz::source("certs/trust");
    options.ledger_path = dir + "/ledger.sqlite";
    options.records_dir = dir + "/records";
    options.users_path = dir + "/users";
    options.failed_login_delay = std::chrono::milliseconds(0);
    service = std::make_unique<serve::Service>(options, [] { return at("2026-11-22T09:00:00Z"); });
    server = std::make_unique<serve::ByteServer>(*service, options, errors);
  }
  ~Site() {
    server.reset();
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Site& site() {
  static Site s;
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// Every response in `out`, one request's answer: status line, headers, a body of
// Content-Length bytes; for HEAD, headers only (the Content-Length is the GET answer's).
void check_responses(std::string_view out, bool head_request) {
  while (!out.empty()) {
    fuzz::require(out.substr(0, 9) == "HTTP/1.1 ", "an answer that is no HTTP/1.1 response");
    const auto head_end = out.find("\r\n\r\n");
    fuzz::require(head_end != std::string_view::npos, "a response without the end of its headers");
    const std::string head(out.substr(0, head_end));
    const int status = std::stoi(head.substr(9, 3));
    std::string type;
    std::size_t length = 0;
    bool has_length = false;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      const auto name = lower(line.substr(0, colon));
      const auto value =
          line.substr(colon + 1 + (line.size() > colon + 1 && line[colon + 1] == ' '));
      if (name == "content-type") type = value;
      if (name == "content-length") {
        length = std::stoul(value);
        has_length = true;
      }
    }
    // An interim 100 Continue (Expect: 100-continue) has no body.
    fuzz::require(has_length || status < 200 || status == 303 || status == 204,
                  "a response without its length");
    fuzz::require(status != 500, "a request made a handler fail (500)");
    if (head_request && status >= 200) {
      fuzz::require(out.size() == head_end + 4, "an answer to HEAD with a body");
      return;
    }
    fuzz::require(head_end + 4 + length <= out.size(), "a response shorter than its length");
    const auto body = out.substr(head_end + 4, length);
    out.remove_prefix(head_end + 4 + length);
    if (status < 400) continue;
    if (type.rfind("text/html", 0) == 0) {
      // The login form after a wrong password; the forbidden page of a logged-in user.
      fuzz::require(status == 401 || status == 403, "an error page that is no JSON finding");
      continue;
    }
    fuzz::require(type == "application/json", "an error answered without JSON");
    json::Value v;
    try {
      v = json::parse(body);
    } catch (const json::ParseError&) {
      fuzz::require(false, "an error answered with malformed JSON");
    }
    const auto* findings = v.get("findings");
    fuzz::require(findings && findings->array() && !findings->array()->empty(),
                  "an error answered without a finding");
    const auto* code = findings->array()->front().get("code");
    fuzz::require(code && code->string() && !code->string()->empty(),
                  "an error finding without a code");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& s = site();
  for (const auto& answer : s.server->serve(fuzz::bytes(data, size)))
    check_responses(answer.bytes, answer.method == "HEAD");
  return 0;
}
