// What the bedside service makes of a request's contents once cpp-httplib has parsed the HTTP
// (cpp-httplib's own parser is fuzzed upstream): the confirm body (JSON, scans, ids, times), the
// query parameters of history and trace, a trace's DIN and a record name (not the Authorization
// header: each wrong password costs an Argon2id hash, 64 MiB and a fraction of a second), and the
// recall body (the service holds the test releaser's key). The first byte picks the endpoint, the
// rest is its input. Every answer is a status the API documents with a JSON body; a confirmation
// is never GO and a recall never succeeds (this service has no ledger and no records).
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "fuzz_support.hpp"
#include "serve/service.hpp"

using namespace dosegate;

namespace {

serve::Service& service() {
  static const std::string dir = [] {
    std::string t =
        (std::filesystem::temp_directory_path() / "dosegate-fuzz-serve-XXXXXX").string();
    if (!::mkdtemp(t.data())) std::abort();
    std::filesystem::create_directories(t + "/records");
    return t;
  }();
  static serve::Service s(
      [] {
        serve::ServeOptions o;
        o.trust_dir = fuzz::source("certs/trust");
        o.ledger_path = dir + "/no-ledger.sqlite";
        o.records_dir = dir + "/records";
        o.users_path = dir + "/no-users";
        o.recall_signer =
            SignerFiles{fuzz::source("certs/test-pki/releaser.key.pem"),
                        fuzz::source("certs/test-pki/releaser.cert.pem"),
                        fuzz::source("certs/test-pki/qa-chain.pem"), std::nullopt, std::nullopt};
        return o;
      }(),
      [] { return Instant{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}}; });
  return s;
}

serve::Params params(std::string_view text) {
  serve::Params p;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const auto part = text.substr(0, amp);
    const auto eq = part.find('=');
    p[std::string(part.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
  return p;
}

void check(const serve::Reply& r) {
  const int s = r.status;
  fuzz::require(s == 200 || s == 400 || s == 401 || s == 403 || s == 404 || s == 409 || s == 413 ||
                    s == 500 || s == 501 || s == 503,
                "an undocumented status");
  if (r.content_type == "application/json")
    fuzz::require(!r.body.empty() && r.body.front() == '{', "a JSON answer that is no object");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& svc = service();
  const auto text = fuzz::bytes(data + 1, size - 1);
  const std::string input(text);
  switch (data[0] % 5) {
    case 0: {
      const auto r = svc.confirm(serve::Principal{"nurse-17", users::Role::bedside, "", ""}, input);
      check(r);
      fuzz::require(r.body.find("\"decision\": \"go\"") == std::string::npos,
                    "GO without a ledger or a record");
      break;
    }
    case 1: check(svc.history(params(text))); break;
    case 2: {
      const auto q = text.find('?');
      check(svc.trace(std::string(text.substr(0, q)),
                      q == std::string_view::npos ? serve::Params{} : params(text.substr(q + 1))));
      break;
    }
    case 3: check(svc.record(input)); break;
    case 4: {
      const auto r = svc.recall(serve::Principal{"qa-lead", users::Role::qa, "", ""}, input);
      check(r);
      fuzz::require(r.status != 200, "a recall without a ledger");
      break;
    }
  }
  return 0;
}
