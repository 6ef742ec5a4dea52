// `dosegate serve`: HTTP(S) with cpp-httplib (Debian's libcpp-httplib-dev, with its OpenSSL TLS;
// this is the only file that includes it). Routes, authentication, CSRF, limits and the
// SIGTERM drain; the work itself is in service.cpp.
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "dosegate/error.hpp"
#include "dosegate/release/recall.hpp"
#include "dosegate/serve/serve.hpp"
#include "serve/pages.hpp"
#include "serve/server.hpp"
#include "serve/service.hpp"
#include "util/text.hpp"

namespace dosegate::serve {
namespace {

using users::Role;

constexpr const char* kCookie = "dosegate_session";

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  for (const auto& [k, v] : r.headers) res.set_header(k, v);
  res.set_content(r.body, r.content_type);
}

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const auto header = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    const auto part = text::trim(std::string_view(header).substr(pos, end - pos));
    const auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    pos = end + 1;
  }
  return "";
}

bool equal_constant_time(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff = static_cast<unsigned char>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

bool has_role(const Principal& p, std::initializer_list<Role> roles) {
  for (auto r : roles)
    if (p.role == r) return true;
  return false;
}

const char* role_names(std::initializer_list<Role> roles) {
  static thread_local std::string s;
  s.clear();
  for (auto r : roles) s += (s.empty() ? "" : " or ") + std::string(users::to_string(r));
  return s.c_str();
}

// Whether the connection this thread serves is one beyond --max-connections.
thread_local bool t_busy = false;

// cpp-httplib's pool, with a count of the connections being served: the first max_connections
// are served, the next ones (up to kBusyConnections at once) are answered 503 serve.busy.
class LimitedPool : public httplib::TaskQueue {
 public:
  explicit LimitedPool(std::size_t max) : max_(max), pool_(max + kBusyConnections) {}
  void enqueue(std::function<void()> fn) override {
    pool_.enqueue([this, fn = std::move(fn)] {
      // Only the connections served count: the busy ones answered meanwhile do not.
      bool busy = true;
      for (auto n = served_.load(); n < max_;)
        if (served_.compare_exchange_weak(n, n + 1)) {
          busy = false;
          break;
        }
      t_busy = busy;
      fn();
      if (!busy) served_.fetch_sub(1);
      t_busy = false;
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  std::size_t max_;
  std::atomic<std::size_t> served_{0};
  httplib::ThreadPool pool_;
};

// A POST from a browser names its page's origin: it must be this service's own (a page of
// another site cannot post here with the session cookie, whatever SameSite a browser keeps).
// "null" (a page that hides its origin) is not this service's: its pages send their origin
// (Referrer-Policy same-origin; under no-referrer a browser would send null).
bool foreign_origin(const httplib::Request& req, bool tls) {
  if (!req.has_header("Origin")) return false;
  const auto origin = req.get_header_value("Origin");
  return origin != std::string(tls ? "https://" : "http://") + req.get_header_value("Host");
}

// Every answer is sent whole and uncompressed, whatever Range and Accept-Encoding headers came
// with the request. cpp-httplib would otherwise cut any answer to the ranges asked for, an
// error's JSON included (a 401 split into multipart/byteranges), and gzip every text answer:
// a compressed page that holds a secret (the session's CSRF token) beside what the request sent
// tells the secret through its length (BREACH), and the answers are small on a site's network.
// The handlers get the request const; cpp-httplib's own object is not (process_request's
// local), so changing it here is defined.
void answer_whole(const httplib::Request& req) {
  auto& request = const_cast<httplib::Request&>(req);
  request.ranges.clear();
  request.headers.erase("Accept-Encoding");  // cpp-httplib compares header names ignoring case
}

class Server {
 public:
  Server(Service& service, bool tls) : service_(service), tls_(tls) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The principal of an API call, or nullopt with the 401/403 already in `res`. A session
  // (cookie) call that changes state needs the session's CSRF token in X-CSRF-Token (or the
  // form field csrf); an API call with HTTP Basic and no session cookie needs none.
  std::optional<Principal> authenticate(const httplib::Request& req, httplib::Response& res,
                                        std::initializer_list<Role> roles) {
    std::optional<Principal> p;
    const auto sid = cookie_value(req, kCookie);
    if (!sid.empty()) {
      p = service_.session(sid);
      if (p && req.method == "POST") {
        auto token = req.get_header_value("X-CSRF-Token");
        if (token.empty() && req.has_file("csrf")) token = req.get_file_value("csrf").content;
        if (token.empty() && req.has_param("csrf")) token = req.get_param_value("csrf");
        if (!equal_constant_time(token, p->csrf)) {
          send(res, error_reply(403, "serve.csrf",
                                "the request lacks this session's CSRF token (X-CSRF-Token); "
                                "reload the page"));
          return std::nullopt;
        }
      }
    }
    if (!p && req.has_header("Authorization")) {
      p = service_.basic(req.get_header_value("Authorization"));
      if (!p) {
        std::this_thread::sleep_for(service_.options().failed_login_delay);
        unauthorized(res);
        return std::nullopt;
      }
    }
    if (!p) {
      unauthorized(res);
      return std::nullopt;
    }
    if (!has_role(*p, roles)) {
      send(res, error_reply(403, "serve.forbidden",
                            "user " + p->user + " (role " + users::to_string(p->role) +
                                ") may not do this; it needs the role " + role_names(roles)));
      return std::nullopt;
    }
    return p;
  }

  void unauthorized(httplib::Response& res) {
    send(res, error_reply(401, "serve.unauthorized",
                          "log in (/login) or send HTTP Basic credentials; wrong user name or "
                          "password"));
    res.set_header("WWW-Authenticate", "Basic realm=\"dosegate\", charset=\"UTF-8\"");
  }

  // A page for a logged-in user with one of `roles`; the login page otherwise.
  std::optional<Principal> page_user(const httplib::Request& req, httplib::Response& res,
                                     std::initializer_list<Role> roles) {
    const auto sid = cookie_value(req, kCookie);
    auto p = sid.empty() ? std::nullopt : service_.session(sid);
    if (!p) {
      res.status = 303;
      res.set_header("Location", "/login?next=" + req.path.substr(1));
      return std::nullopt;
    }
    if (!has_role(*p, roles)) {
      res.status = 403;
      res.set_content(forbidden_page(p->user, users::to_string(p->role), role_names(roles)),
                      "text/html; charset=utf-8");
      return std::nullopt;
    }
    return p;
  }

  std::string session_cookie(const std::string& value, bool clear) const {
    std::string c = std::string(kCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
    if (tls_) c += "; Secure";
    if (clear) c += "; Max-Age=0";
    return c;
  }

  void routes(httplib::Server& svr) {
    svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      answer_whole(req);
      if (t_busy) {
        send(res, error_reply(503, "serve.busy",
                              "the service is serving its most connections at once; try again"));
        res.set_header("Connection", "close");
        res.set_header("Retry-After", "1");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "POST" && foreign_origin(req, tls_)) {
        send(res, error_reply(403, "serve.csrf",
                              "the request comes from a page of another origin (" +
                                  text::escape_controls(req.get_header_value("Origin")) + ")"));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.status = 303;
      res.set_header("Location", "/login");
    });
    svr.Get("/login", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(login_page("", req.get_param_value("next")), "text/html; charset=utf-8");
    });
    svr.Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
      const auto user = req.get_param_value("user");
      const auto password = req.get_param_value("password");
      const auto next = req.get_param_value("next");
      const auto p = service_.login(user, password);
      if (!p) {
        std::this_thread::sleep_for(service_.options().failed_login_delay);
        res.status = 401;
        res.set_content(login_page("Wrong user name or password.", next),
                        "text/html; charset=utf-8");
        return;
      }
      res.status = 303;
      res.set_header("Set-Cookie", session_cookie(p->session, false));
      std::string home = p->role == Role::bedside ? "bedside"
                         : p->role == Role::qa    ? "qa"
                                                  : "audit";
      if (next == "bedside" || next == "qa" || next == "audit") home = next;
      res.set_header("Location", "/" + home);
    });
    svr.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      const auto sid = cookie_value(req, kCookie);
      if (const auto p = sid.empty() ? std::nullopt : service_.session(sid)) {
        if (!equal_constant_time(req.get_param_value("csrf"), p->csrf) &&
            !equal_constant_time(req.get_header_value("X-CSRF-Token"), p->csrf)) {
          send(res, error_reply(403, "serve.csrf", "the request lacks this session's CSRF token"));
          return;
        }
        service_.logout(sid);
      }
      res.status = 303;
      res.set_header("Set-Cookie", session_cookie("", true));
      res.set_header("Location", "/login");
    });
    svr.Get("/bedside", [this](const httplib::Request& req, httplib::Response& res) {
      if (const auto p = page_user(req, res, {Role::bedside}))
        res.set_content(bedside_page(p->user, p->csrf, service_.user_names()),
                        "text/html; charset=utf-8");
    });
    svr.Get("/qa", [this](const httplib::Request& req, httplib::Response& res) {
      if (const auto p = page_user(req, res, {Role::qa}))
        res.set_content(qa_page(p->user, p->csrf, service_.options().recall_signer.has_value()),
                        "text/html; charset=utf-8");
    });
    svr.Get("/audit", [this](const httplib::Request& req, httplib::Response& res) {
      if (const auto p = page_user(req, res, {Role::auditor, Role::qa}))
        res.set_content(audit_page(p->user, p->csrf), "text/html; charset=utf-8");
    });
    svr.Get("/static/dosegate.css", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(stylesheet(), "text/css; charset=utf-8");
    });
    svr.Get("/static/dosegate.js", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(script(), "text/javascript; charset=utf-8");
    });

    // The JSON API v1.
    svr.Get("/api/v1/health", [this](const httplib::Request&, httplib::Response& res) {
      send(res, service_.health());
    });
    svr.Post("/api/v1/confirm", [this](const httplib::Request& req, httplib::Response& res) {
      if (const auto p = authenticate(req, res, {Role::bedside}))
        send(res, service_.confirm(*p, req.body));
    });
    svr.Post("/api/v1/verify", [this](const httplib::Request& req, httplib::Response& res) {
      if (!authenticate(req, res, {Role::qa})) return;
      if (!req.is_multipart_form_data()) {
        send(res, error_reply(400, "request.malformed",
                              "send multipart/form-data: coa, optional signature and spec"));
        return;
      }
      const auto part = [&](const char* name) -> std::optional<Upload> {
        if (!req.has_file(name)) return std::nullopt;
        const auto f = req.get_file_value(name);
        // A form's file input left empty sends a part with no file name and no content.
        if (f.filename.empty() && f.content.empty()) return std::nullopt;
        return Upload{f.filename, f.content};
      };
      send(res, service_.verify(part("coa"), part("signature"), part("spec")));
    });
    const auto params = [](const httplib::Request& req) {
      Params p;
      for (const auto& [k, v] : req.params) p[k] = v;
      return p;
    };
    svr.Get("/api/v1/history", [this, params](const httplib::Request& req, httplib::Response& res) {
      if (authenticate(req, res, {Role::auditor, Role::qa}))
        send(res, service_.history(params(req)));
    });
    svr.Get(R"(/api/v1/trace/([^/]+))",
            [this, params](const httplib::Request& req, httplib::Response& res) {
              if (authenticate(req, res, {Role::auditor, Role::qa}))
                send(res, service_.trace(req.matches[1], params(req)));
            });
    svr.Get("/api/v1/audit", [this, params](const httplib::Request& req, httplib::Response& res) {
      if (authenticate(req, res, {Role::auditor, Role::qa})) send(res, service_.audit(params(req)));
    });
    svr.Post("/api/v1/recall", [this](const httplib::Request& req, httplib::Response& res) {
      if (const auto p = authenticate(req, res, {Role::qa}))
        send(res, service_.recall(*p, req.body));
    });
    svr.Get("/api/v1/pending", [this](const httplib::Request& req, httplib::Response& res) {
      if (authenticate(req, res, {Role::qa, Role::auditor})) send(res, service_.pending());
    });
    svr.Get(R"(/api/v1/records/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
              if (authenticate(req, res, {Role::auditor, Role::qa}))
                send(res, service_.record(req.matches[1]));
            });
  }

 private:
  Service& service_;
  bool tls_;
};

const char* status_code_name(int status) {
  switch (status) {
    case 400: return "request.malformed";
    case 404: return "serve.not-found";
    case 405: return "serve.method-not-allowed";
    case 413: return "serve.too-large";
    case 414: return "serve.uri-too-long";
    case 416: return "request.malformed";
    case 431: return "serve.headers-too-large";
    default: return "serve.error";
  }
}

std::string status_text(int status) {
  switch (status) {
    case 400: return "the request cannot be read";
    case 404: return "no such page or API endpoint";
    case 405: return "this method is not allowed here";
    case 413: return "the request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes";
    case 414: return "the request line is too long";
    case 416: return "the Range header cannot be read (answers are sent whole)";
    case 431: return "the request headers are too large";
    default: return "HTTP status " + std::to_string(status);
  }
}

// The server's limits, headers and error handlers, as `run` and ByteServer set them.
void configure(httplib::Server& svr, const ServeOptions& options, std::ostream& err) {
  svr.new_task_queue = [max = options.max_connections] { return new LimitedPool(max); };
  svr.set_payload_max_length(kMaxBodyBytes);
  svr.set_read_timeout(10, 0);
  svr.set_write_timeout(10, 0);
  svr.set_keep_alive_timeout(5);
  svr.set_keep_alive_max_count(1000);
  svr.set_tcp_nodelay(true);
  svr.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                           {"Cache-Control", "no-store"},
                           {"Referrer-Policy", "same-origin"},
                           {"X-Frame-Options", "DENY"},
                           {"Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                            "form-action 'self'"}});
  svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    answer_whole(req);
    if (!res.body.empty()) return;
    send(res, error_reply(res.status, status_code_name(res.status), status_text(res.status)));
  });
  svr.set_exception_handler(
      [&err](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        static std::mutex m;
        {
          std::lock_guard lock(m);
          err << "dosegate serve: error: " << what << '\n';
        }
        send(res, error_reply(500, "serve.error", "the service failed on this request"));
      });
}

}  // namespace

void parse_listen(const std::string& text, ServeOptions& o) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw UsageError("--listen takes ADDRESS:PORT (127.0.0.1:8443, [::1]:8443), got '" +
                     text::escape_controls(text) + "'");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const auto port_text = text.substr(colon + 1);
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535)
      throw UsageError("--listen: the port must be 0 to 65535, got '" +
                       text::escape_controls(port_text) + "'");
    port = port * 10 + (c - '0');
  }
  if (port > 65535) throw UsageError("--listen: the port must be 0 to 65535");
  o.host = host;
  o.port = port;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as four decimal octets.
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= host.size()) {
    auto end = host.find('.', pos);
    if (end == std::string::npos) end = host.size();
    const auto part = host.substr(pos, end - pos);
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string::npos)
      return false;
    if (std::stoi(part) > 255) return false;
    if (parts == 0 && part != "127") return false;
    ++parts;
    pos = end + 1;
  }
  return parts == 4;
}

int run(const ServeOptions& options, std::ostream& out, std::ostream& err,
        const std::function<Instant()>& now) {
  const bool tls = options.tls_cert.has_value();
  if (options.tls_cert.has_value() != options.tls_key.has_value())
    throw UsageError("--tls-cert and --tls-key go together");
  if (!tls && !is_loopback(options.host))
    throw UsageError("--listen " + options.host +
                     " is not a loopback address: without TLS (--tls-cert, --tls-key) the "
                     "service listens on 127.0.0.1 or ::1 only");
  Service service(options, now);
  // The recall key is checked now, not at the first recall: it loads without a prompt, and its
  // certificate is a releaser's.
  std::string recalls = "recalls: none (no --key)";
  if (options.recall_signer)
    recalls =
        "recalls signed by " + check_recall_signer(*options.recall_signer, options.trust_dir, now(),
                                                   [](const std::string&) { return std::nullopt; });

  std::unique_ptr<httplib::Server> svr;
  if (tls) {
    auto s =
        std::make_unique<httplib::SSLServer>(options.tls_cert->c_str(), options.tls_key->c_str());
    if (!s->is_valid())
      throw Error("serve.tls", "--tls-cert " + *options.tls_cert + " and --tls-key " +
                                   *options.tls_key + " cannot be used (PEM certificate and key)");
    svr = std::move(s);
  } else {
    svr = std::make_unique<httplib::Server>();
  }
  configure(*svr, options, err);
  Server routes(service, tls);
  routes.routes(*svr);

  int port = options.port;
  if (port == 0) {
    port = svr->bind_to_any_port(options.host);
    if (port < 0) throw Error("serve.bind", "cannot listen on " + options.host + " (any port)");
  } else if (!svr->bind_to_port(options.host, port)) {
    throw Error("serve.bind", "cannot listen on " + options.host + ":" + std::to_string(port) +
                                  " (in use, or not an address of this machine)");
  }
  // SIGTERM and SIGINT go to one thread that stops the server; every other thread (the
  // workers, started by listen_after_bind, inherit this mask) keeps them blocked. Set only now
  // that the service is ready, and restored when it returns.
  sigset_t signals, previous;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  const std::string shown =
      options.host.find(':') != std::string::npos ? "[" + options.host + "]" : options.host;
  out << "dosegate serve: listening on " << (tls ? "https://" : "http://") << shown << ':' << port
      << (tls ? " (TLS)" : " (loopback only: no TLS, so no other machine can connect)") << '\n'
      << "dosegate serve: trust " << options.trust_dir << ", ledger " << options.ledger_path
      << ", records " << options.records_dir << ", users " << options.users_path << '\n'
      << "dosegate serve: " << recalls << '\n';
  out.flush();

  std::atomic<bool> signalled{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig != SIGUSR1) {
      signalled = true;
      svr->stop();
    }
  });
  const bool ok = svr->listen_after_bind();
  // Every worker has answered its request when listen_after_bind returns (the pool is joined).
  if (!signalled) pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  out << "dosegate serve: stopped; every request in flight was answered\n";
  out.flush();
  return ok ? 0 : 2;
}

// ---- ByteServer ---------------------------------------------------------------------------

namespace {

// One connection's bytes as cpp-httplib's Stream: reads from `input`, writes to `output`.
class BytesStream : public httplib::Stream {
 public:
  explicit BytesStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return at_ < input_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const auto n = std::min(size, input_.size() - at_);
    std::memcpy(ptr, input_.data() + at_, n);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    output_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8443;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::size_t at() const { return at_; }
  std::string& output() { return output_; }

 private:
  std::string_view input_;
  std::size_t at_ = 0;
  std::string output_;
};

// cpp-httplib's per-connection request processing (parse, route, answer), reached from a
// subclass: the socket loop around it is replaced by BytesStream.
class FedServer : public httplib::Server {
 public:
  using httplib::Server::process_request;
  std::size_t keep_alive_max_count() const { return keep_alive_max_count_; }
};

}  // namespace

struct ByteServer::Impl {
  FedServer svr;
  Server routes;
  std::string method;  // of the request last answered (cpp-httplib logs each answer written)
  Impl(Service& service, const ServeOptions& options, std::ostream& err)
      : routes(service, options.tls_cert.has_value()) {
    configure(svr, options, err);
    routes.routes(svr);
    svr.set_logger(
        [this](const httplib::Request& req, const httplib::Response&) { method = req.method; });
  }
};

ByteServer::ByteServer(Service& service, const ServeOptions& options, std::ostream& err)
    : impl_(std::make_unique<Impl>(service, options, err)) {}
ByteServer::~ByteServer() = default;

std::vector<ByteServer::Answer> ByteServer::serve(std::string_view input) {
  BytesStream stream(input);
  std::vector<Answer> answers;
  // As cpp-httplib's socket loop: requests one after another while the connection is kept
  // alive (here: while bytes are left), the last one allowed closing it.
  for (auto count = impl_->svr.keep_alive_max_count(); count > 0 && stream.is_readable(); --count) {
    const auto before = stream.at();
    bool closed = false;
    impl_->method.clear();
    const bool kept = impl_->svr.process_request(stream, count == 1, closed, nullptr);
    if (!stream.output().empty())
      answers.push_back({std::move(impl_->method), std::move(stream.output())});
    stream.output().clear();
    if (!kept || closed || stream.at() == before) break;
  }
  return answers;
}

}  // namespace dosegate::serve
