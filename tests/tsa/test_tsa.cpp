// dosegate-test-tsa: a timestamping authority for the tests only (RFC 3161 over HTTP, OpenSSL's
// TS_RESP_CTX), bound to 127.0.0.1 on a free port, with a fixed clock. It prints the port on
// standard output, then answers until it is killed.
//
//   dosegate-test-tsa --cert TSA.pem --key TSA.key --time 2026-11-21T12:00:00Z [--mode MODE]
//                     [--delay-ms N]
//
// MODE says how to answer, so that every failure path of the client can be tested:
//   ok            a correct token
//   bad-imprint   a token over another message imprint
//   wrong-nonce   a token with another nonce
//   refuse        PKIStatus rejection, no token
//   garbage       HTTP 200 with a body that is no TimeStampResp
//   http-500      HTTP status 500
//   wrong-type    a correct token with Content-Type text/plain
//   slow          a correct token after --delay-ms milliseconds
//   fail-after    correct tokens for the first --ok N requests, then HTTP status 500
// A TSA signed with a certificate that is not in the trust directory's tsa/ is the same
// program given another --cert and --key.
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::string g_mode = "ok";
long g_time = 0;
int g_delay_ms = 2000;
long g_ok = 1;
// --other-time TIME --other-requests N-M: requests N to M (counted from 1) answered at TIME.
long g_other_time = 0;
long g_other_from = 0;
long g_other_to = -1;
thread_local long t_time = 0;  // the time of the request this thread answers
std::atomic<long> g_requests{0};
std::atomic<long> g_serial{1};
std::atomic<int> g_in_flight{0};
std::atomic<int> g_max_in_flight{0};
std::mutex g_ctx_mutex;
X509* g_cert = nullptr;
EVP_PKEY* g_key = nullptr;

int fixed_time(TS_RESP_CTX*, void*, long* sec, long* usec) {
  *sec = t_time;
  *usec = 0;
  return 1;
}

ASN1_INTEGER* next_serial(TS_RESP_CTX*, void*) {
  ASN1_INTEGER* n = ASN1_INTEGER_new();
  if (n) ASN1_INTEGER_set(n, g_serial++);
  return n;
}

std::string der_of_request(TS_REQ* req) {
  unsigned char* buf = nullptr;
  const int len = i2d_TS_REQ(req, &buf);
  std::string out(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len > 0 ? len : 0));
  OPENSSL_free(buf);
  return out;
}

// The request as the mode wants it answered (another imprint or nonce), DER.
std::string tampered(const std::string& body) {
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  TS_REQ* req = d2i_TS_REQ(nullptr, &p, static_cast<long>(body.size()));
  if (!req) return body;
  if (g_mode == "bad-imprint") {
    ASN1_OCTET_STRING* msg = TS_MSG_IMPRINT_get_msg(TS_REQ_get_msg_imprint(req));
    if (ASN1_STRING_length(msg) > 0) {
      unsigned char* d = const_cast<unsigned char*>(ASN1_STRING_get0_data(msg));
      d[0] ^= 0xff;
    }
  } else if (g_mode == "wrong-nonce") {
    ASN1_INTEGER* n = ASN1_INTEGER_new();
    ASN1_INTEGER_set(n, 42);
    TS_REQ_set_nonce(req, n);
    ASN1_INTEGER_free(n);
  }
  std::string out = der_of_request(req);
  TS_REQ_free(req);
  return out;
}

std::string respond(const std::string& request, bool refuse) {
  std::lock_guard lock(g_ctx_mutex);
  TS_RESP_CTX* ctx = TS_RESP_CTX_new();
  TS_RESP_CTX_set_signer_cert(ctx, g_cert);
  TS_RESP_CTX_set_signer_key(ctx, g_key);
  TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
  TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256());
  ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.4146.2.3", 1);  // any OID: a test policy
  TS_RESP_CTX_set_def_policy(ctx, policy);
  ASN1_OBJECT_free(policy);
  TS_RESP_CTX_add_md(ctx, EVP_sha256());
  TS_RESP_CTX_set_time_cb(ctx, fixed_time, nullptr);
  TS_RESP_CTX_set_serial_cb(ctx, next_serial, nullptr);
  std::string out;
  BIO* in = BIO_new_mem_buf(request.data(), static_cast<int>(request.size()));
  TS_RESP* resp = refuse ? nullptr : TS_RESP_create_response(ctx, in);
  if (refuse) {
    // A rejection without a token: the status alone.
    resp = TS_RESP_new();
    TS_STATUS_INFO* si = TS_STATUS_INFO_new();
    TS_STATUS_INFO_set_status(si, TS_STATUS_REJECTION);
    TS_RESP_set_status_info(resp, si);
    TS_STATUS_INFO_free(si);
  }
  if (resp) {
    unsigned char* buf = nullptr;
    const int len = i2d_TS_RESP(resp, &buf);
    if (len > 0) out.assign(reinterpret_cast<char*>(buf), static_cast<std::size_t>(len));
    OPENSSL_free(buf);
    TS_RESP_free(resp);
  }
  BIO_free(in);
  TS_RESP_CTX_free(ctx);
  ERR_clear_error();
  return out;
}

long parse_time(const std::string& t) {
  struct tm tm {};
  if (!strptime(t.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return -1;
  return static_cast<long>(timegm(&tm));
}

}  // namespace

int main(int argc, char** argv) {
  std::string cert_path, key_path, time_text = "2026-11-21T12:00:00Z";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--cert")
      cert_path = v;
    else if (a == "--key")
      key_path = v;
    else if (a == "--time")
      time_text = v;
    else if (a == "--mode")
      g_mode = v;
    else if (a == "--delay-ms")
      g_delay_ms = std::stoi(v);
    else if (a == "--ok")
      g_ok = std::stol(v);
    else if (a == "--other-time")
      g_other_time = parse_time(v);
    else if (a == "--other-requests") {
      g_other_from = std::stol(v);
      g_other_to = std::stol(v.substr(v.find('-') + 1));
    } else {
      std::cerr << "dosegate-test-tsa: unknown option " << a << '\n';
      return 2;
    }
  }
  g_time = parse_time(time_text);
  FILE* cf = std::fopen(cert_path.c_str(), "r");
  FILE* kf = std::fopen(key_path.c_str(), "r");
  if (cf) g_cert = PEM_read_X509(cf, nullptr, nullptr, nullptr);
  if (kf) g_key = PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr);
  if (cf) std::fclose(cf);
  if (kf) std::fclose(kf);
  if (!g_cert || !g_key || g_time < 0) {
    std::cerr << "dosegate-test-tsa: give --cert, --key (PEM) and --time YYYY-MM-DDThh:mm:ssZ\n";
    return 2;
  }
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  // The answer's headers and body leave in two writes: with Nagle's algorithm the body waits
  // for the client's delayed ACK of the headers (40 ms on Linux) on every request of a
  // kept-alive connection after the first.
  server.set_tcp_nodelay(true);
  server.Post("/", [](const httplib::Request& req, httplib::Response& res) {
    const int now = ++g_in_flight;
    for (int m = g_max_in_flight; now > m && !g_max_in_flight.compare_exchange_weak(m, now);) {
    }
    if (g_mode == "slow") std::this_thread::sleep_for(std::chrono::milliseconds(g_delay_ms));
    const long number = ++g_requests;
    t_time = number >= g_other_from && number <= g_other_to ? g_other_time : g_time;
    if (g_mode == "http-500" || (g_mode == "fail-after" && number > g_ok)) {
      res.status = 500;
      res.set_content("the test TSA fails on purpose", "text/plain");
    } else if (g_mode == "garbage") {
      res.set_content("not a timestamp response", "application/timestamp-reply");
    } else {
      const std::string answer = respond(tampered(req.body), g_mode == "refuse");
      res.set_content(answer,
                      g_mode == "wrong-type" ? "text/plain" : "application/timestamp-reply");
    }
    --g_in_flight;
  });
  // The most requests answered at once so far (the client's concurrency bound is tested on it).
  server.Get("/max-in-flight", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::to_string(g_max_in_flight.load()), "text/plain");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::cerr << "dosegate-test-tsa: cannot listen on 127.0.0.1\n";
    return 2;
  }
  std::cout << port << std::endl;
  server.listen_after_bind();
  return 0;
}
