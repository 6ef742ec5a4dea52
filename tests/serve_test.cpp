// dosegate serve over a real socket: the built binary started as a process on 127.0.0.1 (a free
// port it picks and names), driven with cpp-httplib's client. Every endpoint and error status,
// login, CSRF and roles, the bedside answers, concurrency and the SIGTERM drain.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "ledger_store.hpp"
#include "serve/service.hpp"
#include "test_support.hpp"
#include "util/json.hpp"
#include "util/json_read.hpp"

extern char** environ;

using namespace dosegate;
using test::contains;
using test::pki;
using test::releaser;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kBedside = "2026-11-22T09:00:00Z";
const std::string kDoseA0 = "=A99992600015400=<S1234VA0";
const std::string kDoseB0 = "=A99992600015400=<S1234VB0";
const std::string kRecalledA0 = "=A99992600014700=<S1234VA0";
const std::string kNursePassword = "nurse-17 password";
const std::string kQaPassword = "qa-lead password!";
const std::string kAuditorPassword = "auditor password!";

std::string src(const std::string& relative) {
  return test::source(relative);
}

void add_user(const std::string& users, const std::string& name, const std::string& role,
              const std::string& password) {
  const auto r = test::run_cli_at({"user", "add", name, "--role", role, "--users", users},
                                  kReleased, password + "\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

// Two lots released into one ledger and records directory: the pending-mycoplasma lot
// (A999926000154, doses A0 and B0) and samples/coa-pass.xml (A999926000147), recalled. Three
// users: nurse-17 (bedside), qa-lead (qa), inspector (auditor).
struct Site {
  TempDir dir;
  std::string ledger;
  std::string records = dir.file("records");
  std::string users = dir.file("users");
  // `location`: a ledger to use instead of DIR/ledger.sqlite (a PostgreSQL URI).
  explicit Site(const std::string& location = "")
      : ledger(location.empty() ? dir.file("ledger.sqlite") : location) {
    for (const char* coa : {"samples/coa-pending-mycoplasma.xml", "samples/coa-pass.xml"}) {
      std::vector<std::string> args{"release", src(coa),   "--trust", src("certs/trust"), "--out",
                                    records,   "--ledger", ledger,    "--quiet"};
      for (const auto& a : releaser()) args.push_back(a);
      const auto r = test::run_cli_at(args, kReleased);
      INFO(r.out << r.err);
      REQUIRE(r.code == 0);
    }
    std::vector<std::string> args{
        "recall",  "A999926000147",    "--reason", "Sterility retest positive",
        "--trust", src("certs/trust"), "--ledger", ledger};
    for (const auto& a : releaser()) args.push_back(a);
    const auto r = test::run_cli_at(args, "2026-11-22T08:00:00Z");
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
    add_user(users, "nurse-17", "bedside", kNursePassword);
    add_user(users, "qa-lead", "qa", kQaPassword);
    add_user(users, "inspector", "auditor", kAuditorPassword);
  }
};

// `dosegate serve` as a process, on 127.0.0.1 and the port it names at start-up.
struct Server {
  pid_t pid = -1;
  int out_fd = -1;
  int port = 0;
  std::string startup;
  Server(const std::string& trust, const std::string& ledger, const std::string& records,
         const std::string& users, const std::string& now = kBedside,
         const std::vector<std::string>& extra = {}, const std::vector<std::string>& wrapper = {}) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<std::string> args{DOSEGATE_BINARY, "serve", "--trust",   trust,
                                  "--ledger",      ledger,  "--records", records,
                                  "--users",       users,   "--listen",  "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    // A wrapper command runs the service (its arguments follow the wrapper's).
    args.insert(args.begin(), wrapper.begin(), wrapper.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings{"DOSEGATE_TEST_NOW=" + now};
    for (char** e = environ; *e; ++e)
      if (std::string(*e).rfind("DOSEGATE_TEST_NOW=", 0) != 0) env_strings.push_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    REQUIRE(posix_spawn(&pid, wrapper.empty() ? DOSEGATE_BINARY : wrapper[0].c_str(), &actions,
                        nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_fd = fds[0];
    startup = read_line();
    const auto at = startup.find("://127.0.0.1:");
    INFO(startup);
    REQUIRE(at != std::string::npos);
    port = std::stoi(startup.substr(at + 13));
  }
  std::string read_line() {
    std::string line;
    char c = 0;
    while (::read(out_fd, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  std::string read_rest() {
    std::string all;
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(out_fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
    return all;
  }
  // SIGTERM, then the exit status (-1 when not a normal exit).
  int stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  ~Server() {
    stop();
    if (out_fd >= 0) ::close(out_fd);
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    return c;
  }
  httplib::Client client(const std::string& user, const std::string& password) const {
    auto c = client();
    c.set_basic_auth(user, password);
    return c;
  }
};

struct Running {
  Site site;
  Server server;
  explicit Running(const std::string& location = "")
      : site(location), server(src("certs/trust"), site.ledger, site.records, site.users) {}
  httplib::Client nurse() const { return server.client("nurse-17", kNursePassword); }
  httplib::Client qa() const { return server.client("qa-lead", kQaPassword); }
  httplib::Client auditor() const { return server.client("inspector", kAuditorPassword); }
};

std::string confirm_body(const std::vector<std::string>& scans, const std::string& recipient) {
  std::string body = "{\"dose\": [";
  for (std::size_t i = 0; i < scans.size(); ++i) body += (i ? ", " : "") + json::quote(scans[i]);
  return body + "], \"recipient\": \"" + recipient + "\"}";
}

// A value of an application/x-www-form-urlencoded body.
std::string form_value(const std::string& v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string code_of(const std::string& json) {
  const auto at = json.find("\"code\": \"");
  if (at == std::string::npos) return "";
  return json.substr(at + 9, json.find('"', at + 9) - at - 9);
}

long long count_of(const std::string& haystack, const std::string& needle) {
  long long n = 0;
  for (std::size_t at = 0; (at = haystack.find(needle, at)) != std::string::npos; ++at) ++n;
  return n;
}

// The session cookie and the CSRF token after logging in through the form.
struct Login {
  std::string cookie;
  std::string csrf;
};
Login login(const Server& server, const std::string& user, const std::string& password) {
  auto c = server.client();
  const auto r = c.Post("/login", "user=" + user + "&password=" + form_value(password) + "&next=",
                        "application/x-www-form-urlencoded");
  REQUIRE(r);
  REQUIRE(r->status == 303);
  const auto set_cookie = r->get_header_value("Set-Cookie");
  Login l;
  l.cookie = set_cookie.substr(0, set_cookie.find(';'));
  const auto page = c.Get(r->get_header_value("Location"), {{"Cookie", l.cookie}});
  REQUIRE(page);
  REQUIRE(page->status == 200);
  const auto at = page->body.find("name=\"csrf-token\" content=\"");
  REQUIRE(at != std::string::npos);
  l.csrf = page->body.substr(at + 27, 64);
  return l;
}

}  // namespace

TEST_CASE("serve: health answers on 127.0.0.1 without a login, and says loopback only", "[serve]") {
  Running s;
  CHECK(contains(s.server.startup, "loopback only"));
  auto c = s.server.client();
  const auto r = c.Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"status\": \"ok\""));
  CHECK(r->get_header_value("Content-Type") == "application/json");
  CHECK(r->get_header_value("X-Content-Type-Options") == "nosniff");
}

TEST_CASE("serve: a non-loopback --listen without TLS is refused with exit 2", "[serve]") {
  Site site;
  const auto r =
      test::run_cli({"serve", "--trust", src("certs/trust"), "--ledger", site.ledger, "--records",
                     site.records, "--users", site.users, "--listen", "0.0.0.0:0"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "not a loopback address"));
  const auto half =
      test::run_cli({"serve", "--trust", src("certs/trust"), "--records", site.records, "--listen",
                     "127.0.0.1:0", "--tls-cert", pki("releaser.cert.pem")});
  CHECK(half.code == 2);
  CHECK(contains(half.err, "--tls-cert and --tls-key go together"));
  const auto bad = test::run_cli({"serve", "--trust", src("certs/trust"), "--records", site.records,
                                  "--listen", "127.0.0.1:99999"});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "port must be 0 to 65535"));
}

TEST_CASE(
    "serve: login gives an HttpOnly SameSite=Strict session, a wrong password is 401 after "
    "the delay and never says which part was wrong",
    "[serve][users]") {
  Running s;
  auto c = s.server.client();
  auto r = c.Post(
      "/login", "user=nurse-17&password=wrong+password&next=", "application/x-www-form-urlencoded");
  const auto t0 = std::chrono::steady_clock::now();
  auto wrong_user = c.Post(
      "/login", "user=nobody&password=wrong+password&next=", "application/x-www-form-urlencoded");
  const auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE(r);
  REQUIRE(wrong_user);
  CHECK(r->status == 401);
  CHECK(wrong_user->status == 401);
  CHECK(r->body == wrong_user->body);
  CHECK(contains(r->body, "Wrong user name or password."));
  CHECK(waited >= std::chrono::seconds(1));
  CHECK_FALSE(r->has_header("Set-Cookie"));

  r = c.Post("/login", "user=nurse-17&password=" + form_value(kNursePassword) + "&next=",
             "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 303);
  CHECK(r->get_header_value("Location") == "/bedside");
  const auto cookie = r->get_header_value("Set-Cookie");
  CHECK(contains(cookie, "dosegate_session="));
  CHECK(contains(cookie, "HttpOnly"));
  CHECK(contains(cookie, "SameSite=Strict"));
  CHECK_FALSE(contains(cookie, "Secure"));  // no TLS here

  // Basic with a wrong password: 401 with a challenge.
  auto bad = s.server.client("nurse-17", "not the password");
  const auto b =
      bad.Post("/api/v1/confirm", confirm_body({kDoseA0}, "MRN-0001"), "application/json");
  REQUIRE(b);
  CHECK(b->status == 401);
  CHECK(code_of(b->body) == "serve.unauthorized");
  CHECK(contains(b->get_header_value("WWW-Authenticate"), "Basic"));
}

TEST_CASE("serve: after 5 wrong passwords the account is locked, even for the right one",
          "[serve][users]") {
  Running s;
  auto c = s.server.client();
  for (int i = 0; i < 5; ++i) {
    const auto r = c.Post("/login", "user=qa-lead&password=guess" + std::to_string(i) + "&next=",
                          "application/x-www-form-urlencoded");
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  const auto r = c.Post("/login", "user=qa-lead&password=" + form_value(kQaPassword) + "&next=",
                        "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 401);
  // Another account is not affected.
  const auto other = s.auditor().Get("/api/v1/audit");
  REQUIRE(other);
  CHECK(other->status == 200);
}

LEDGER_TEST_CASE(
    "serve: confirm over the API is GO with the pending test and records the logged-in user",
    "[serve][api]") {
  Running s(store.postgresql() ? test::pg_new_database() : "");
  auto nurse = s.nurse();
  const auto r =
      nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  CHECK(contains(r->body, "\"command\": \"confirm\""));
  CHECK(contains(r->body, "\"test\": \"mycoplasma\""));
  CHECK(contains(r->body, "\"staff\": \"nurse-17\""));
  CHECK(contains(r->body, "\"record\": \"A999926000154-S1234V00-B0.pdf\""));
  CHECK(contains(r->body, "\"ledger_entry\": 6"));
  CHECK_FALSE(contains(r->body, s.site.records));  // the server's paths stay there
  // Two scans, in any order, and the thaw time.
  const auto two = nurse.Post(
      "/api/v1/confirm",
      R"({"dose": ["=<S1234VA0", "=A99992600015400"], "recipient": "MRN-0002", "thawed_at": "2026-11-22T08:50:00Z", "staff": "nurse-17", "second_staff": "nurse-42"})",
      "application/json");
  REQUIRE(two);
  INFO(two->body);
  CHECK(two->status == 200);
  CHECK(contains(two->body, "\"decision\": \"go\""));
  CHECK(contains(two->body, "\"second_staff\": \"nurse-42\""));
  // The ledger names the user.
  const auto h = s.auditor().Get("/api/v1/history?kind=confirm");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(count_of(h->body, "\"actor\": \"nurse-17\"") == 2);
  // The same dose for another recipient: NO-GO.
  const auto again =
      nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0009"), "application/json");
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK(contains(again->body, "confirm.dose-already-given"));
}

LEDGER_TEST_CASE("serve: a recalled lot is NO-GO", "[serve][api]") {
  Running s(store.postgresql() ? test::pg_new_database() : "");
  const auto r = s.nurse().Post("/api/v1/confirm", confirm_body({kRecalledA0}, "MRN-0001"),
                                "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r->body) == std::set<std::string>{"confirm.recalled"});
}

TEST_CASE("serve: bad input to confirm is 400 with a finding, a dose not released here 404",
          "[serve][api]") {
  Running s;
  auto nurse = s.nurse();
  // Lot 154's check character is B.
  auto r = nurse.Post("/api/v1/confirm", confirm_body({"A9999 26 000154 C S1234VB0"}, "MRN-1"),
                      "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(code_of(r->body) == "scan.invalid");
  CHECK(contains(r->body, "wrong check character"));
  CHECK(contains(r->body, "\"decision\": \"error\""));
  for (const char* body :
       {"not json", "[]", R"({"dose": 5})", R"({"dose": ["=<S1234VB0"], "x": 1})",
        R"({"recipient": "MRN-1"})", R"({"dose": [], "recipient": "a b"})",
        R"({"dose": ["=A99992600015400=<S1234VB0"], "thawed_at": "yesterday"})"}) {
    r = nurse.Post("/api/v1/confirm", body, "application/json");
    REQUIRE(r);
    INFO(body << " -> " << r->body);
    CHECK(r->status == 400);
    CHECK_FALSE(code_of(r->body).empty());
  }
  r = nurse.Post("/api/v1/confirm", confirm_body({"=A99992600015400=<S1234VC0"}, "MRN-1"),
                 "application/json");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(code_of(r->body) == "serve.record-not-found");
  CHECK(contains(r->body, "NO-GO"));
}

TEST_CASE(
    "serve: a badge may name another person, the entry names the account too, and a badge "
    "that is no user is a warning",
    "[serve][api][users]") {
  Running s;
  add_user(s.site.users, "nurse-42", "bedside", "nurse-42 password");
  auto nurse = s.nurse();
  // A registered colleague's badge: GO, staff nurse-42, through nurse-17's account.
  auto r = nurse.Post("/api/v1/confirm",
                      R"({"dose": ["=A99992600015400=<S1234VB0"], "staff": "nurse-42", )"
                      R"("recipient": "MRN-0001"})",
                      "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  CHECK(contains(r->body, "\"staff\": \"nurse-42\""));
  CHECK(contains(r->body, "confirm.staff-by-badge"));
  CHECK_FALSE(contains(r->body, "confirm.badge-not-user"));
  // A badge that is nobody's account: still the answer, with the warning.
  r = nurse.Post("/api/v1/confirm",
                 R"({"dose": ["=A99992600015400=<S1234VB0"], "staff": "nurse-99", )"
                 R"("recipient": "MRN-0001"})",
                 "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  CHECK(contains(r->body, "\"staff\": \"nurse-99\""));
  CHECK(contains(r->body, "confirm.badge-not-user"));
  const auto h = s.auditor().Get("/api/v1/history?kind=confirm");
  REQUIRE(h);
  CHECK(contains(h->body, "\"actor\": \"nurse-42\""));
  CHECK(contains(h->body, "\"actor\": \"nurse-99\""));
  CHECK(count_of(h->body, "confirmed through the account of nurse-17") == 2);
  CHECK(count_of(h->body, "confirm.badge-not-user") == 1);
  // A badge with a space is not an id.
  r = nurse.Post("/api/v1/confirm", R"({"dose": ["=A99992600015400=<S1234VB0"], "staff": "a b"})",
                 "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(code_of(r->body) == "request.malformed");
}

TEST_CASE("serve: each role does only its own work", "[serve][users]") {
  Running s;
  const auto body = confirm_body({kDoseA0}, "MRN-0001");
  auto r = s.server.client().Post("/api/v1/confirm", body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
  r = s.qa().Post("/api/v1/confirm", body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(code_of(r->body) == "serve.forbidden");
  r = s.auditor().Post("/api/v1/confirm", body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  for (const char* path : {"/api/v1/history", "/api/v1/audit", "/api/v1/trace/A999926000154",
                           "/api/v1/records/A999926000154-S1234V00-B0.pdf"}) {
    r = s.nurse().Get(path);
    REQUIRE(r);
    INFO(path);
    CHECK(r->status == 403);
    r = s.server.client().Get(path);
    REQUIRE(r);
    CHECK(r->status == 401);
  }
  httplib::MultipartFormDataItems items{
      {"coa", test::read_source("samples/coa-pass.xml"), "coa-pass.xml", "application/xml"}};
  r = s.auditor().Post("/api/v1/verify", items);
  REQUIRE(r);
  CHECK(r->status == 403);
  // Pages: a bedside user cannot open /qa.
  const auto l = login(s.server, "nurse-17", kNursePassword);
  r = s.server.client().Get("/qa", {{"Cookie", l.cookie}});
  REQUIRE(r);
  CHECK(r->status == 403);
  r = s.server.client().Get("/bedside");
  REQUIRE(r);
  CHECK(r->status == 303);
  CHECK(contains(r->get_header_value("Location"), "/login"));
}

TEST_CASE("serve: a session needs its CSRF token to confirm, Basic without a cookie does not",
          "[serve][users]") {
  Running s;
  const auto l = login(s.server, "nurse-17", kNursePassword);
  auto c = s.server.client();
  const auto body = confirm_body({kDoseA0}, "MRN-0001");
  auto r = c.Post("/api/v1/confirm", {{"Cookie", l.cookie}}, body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(code_of(r->body) == "serve.csrf");
  r = c.Post("/api/v1/confirm", {{"Cookie", l.cookie}, {"X-CSRF-Token", std::string(64, 'a')}},
             body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  r = c.Post("/api/v1/confirm", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}}, body,
             "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  CHECK(contains(r->body, "\"staff\": \"nurse-17\""));
  // Logging out ends the session.
  r = c.Post("/logout", {{"Cookie", l.cookie}}, "csrf=" + l.csrf,
             "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 303);
  r = c.Post("/api/v1/confirm", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}}, body,
             "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
}

TEST_CASE("serve: verify takes an uploaded CoA and answers with verify's JSON", "[serve][api]") {
  Running s;
  auto qa = s.qa();
  httplib::MultipartFormDataItems items{
      {"coa", test::read_source("samples/coa-pass.xml"), "coa-pass.xml", "application/xml"}};
  auto r = qa.Post("/api/v1/verify", items);
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"releasable\""));
  httplib::MultipartFormDataItems failing{{"coa",
                                           test::read_source("samples/coa-marker-failed.xml"),
                                           "coa-marker-failed.xml", "application/xml"}};
  r = qa.Post("/api/v1/verify", failing);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"rejected\""));
  httplib::MultipartFormDataItems none{{"signature", "x", "x.p7s", "application/octet-stream"}};
  r = qa.Post("/api/v1/verify", none);
  REQUIRE(r);
  CHECK(r->status == 400);
  // A broken specification is 400, and the answer names the upload, not a server path.
  httplib::MultipartFormDataItems bad_spec{
      {"coa", test::read_source("samples/coa-pass.xml"), "coa-pass.xml", "application/xml"},
      {"spec", "<not-a-spec/>", "spec.xml", "application/xml"}};
  r = qa.Post("/api/v1/verify", bad_spec);
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 400);
  CHECK(code_of(r->body) == "spec.invalid");
  CHECK_FALSE(contains(r->body, "/tmp/"));
  CHECK_FALSE(contains(r->body, "dosegate-serve-"));
  r = qa.Post("/api/v1/verify", "{}", "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  httplib::MultipartFormDataItems big{
      {"coa", std::string(5 * 1024 * 1024, 'x'), "big.xml", "application/xml"}};
  r = qa.Post("/api/v1/verify", big);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(code_of(r->body) == "serve.too-large");
  httplib::MultipartFormDataItems huge{
      {"coa", std::string(9 * 1024 * 1024, 'x'), "huge.xml", "application/xml"}};
  r = qa.Post("/api/v1/verify", huge);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(contains(r->get_header_value("Content-Type"), "application/json"));
}

LEDGER_TEST_CASE("serve: history, trace, audit and records for the auditor", "[serve][api]") {
  Running s(store.postgresql() ? test::pg_new_database() : "");
  auto a = s.auditor();
  auto r = a.Get("/api/v1/history?lot=A999926000147");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"command\": \"history\""));
  CHECK(contains(r->body, "\"kind\": \"recall\""));
  CHECK_FALSE(contains(r->body, "A999926000154"));
  r = a.Get("/api/v1/history?format=csv");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->get_header_value("Content-Type"), "text/csv"));
  CHECK(contains(r->body, ",chain-head,"));
  for (const char* bad : {"/api/v1/history?lot=A999926000", "/api/v1/history?kind=party",
                          "/api/v1/history?since=yesterday", "/api/v1/history?sort=seq",
                          "/api/v1/trace/A999926000154?format=pdf", "/api/v1/trace/A99992600",
                          "/api/v1/audit?verbose=1", "/api/v1/records/ledger.sqlite"}) {
    r = a.Get(bad);
    REQUIRE(r);
    INFO(bad << " -> " << r->body);
    CHECK(r->status == 400);
    CHECK(code_of(r->body) == "request.malformed");
  }
  // A path, decoded or not, never reaches the file system.
  for (const char* path :
       {"/api/v1/records/..%2F..%2Fetc%2Fpasswd", "/api/v1/records/..%2Fledger.sqlite"}) {
    r = a.Get(path);
    REQUIRE(r);
    CHECK((r->status == 400 || r->status == 404));
    CHECK(contains(r->body, "\"decision\": \"error\""));
  }
  r = a.Get("/api/v1/trace/A999926000154");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"command\": \"trace\""));
  CHECK(contains(r->body, "\"decision\": \"verified\""));
  r = a.Get("/api/v1/trace/A999926000999");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(code_of(r->body) == "trace.unknown-lot");
  r = a.Get("/api/v1/audit");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"intact\""));
  r = a.Get("/api/v1/records/A999926000154-S1234V00-B0.pdf");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/pdf");
  CHECK(r->body == test::read_file_text(s.site.records + "/A999926000154-S1234V00-B0.pdf"));
  r = a.Get("/api/v1/records/A999926000154-S1234V00-C0.pdf");
  REQUIRE(r);
  CHECK(r->status == 404);
  // A Range header is not honoured: every answer whole, an error's JSON never cut to ranges.
  r = a.Get("/api/v1/records/A999926000154-S1234V00-B0.pdf", {{"Range", "bytes=0-99,200-"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == test::read_file_text(s.site.records + "/A999926000154-S1234V00-B0.pdf"));
  r = s.server.client().Get("/api/v1/records/A999926000154-S1234V00-B0.pdf",
                            {{"Range", "bytes=0-9,20-"}});
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  CHECK(code_of(r->body) == "serve.unauthorized");
  // A parameter name that is not UTF-8: 400 with a finding, the answer still valid JSON.
  r = a.Get("/api/v1/history?lot=A999926000154&%FF%FEx=1");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(code_of(r->body) == "request.malformed");
  CHECK_NOTHROW(json::parse(r->body));
  CHECK(contains(r->body, R"(\\xff\\xfex)"));
  // Nothing is compressed, whatever the client accepts: a compressed page that holds a secret
  // (the CSRF token) beside what the request sent leaks the secret through its length (BREACH).
  for (const char* path :
       {"/api/v1/no-such-thing", "/static/dosegate.js", "/bedside?next=x", "/api/v1/health"}) {
    r = a.Get(path, {{"Accept-Encoding", "gzip, deflate, br"}});
    REQUIRE(r);
    CAPTURE(path);
    CHECK(!r->has_header("Content-Encoding"));
  }
  r = a.Get("/api/v1/no-such-thing", {{"Range", "bytes=5-"}});
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(code_of(r->body) == "serve.not-found");
  r = a.Get("/api/v1/no-such-thing");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(code_of(r->body) == "serve.not-found");
  // A header too large for the service.
  r = a.Get("/api/v1/health", {{"X-Big", std::string(20000, 'h')}});
  if (r) {
    CHECK(r->status >= 400);
    CHECK(r->status < 500);
  } else {
    CHECK(r.error() != httplib::Error::Success);  // the service closed the connection
  }
}

TEST_CASE("serve: a ledger that cannot be read is 503 and never GO", "[serve][api]") {
  Site site;
  TempDir other;
  const auto missing = other.file("no-ledger.sqlite");
  Server server(src("certs/trust"), missing, site.records, site.users);
  auto r = server.client("nurse-17", kNursePassword)
               .Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 503);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(contains(r->body, "confirm.ledger-unreadable"));
  CHECK_FALSE(fs::exists(missing));
  r = server.client("inspector", kAuditorPassword).Get("/api/v1/history");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(code_of(r->body) == "serve.ledger-unavailable");
  r = server.client().Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 503);
}

TEST_CASE(
    "serve: concurrent confirmations all land in the ledger in order and the audit stays "
    "intact",
    "[serve][api]") {
  Running s;
  constexpr int kClients = 12;
  constexpr int kEach = 3;
  std::atomic<int> expected_answers{0};
  std::vector<std::future<std::vector<long long>>> clients;
  for (int i = 0; i < kClients; ++i)
    clients.push_back(std::async(std::launch::async, [&s, &expected_answers, i] {
      auto c = s.nurse();
      std::vector<long long> seqs;
      const std::string dose = i % 3 == 0 ? kDoseA0 : i % 3 == 1 ? kDoseB0 : kRecalledA0;
      for (int k = 0; k < kEach; ++k) {
        const auto r =
            c.Post("/api/v1/confirm", confirm_body({dose}, "MRN-" + std::to_string(i % 3)),
                   "application/json");
        if (!r || r->status != 200) continue;
        // A, B: GO (the first binds the dose, the rest are the same recipient); the recalled
        // lot: NO-GO for that reason alone. Never a ledger finding from a read during an append.
        const bool recalled = i % 3 == 2;
        if (contains(r->body, recalled ? "\"decision\": \"no-go\"" : "\"decision\": \"go\"") &&
            (!recalled || test::error_codes(r->body) == std::set<std::string>{"confirm.recalled"}))
          ++expected_answers;
        const auto at = r->body.find("\"ledger_entry\": ");
        if (at != std::string::npos) seqs.push_back(std::stoll(r->body.substr(at + 16)));
      }
      return seqs;
    }));
  std::set<long long> seqs;
  std::size_t answers = 0;
  for (auto& f : clients)
    for (auto seq : f.get()) {
      seqs.insert(seq);
      ++answers;
    }
  CHECK(answers == kClients * kEach);
  CHECK(expected_answers == kClients * kEach);
  CHECK(seqs.size() == answers);  // each its own entry
  CHECK(*seqs.begin() == 6);      // after the two releases (2 entries each) and the recall
  CHECK(*seqs.rbegin() == 5 + kClients * kEach);
  const auto h = s.auditor().Get("/api/v1/history?kind=confirm");
  REQUIRE(h);
  CHECK(count_of(h->body, "\"kind\": \"confirm\"") == kClients * kEach);
  // Every GO of a dose names the one recipient it was bound to first.
  CHECK(count_of(h->body, "confirm.dose-already-given") == 0);
  const auto a = s.auditor().Get("/api/v1/audit");
  REQUIRE(a);
  CHECK(contains(a->body, "\"decision\": \"intact\""));
}

TEST_CASE("serve: SIGTERM answers the request in flight, then exits 0", "[serve]") {
  Running s;
  // A wrong password is answered after the fixed delay: in flight when SIGTERM comes.
  auto slow = std::async(std::launch::async, [&s] {
    auto c = s.server.client("nurse-17", "wrong password");
    const auto r = c.Get("/api/v1/audit");
    return r ? r->status : -1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int code = s.server.stop();
  CHECK(slow.get() == 401);
  CHECK(code == 0);
  CHECK(contains(s.server.read_rest(), "every request in flight was answered"));
}

TEST_CASE("serve: a changed trust directory is read again without a restart", "[serve]") {
  Site site;
  TempDir t;
  const auto trust = t.file("trust");
  fs::copy(src("certs/trust"), trust, fs::copy_options::recursive);
  Server server(trust, site.ledger, site.records, site.users);
  auto c = server.client();
  auto r = c.Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  // Anchors gone: the directory cannot be used, and the service says so instead of answering
  // with what it read before.
  fs::rename(trust + "/anchors", t.file("anchors-away"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  r = c.Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(contains(r->body, "\"trust\": false"));
  r = server.client("nurse-17", kNursePassword)
          .Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 503);
  CHECK(code_of(r->body) == "serve.trust-unusable");
  fs::rename(t.file("anchors-away"), trust + "/anchors");
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  r = c.Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("serve: the QA worklist lists open pending tests from the signed records, overdue first",
          "[serve][api]") {
  Site site;
  {
    Server server(src("certs/trust"), site.ledger, site.records, site.users);
    const auto r = server.client("qa-lead", kQaPassword).Get("/api/v1/pending");
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 200);
    CHECK(contains(r->body, "\"command\": \"pending\""));
    CHECK(contains(r->body, "\"test\": \"mycoplasma\""));
    CHECK(contains(r->body, "\"expected\": \"2026-11-30\""));
    CHECK(contains(r->body, "\"overdue\": false"));
    CHECK_FALSE(contains(r->body, "A999926000147"));  // released without pending tests, recalled
    const auto nurse = server.client("nurse-17", kNursePassword).Get("/api/v1/pending");
    REQUIRE(nurse);
    CHECK(nurse->status == 403);
  }
  Server later(src("certs/trust"), site.ledger, site.records, site.users, "2026-12-05T09:00:00Z");
  const auto r = later.client("inspector", kAuditorPassword).Get("/api/v1/pending");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"overdue\": true"));
  CHECK(contains(r->body, "\"when_overdue\": \"no-go\""));
}

TEST_CASE("serve: with TLS the service answers over HTTPS and its session cookie is Secure",
          "[serve][tls]") {
  Site site;
  const auto cert = site.dir.file("tls.pem");
  const auto key = site.dir.file("tls.key");
  const auto made = test::run_process(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
      "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      test::quote_arg(key) + " -out " + test::quote_arg(cert));
  INFO(made.output);
  REQUIRE(made.code == 0);
  Server server(src("certs/trust"), site.ledger, site.records, site.users, kBedside,
                {"--tls-cert", cert, "--tls-key", key});
  CHECK(contains(server.startup, "https://127.0.0.1:"));
  CHECK(contains(server.startup, "(TLS)"));
  httplib::SSLClient c("127.0.0.1", server.port);
  c.set_ca_cert_path(cert.c_str());
  c.enable_server_certificate_verification(true);
  auto r = c.Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  r = c.Post("/login", "user=nurse-17&password=" + form_value(kNursePassword) + "&next=",
             "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 303);
  CHECK(contains(r->get_header_value("Set-Cookie"), "; Secure"));
  // Plain HTTP to the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", server.port);
  plain.set_read_timeout(5, 0);
  const auto p = plain.Get("/api/v1/health");
  CHECK((!p || p->status != 200));
  // Unusable TLS files: exit 2 before listening.
  const auto bad = test::run_cli({"serve", "--trust", src("certs/trust"), "--ledger", site.ledger,
                                  "--records", site.records, "--users", site.users, "--listen",
                                  "127.0.0.1:0", "--tls-cert", key, "--tls-key", cert});
  CHECK(bad.code == 2);
  CHECK(contains(bad.err, "cannot be used"));
}

namespace {

// A raw TCP connection to the service that sends nothing: it holds one of its connections.
struct IdleConnection {
  int fd = -1;
  explicit IdleConnection(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~IdleConnection() {
    if (fd >= 0) ::close(fd);
  }
};

// A CRL of the QA issuing CA that revokes the test releaser, valid at the tests' times.
std::string crl_revoking_releaser(const TempDir& dir) {
  const auto ca = dir.file("ca");
  fs::create_directories(ca);
  std::ofstream(ca + "/index.txt").flush();
  std::ofstream(ca + "/crlnumber") << "2000\n";
  std::ofstream(ca + "/ca.cnf") << "[ca]\ndefault_ca = d\n[d]\ndatabase = " << ca
                                << "/index.txt\ncrlnumber = " << ca
                                << "/crlnumber\ndefault_md = sha256\n";
  const auto cnf = test::quote_arg(ca + "/ca.cnf");
  const auto signer = " -cert " + test::quote_arg(pki("qa-ca.cert.pem")) + " -keyfile " +
                      test::quote_arg(pki("qa-ca.key.pem"));
  auto r = test::run_process("openssl ca -config " + cnf + " -revoke " +
                             test::quote_arg(pki("releaser.cert.pem")) + signer);
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto out = ca + "/qa-ca.crl.pem";
  r = test::run_process("openssl ca -config " + cnf + " -gencrl" + signer +
                        " -crl_lastupdate 20261101000000Z -crl_nextupdate 20270101000000Z -out " +
                        test::quote_arg(out));
  INFO(r.output);
  REQUIRE(r.code == 0);
  return out;
}

}  // namespace

TEST_CASE("serve: beyond --max-connections a connection is answered 503 serve.busy",
          "[serve][limits]") {
  Site site;
  Server server(src("certs/trust"), site.ledger, site.records, site.users, kBedside,
                {"--max-connections", "2"});
  {
    IdleConnection a(server.port), b(server.port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto c = server.client();
    const auto r = c.Get("/api/v1/health");
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 503);
    CHECK(code_of(r->body) == "serve.busy");
    CHECK(r->get_header_value("Connection") == "close");
    CHECK(contains(r->get_header_value("Content-Type"), "application/json"));
  }
  // The held connections closed: served again.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto r = server.client().Get("/api/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  // A busy connection still open does not count as served: one served connection closing
  // frees a place for the next.
  {
    IdleConnection a(server.port), b(server.port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    IdleConnection busy(server.port);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    {
      IdleConnection c(server.port);  // another beyond the limit, closed again
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ::close(a.fd);
    a.fd = -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    r = server.client().Get("/api/v1/health");
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 200);
  }
  for (const char* bad : {"0", "1025", "many", "-1"}) {
    const auto u = test::run_cli({"serve", "--trust", src("certs/trust"), "--records", site.records,
                                  "--listen", "127.0.0.1:0", "--max-connections", bad});
    INFO(bad);
    CHECK(u.code == 2);
    CHECK(contains(u.err, "--max-connections takes a whole number from 1 to 1024"));
  }
}

TEST_CASE("serve: attacks on the session: a forged or missing cookie, another origin",
          "[serve][users][attack]") {
  Running s;
  const auto l = login(s.server, "nurse-17", kNursePassword);
  auto c = s.server.client();
  const auto body = confirm_body({kDoseA0}, "MRN-0001");
  // A forged session id, with a CSRF token that would fit a real one: 401, nothing recorded.
  auto r =
      c.Post("/api/v1/confirm",
             {{"Cookie", "dosegate_session=" + std::string(64, 'f')}, {"X-CSRF-Token", l.csrf}},
             body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(code_of(r->body) == "serve.unauthorized");
  r = c.Post("/api/v1/confirm", {{"X-CSRF-Token", l.csrf}}, body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
  // The real session and token, sent from another site's page: 403.
  r = c.Post("/api/v1/confirm",
             {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}, {"Origin", "https://evil.example"}},
             body, "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(code_of(r->body) == "serve.csrf");
  CHECK(contains(r->body, "evil.example"));
  // A login posted from another site's page (login CSRF) is refused too.
  r = c.Post("/login", {{"Origin", "http://evil.example"}},
             "user=nurse-17&password=" + form_value(kNursePassword) + "&next=",
             "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK_FALSE(r->has_header("Set-Cookie"));
  // None of these reached the ledger.
  auto h = s.auditor().Get("/api/v1/history?kind=confirm");
  REQUIRE(h);
  CHECK(count_of(h->body, "\"kind\": \"confirm\"") == 0);
  // The page's own origin is accepted.
  r = c.Post("/api/v1/confirm",
             {{"Cookie", l.cookie},
              {"X-CSRF-Token", l.csrf},
              {"Origin", "http://127.0.0.1:" + std::to_string(s.server.port)}},
             body, "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"decision\": \"go\""));
}

TEST_CASE(
    "serve: attacks on the requests: oversized JSON, path traversal in every path "
    "parameter, a replayed confirmation",
    "[serve][api][attack]") {
  Running s;
  auto nurse = s.nurse();
  auto r = nurse.Post("/api/v1/confirm", "{\"dose\": [\"" + std::string(70 * 1024, 'A') + "\"]}",
                      "application/json");
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(code_of(r->body) == "serve.too-large");
  auto a = s.auditor();
  for (const char* path :
       {"/api/v1/trace/..%2F..%2Fetc%2Fpasswd", "/api/v1/trace/A999926000154%2F..%2F..",
        "/api/v1/records/A999926000154-S1234V00-B0.pdf%00.txt", "/api/v1/records/%2Fetc%2Fpasswd",
        "/api/v1/records/....%2F%2Fledger.sqlite"}) {
    r = a.Get(path);
    REQUIRE(r);
    INFO(path << " -> " << r->body);
    CHECK(r->status >= 400);
    CHECK(r->status < 500);
    CHECK(contains(r->body, "\"decision\": \"error\""));
    CHECK_FALSE(contains(r->body, "root:"));
  }
  // The same confirmation sent twice (a replay): each is its own entry; the second says when
  // the dose was confirmed before; replayed for another recipient it is NO-GO.
  const auto body = confirm_body({kDoseB0}, "MRN-0001");
  const auto first = nurse.Post("/api/v1/confirm", body, "application/json");
  const auto second = nurse.Post("/api/v1/confirm", body, "application/json");
  REQUIRE(first);
  REQUIRE(second);
  INFO(second->body);
  CHECK(contains(first->body, "\"decision\": \"go\""));
  CHECK(contains(second->body, "\"decision\": \"go\""));
  CHECK(contains(second->body, "\"confirmed_before\": \"at 2026-11-22T09:00:00Z by nurse-17"));
  CHECK(contains(first->body, "\"ledger_entry\": 6"));
  CHECK(contains(second->body, "\"ledger_entry\": 7"));
  const auto other =
      nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0002"), "application/json");
  REQUIRE(other);
  CHECK(contains(other->body, "confirm.dose-already-given"));
}

TEST_CASE(
    "serve: a record changed on disk is checked again at once, never answered from the "
    "cache",
    "[serve][api][attack]") {
  Running s;
  auto nurse = s.nurse();
  const auto b0 = s.site.records + "/A999926000154-S1234V00-B0.pdf";
  const auto a0 = s.site.records + "/A999926000154-S1234V00-A0.pdf";
  auto r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  // One byte changed, at once (within the cache's lifetime): NO-GO for the signature.
  const auto original = test::read_file_text(b0);
  auto changed = original;
  changed[changed.size() / 2] = static_cast<char>(changed[changed.size() / 2] ^ 1);
  std::ofstream(b0, std::ios::binary | std::ios::trunc) << changed;
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  // Another dose's valid record put in its place: NO-GO, wrong dose.
  fs::copy_file(a0, b0, fs::copy_options::overwrite_existing);
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r->body).count("confirm.wrong-dose") == 1);
  // Restored: GO again.
  std::ofstream(b0, std::ios::binary | std::ios::trunc) << original;
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"go\""));
}

TEST_CASE("serve: a CRL that revokes the releaser counts from the next request", "[serve][api]") {
  Site site;
  TempDir t;
  const auto trust = t.file("trust");
  fs::copy(src("certs/trust"), trust, fs::copy_options::recursive);
  Server server(trust, site.ledger, site.records, site.users);
  auto nurse = server.client("nurse-17", kNursePassword);
  auto r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  fs::copy_file(crl_revoking_releaser(t), trust + "/crls/qa-ca.crl.pem",
                fs::copy_options::overwrite_existing);
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(contains(r->body, "revoked"));
}

TEST_CASE(
    "serve: a ledger replaced with an older copy while the service runs is NO-GO "
    "ledger.head-missing",
    "[serve][api][attack]") {
  Running s;
  auto nurse = s.nurse();
  const auto old_copy = s.site.dir.file("old.sqlite");
  const auto b = test::run_cli({"ledger", "backup", "--ledger", s.site.ledger, "--out", old_copy});
  INFO(b.out << b.err);
  REQUIRE(b.code == 0);
  // B0 is given to MRN-0001; the old copy does not know it.
  auto r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  for (const char* side : {"-wal", "-shm"}) fs::remove(s.site.ledger + side);
  fs::rename(old_copy, s.site.ledger);
  // On the old copy B0 for another recipient would be GO: the service remembers the head.
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0002"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r->body).count("confirm.ledger-tampered") == 1);
  CHECK(contains(r->body, "ledger.head-missing"));
  // And it stays so for every dose.
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseA0}, "MRN-0003"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(contains(r->body, "ledger.head-missing"));
}

TEST_CASE(
    "serve: confirmations while another process holds the ledger's write lock are all "
    "503 NO-GO and none is recorded",
    "[serve][api][concurrency]") {
  Running s;
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(s.site.ledger.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE; SELECT count(*) FROM entries;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  std::vector<std::future<std::pair<int, std::string>>> answers;
  for (int i = 0; i < 4; ++i)
    answers.push_back(std::async(std::launch::async, [&s, i] {
      const auto r =
          s.nurse().Post("/api/v1/confirm", confirm_body({i % 2 ? kDoseA0 : kDoseB0}, "MRN-0001"),
                         "application/json");
      return r ? std::pair{r->status, r->body} : std::pair{-1, std::string()};
    }));
  for (auto& f : answers) {
    const auto [status, body] = f.get();
    INFO(body);
    CHECK(status == 503);
    CHECK(contains(body, "\"decision\": \"no-go\""));
    CHECK_FALSE(contains(body, "\"decision\": \"go\""));
  }
  sqlite3_exec(holder, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  const auto h = s.auditor().Get("/api/v1/history?kind=confirm");
  REQUIRE(h);
  CHECK(count_of(h->body, "\"kind\": \"confirm\"") == 0);
  // Once the lock is free, the next confirmation is GO and recorded.
  const auto r =
      s.nurse().Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  CHECK(contains(r->body, "\"ledger_entry\": 6"));
}

TEST_CASE(
    "serve: after user passwd the old password stops working at once, after user remove "
    "the session ends",
    "[serve][users]") {
  Running s;
  const auto l = login(s.server, "nurse-17", kNursePassword);
  auto r = s.nurse().Get("/api/v1/health");
  REQUIRE(r);
  // Basic with the old password was remembered; a new password forgets it.
  r = s.nurse().Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto p = test::run_cli_at({"user", "passwd", "nurse-17", "--users", s.site.users},
                                  kReleased, "the new nurse-17 password\n");
  REQUIRE(p.code == 0);
  r = s.nurse().Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
  r = s.server.client("nurse-17", "the new nurse-17 password")
          .Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 200);
  const auto rm =
      test::run_cli_at({"user", "remove", "nurse-17", "--users", s.site.users}, kReleased, "");
  REQUIRE(rm.code == 0);
  r = s.server.client().Post("/api/v1/confirm", {{"Cookie", l.cookie}, {"X-CSRF-Token", l.csrf}},
                             confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(r->status == 401);
}

TEST_CASE(
    "serve: confirmations that arrive together are committed together, each answered "
    "after its commit",
    "[serve][api][concurrency]") {
  Running s;
  // The password checked once (Argon2id takes a while): the confirmations below come at once.
  const auto warm = s.nurse().Get("/api/v1/audit");
  REQUIRE(warm);
  REQUIRE(warm->status == 403);
  // Another process holds the write lock for a moment: the confirmations arriving meanwhile
  // queue behind the first and are then appended in one transaction.
  sqlite3* holder = nullptr;
  REQUIRE(sqlite3_open(s.site.ledger.c_str(), &holder) == SQLITE_OK);
  REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE; SELECT count(*) FROM entries;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  constexpr int kClients = 8;
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < kClients; ++i)
    answers.push_back(std::async(std::launch::async, [&s, i] {
      const auto r = s.nurse().Post(
          "/api/v1/confirm",
          confirm_body({i % 2 ? kDoseA0 : kDoseB0}, "MRN-000" + std::to_string(i % 2)),
          "application/json");
      return r ? std::to_string(r->status) + " " + r->body : std::string("no answer");
    }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  sqlite3_exec(holder, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(holder);
  std::set<long long> seqs;
  for (auto& f : answers) {
    const auto body = f.get();
    INFO(body);
    CHECK(body.rfind("200 ", 0) == 0);
    CHECK(contains(body, "\"decision\": \"go\""));
    const auto at = body.find("\"ledger_entry\": ");
    REQUIRE(at != std::string::npos);
    seqs.insert(std::stoll(body.substr(at + 16)));
  }
  CHECK(seqs.size() == kClients);
  CHECK(*seqs.begin() == 6);
  CHECK(*seqs.rbegin() == 5 + kClients);
  const auto h = s.server.client().Get("/api/v1/health");
  REQUIRE(h);
  INFO(h->body);
  CHECK(contains(h->body, "\"confirmations_recorded\": 8"));
  // The first waited alone for the lock; the other seven went in at most two more commits.
  const auto at = h->body.find("\"ledger_commits\": ");
  REQUIRE(at != std::string::npos);
  const auto commits = std::stoll(h->body.substr(at + 18));
  CHECK(commits >= 1);
  CHECK(commits <= 3);
  const auto a = s.auditor().Get("/api/v1/audit");
  REQUIRE(a);
  CHECK(contains(a->body, "\"decision\": \"intact\""));
}

TEST_CASE(
    "serve: a disk that is full mid-way answers NO-GO 503 confirm.not-recorded, and the "
    "ledger keeps exactly the confirmations answered as recorded",
    "[serve][api][concurrency]") {
  Site site;
  // The service may write no file beyond 40,000 bytes (a full disk, as the file system says it:
  // EFBIG instead of ENOSPC; SIGXFSZ ignored so that the write fails instead of the process).
  Server server(src("certs/trust"), site.ledger, site.records, site.users, kBedside, {},
                {"/bin/sh", "-c", "trap '' XFSZ; exec prlimit --fsize=40000 -- \"$@\"", "sh"});
  auto nurse = server.client("nurse-17", kNursePassword);
  int recorded = 0;
  int refused = 0;
  for (int i = 0; i < 60 && refused < 3; ++i) {
    // Three at once: a group, whose commit either holds all of them or none.
    std::vector<std::future<std::pair<int, std::string>>> answers;
    for (int k = 0; k < 3; ++k)
      answers.push_back(std::async(std::launch::async, [&server, k] {
        const auto r =
            server.client("nurse-17", kNursePassword)
                .Post("/api/v1/confirm",
                      confirm_body({k % 2 ? kDoseA0 : kDoseB0}, "MRN-000" + std::to_string(k % 2)),
                      "application/json");
        return r ? std::pair{r->status, r->body} : std::pair{-1, std::string()};
      }));
    for (auto& f : answers) {
      const auto [status, body] = f.get();
      INFO(body);
      REQUIRE((status == 200 || status == 503));
      if (status == 200) {
        CHECK(contains(body, "\"decision\": \"go\""));
        CHECK_FALSE(contains(body, "\"ledger_entry\": null"));
        ++recorded;
      } else {
        CHECK(contains(body, "\"decision\": \"no-go\""));
        CHECK(test::error_codes(body).count("confirm.not-recorded") == 1);
        CHECK(contains(body, "\"ledger_entry\": null"));
        ++refused;
      }
    }
  }
  CHECK(recorded > 0);
  CHECK(refused >= 3);
  server.stop();
  // Every GO answered is in the ledger, and nothing else; the chain is intact.
  const auto h =
      test::run_cli({"history", "--ledger", site.ledger, "--kind", "confirm", "--format", "csv"});
  REQUIRE(h.code == 0);
  CHECK(count_of(h.out, ",confirm,") == recorded);
  const auto a = test::run_cli({"audit", "--trust", src("certs/trust"), "--ledger", site.ledger});
  INFO(a.out << a.err);
  CHECK(a.code == 0);
}

// ---- The record-check cache, in process, with a clock the test moves ----------------------

namespace {

// The service without HTTP, its clock set by the test.
struct InProcess {
  std::string trust;
  std::string ledger;
  std::string records;
  Instant clock;
  serve::Service service;
  InProcess(const std::string& trust_dir, const Site& site, const std::string& now)
      : trust(trust_dir),
        ledger(site.ledger),
        records(site.records),
        clock(*parse_utc_instant(now)),
        service(
            [&] {
              serve::ServeOptions o;
              o.trust_dir = trust_dir;
              o.ledger_path = site.ledger;
              o.records_dir = site.records;
              o.users_path = site.users;
              return o;
            }(),
            [this] { return clock; }) {}
  serve::Reply confirm(const std::string& scan, const std::string& recipient) {
    return service.confirm(serve::Principal{"nurse-17", users::Role::bedside, "", ""},
                           confirm_body({scan}, recipient));
  }
  // Full record checks since the start (the others came from the cache).
  long long record_checks() {
    const auto body = service.health().body;
    const auto at = body.find("\"record_checks\": ");
    REQUIRE(at != std::string::npos);
    return std::stoll(body.substr(at + 17));
  }
};

std::string copy_of_trust(const TempDir& t) {
  const auto trust = t.file("trust");
  fs::copy(src("certs/trust"), trust, fs::copy_options::recursive);
  return trust;
}

}  // namespace

TEST_CASE("serve cache: the same record under the same trust is checked once, for any time",
          "[serve][cache]") {
  Site site;
  InProcess s(src("certs/trust"), site, kBedside);
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  s.clock += std::chrono::hours(5);  // no time limit: nothing it depends on changed
  const auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"go\""));
  // The time judged at is this request's, as a check now would say.
  CHECK(contains(r.body, "2026-11-22T14:00:00Z"));
  CHECK(s.record_checks() == 1);
}

TEST_CASE("serve cache: a record replaced by another valid record between two requests",
          "[serve][cache][attack]") {
  Site site;
  InProcess s(src("certs/trust"), site, kBedside);
  const auto b0 = site.records + "/A999926000154-S1234V00-B0.pdf";
  const auto original = test::read_file_text(b0);
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  SECTION("another dose of the same lot") {
    REQUIRE(fs::copy_file(site.records + "/A999926000154-S1234V00-A0.pdf", b0,
                          fs::copy_options::overwrite_existing));
  }
  SECTION("a dose of another lot") {
    REQUIRE(fs::copy_file(site.records + "/A999926000147-S1234V00-A0.pdf", b0,
                          fs::copy_options::overwrite_existing));
  }
  const auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r.body).count("confirm.wrong-dose") == 1);
  CHECK(s.record_checks() == 2);
  std::ofstream(b0, std::ios::binary | std::ios::trunc) << original;
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
}

TEST_CASE("serve cache: a record replaced by a tampered copy between two requests",
          "[serve][cache][attack]") {
  Site site;
  InProcess s(src("certs/trust"), site, kBedside);
  const auto b0 = site.records + "/A999926000154-S1234V00-B0.pdf";
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  auto changed = test::read_file_text(b0);
  // A digit of the signed release data's dose count changed, the length kept.
  const auto at = changed.find("\"division\": \"B0\"");
  REQUIRE(at != std::string::npos);
  changed[at + 14] = 'C';
  std::ofstream(b0, std::ios::binary | std::ios::trunc) << changed;
  const auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r.body).count("signature.invalid") == 1);
}

TEST_CASE("serve cache: a CRL refreshed in the trust directory revoking the releaser",
          "[serve][cache][attack]") {
  Site site;
  TempDir t;
  const auto trust = copy_of_trust(t);
  InProcess s(trust, site, kBedside);
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  CHECK(s.record_checks() == 1);
  fs::copy_file(crl_revoking_releaser(t), trust + "/crls/qa-ca.crl.pem",
                fs::copy_options::overwrite_existing);
  const auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(contains(r.body, "revoked"));
}

TEST_CASE("serve cache: the releaser's certificate expiring between two requests",
          "[serve][cache][attack]") {
  // A lot released by a releaser whose certificate ends at 2026-12-01T00:00:00Z.
  TempDir t;
  const auto trust = copy_of_trust(t);
  fs::copy_file(pki("releaser-short.cert.pem"), trust + "/releasers/releaser-short.pem");
  Site site;
  const auto records = t.file("records");
  const auto r0 = test::run_cli_at(
      {"release", src("samples/coa-pending-mycoplasma.xml"), "--trust", trust, "--key",
       pki("releaser-short.key.pem"), "--cert", pki("releaser-short.cert.pem"), "--chain",
       pki("qa-chain.pem"), "--out", records, "--ledger", t.file("ledger.sqlite"), "--quiet"},
      kReleased);
  INFO(r0.out << r0.err);
  REQUIRE(r0.code == 0);
  site.ledger = t.file("ledger.sqlite");
  site.records = records;
  InProcess s(trust, site, "2026-11-30T23:00:00Z");
  auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"go\""));
  s.clock = *parse_utc_instant("2026-11-30T23:59:59Z");
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  CHECK(s.record_checks() == 1);  // still in its window
  s.clock = *parse_utc_instant("2026-12-01T00:00:01Z");
  r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(contains(r.body, "expired"));
  CHECK(s.record_checks() == 2);
}

TEST_CASE("serve cache: a CRL of the trust directory going out of date between two requests",
          "[serve][cache][attack]") {
  Site site;
  TempDir t;
  const auto trust = copy_of_trust(t);
  // The QA CA's CRL, revoking nobody, valid until 2026-11-22T10:00:00Z.
  const auto ca = t.file("ca");
  fs::create_directories(ca);
  std::ofstream(ca + "/index.txt").flush();
  std::ofstream(ca + "/crlnumber") << "3000\n";
  std::ofstream(ca + "/ca.cnf") << "[ca]\ndefault_ca = d\n[d]\ndatabase = " << ca
                                << "/index.txt\ncrlnumber = " << ca
                                << "/crlnumber\ndefault_md = sha256\n";
  const auto r0 =
      test::run_process("openssl ca -config " + test::quote_arg(ca + "/ca.cnf") +
                        " -gencrl -cert " + test::quote_arg(pki("qa-ca.cert.pem")) + " -keyfile " +
                        test::quote_arg(pki("qa-ca.key.pem")) +
                        " -crl_lastupdate 20261101000000Z -crl_nextupdate 20261122100000Z -out " +
                        test::quote_arg(trust + "/crls/qa-ca.crl.pem"));
  INFO(r0.output);
  REQUIRE(r0.code == 0);
  InProcess s(trust, site, kBedside);
  CHECK(contains(s.confirm(kDoseB0, "MRN-0001").body, "\"decision\": \"go\""));
  s.clock = *parse_utc_instant("2026-11-22T10:00:05Z");
  const auto r = s.confirm(kDoseB0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(contains(r.body, "CRL"));
}

TEST_CASE("serve cache: a recall recorded between two requests is NO-GO at once",
          "[serve][cache][attack]") {
  Site site;
  InProcess s(src("certs/trust"), site, kBedside);
  CHECK(contains(s.confirm(kDoseA0, "MRN-0001").body, "\"decision\": \"go\""));
  std::vector<std::string> args{"recall",  "A999926000154",    "--reason", "Endotoxin retest",
                                "--trust", src("certs/trust"), "--ledger", site.ledger};
  for (const auto& a : releaser()) args.push_back(a);
  const auto rc = test::run_cli_at(args, "2026-11-22T09:00:30Z");
  INFO(rc.out << rc.err);
  REQUIRE(rc.code == 0);
  s.clock += std::chrono::seconds(60);
  const auto r = s.confirm(kDoseA0, "MRN-0001");
  INFO(r.body);
  CHECK(contains(r.body, "\"decision\": \"no-go\""));
  CHECK(test::error_codes(r.body).count("confirm.recalled") == 1);
  CHECK(s.record_checks() == 1);  // the record's answer was kept; the ledger's was not
}

namespace {

// The service holding the test releaser's key for recalls.
std::vector<std::string> recall_key() {
  return {"--key",   pki("releaser.key.pem"), "--cert", pki("releaser.cert.pem"),
          "--chain", pki("qa-chain.pem")};
}

}  // namespace

LEDGER_TEST_CASE(
    "serve: a qa user recalls a lot with the service's key, and the bedside is NO-GO from then on",
    "[serve][api][recall]") {
  Site site(store.postgresql() ? test::pg_new_database() : "");
  Server server(src("certs/trust"), site.ledger, site.records, site.users, kBedside, recall_key());
  server.read_line();  // trust, ledger, records, users
  const auto recalls = server.read_line();
  CHECK(contains(recalls, "recalls signed by CN=Alex Example"));
  auto nurse = server.client("nurse-17", kNursePassword);
  auto qa = server.client("qa-lead", kQaPassword);
  auto r = nurse.Post("/api/v1/confirm", confirm_body({kDoseB0}, "MRN-0001"), "application/json");
  REQUIRE(r);
  CHECK(contains(r->body, "\"decision\": \"go\""));
  r = qa.Post("/api/v1/recall", R"({"lot": "A999926000154", "reason": "Mycoplasma positive"})",
              "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  CHECK(contains(r->body, "\"command\": \"recall\""));
  CHECK(contains(r->body, "\"decision\": \"recalled\""));
  CHECK(contains(r->body, "\"doses_given\": 1"));
  // The next confirmation, of either dose, reads the recall.
  r = nurse.Post("/api/v1/confirm", confirm_body({kDoseA0}, "MRN-0002"), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(contains(r->body, "\"decision\": \"no-go\""));
  CHECK(contains(r->body, "confirm.recalled"));
  CHECK(contains(r->body, "Mycoplasma positive (recalled by qa-lead through dosegate serve)"));
  // The ledger: signed by the releaser's key, the reason naming the user; intact.
  const auto h = server.client("inspector", kAuditorPassword).Get("/api/v1/history?kind=recall");
  REQUIRE(h);
  CHECK(count_of(h->body, "recalled by qa-lead through dosegate serve") == 1);
  CHECK(contains(h->body, "\"actor\": \"CN=Alex Example"));
  const auto a = server.client("inspector", kAuditorPassword).Get("/api/v1/audit");
  REQUIRE(a);
  CHECK(contains(a->body, "\"decision\": \"intact\""));
  // Only qa recalls; bad requests are 400 and recall nothing; an unknown lot is 404.
  r = nurse.Post("/api/v1/recall", R"({"lot": "A999926000147", "reason": "x"})",
                 "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  r = server.client("inspector", kAuditorPassword)
          .Post("/api/v1/recall", R"({"lot": "A999926000147", "reason": "x"})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  for (const char* body :
       {R"({"lot": "A9999260001", "reason": "x"})", R"({"lot": "A999926000147"})",
        R"({"lot": "A999926000147", "reason": "   "})", R"({"lot": "A999926000147", "reason": 5})",
        R"({"lot": "A999926000147", "reason": "x", "by": "y"})", "[]", "{"}) {
    CAPTURE(body);
    r = qa.Post("/api/v1/recall", body, "application/json");
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK(code_of(r->body) == "request.malformed");
  }
  r = qa.Post("/api/v1/recall", R"({"lot": "A999926000999", "reason": "x"})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(code_of(r->body) == "recall.unknown-lot");
  const auto after =
      server.client("inspector", kAuditorPassword).Get("/api/v1/history?kind=recall");
  REQUIRE(after);
  CHECK(count_of(after->body, "\"kind\": \"recall\"") == 2);  // the site's own, and this one
  // The QA page offers the recall form; a session's recall needs its CSRF token.
  const auto l = login(server, "qa-lead", kQaPassword);
  const auto page = server.client().Get("/qa", {{"Cookie", l.cookie}});
  REQUIRE(page);
  CHECK(contains(page->body, "id=\"recall-form\""));
  r = server.client().Post("/api/v1/recall", {{"Cookie", l.cookie}},
                           R"({"lot": "A999926000147", "reason": "x"})", "application/json");
  REQUIRE(r);
  CHECK(r->status == 403);
  CHECK(code_of(r->body) == "serve.csrf");
}

TEST_CASE("serve: without --key a recall is 501 serve.recall-unavailable and the page offers none",
          "[serve][api][recall]") {
  Running s;
  const auto r = s.qa().Post("/api/v1/recall", R"({"lot": "A999926000154", "reason": "x"})",
                             "application/json");
  REQUIRE(r);
  CHECK(r->status == 501);
  CHECK(code_of(r->body) == "serve.recall-unavailable");
  const auto l = login(s.server, "qa-lead", kQaPassword);
  const auto page = s.server.client().Get("/qa", {{"Cookie", l.cookie}});
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK_FALSE(contains(page->body, "recall-form"));
}

TEST_CASE("serve: a recall key that is no releaser's or needs a typed passphrase stops start-up",
          "[serve][recall]") {
  Site site;
  const std::vector<std::string> base{"serve",     "--trust",   src("certs/trust"), "--ledger",
                                      site.ledger, "--records", site.records,       "--users",
                                      site.users,  "--listen",  "127.0.0.1:0"};
  // A laboratory's key: its certificate is not in releasers/.
  auto args = base;
  args.insert(args.end(), {"--key", pki("lab-ec.key.pem"), "--cert", pki("lab-ec.cert.pem")});
  auto r = test::run_cli_at(args, kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "signature.wrong-role"));
  CHECK_FALSE(contains(r.out, "listening"));
  // An encrypted key without --passphrase-file: nobody to type it, so no start.
  args = base;
  args.insert(args.end(), {"--key", pki("releaser.p12")});
  r = test::run_cli_at(args, kBedside);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "key.passphrase-required"));
  CHECK_FALSE(contains(r.out, "listening"));
  // --cert without --key.
  args = base;
  args.insert(args.end(), {"--cert", pki("releaser.cert.pem")});
  r = test::run_cli_at(args, kBedside);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "go with --key"));
}
