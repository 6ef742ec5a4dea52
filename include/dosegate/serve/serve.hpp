// `dosegate serve`: the bedside, QA and audit pages and the JSON API v1 over HTTP(S).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"

namespace dosegate::serve {

// The service's limits (README "Bedside service").
inline constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;    // any request body
inline constexpr std::size_t kMaxUploadBytes = 4 * 1024 * 1024;  // one uploaded file
inline constexpr std::size_t kMaxJsonBytes = 64 * 1024;          // a JSON request body
inline constexpr std::size_t kMaxConnections = 32;  // served at once by default (--max-connections)
// Connections beyond max_connections get a thread of their own that answers each request 503
// serve.busy and closes; beyond these as well, a connection waits for a free thread.
inline constexpr std::size_t kBusyConnections = 8;
inline constexpr std::chrono::seconds kFailedLoginDelay{1};  // before every 401
inline constexpr int kMaxFailedLogins = 5;                   // per user, then locked
inline constexpr std::chrono::minutes kLockout{15};
inline constexpr std::chrono::hours kSessionLifetime{12};
// Record signature checks kept (each for its bytes, trust directory state and validity window).
inline constexpr std::size_t kRecordCacheEntries = 1024;

struct ServeOptions {
  std::string trust_dir;
  std::string ledger_path;
  std::string records_dir;
  std::string host = "127.0.0.1";
  int port = 8443;  // 0: any free port (the start-up line names it)
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::string users_path;
  std::size_t max_connections = kMaxConnections;
  // A releaser's key the service signs recalls with (POST /api/v1/recall, the QA page), with
  // its passphrase or PIN in a file (nobody is at a terminal to type it). None: no recalls.
  std::optional<SignerFiles> recall_signer;
  // Before every 401; only the fuzz target sets less (no option sets it).
  std::chrono::milliseconds failed_login_delay = kFailedLoginDelay;
};

// "127.0.0.1:8080", "[::1]:8080", "localhost:8080", "0.0.0.0:443". Throws UsageError.
void parse_listen(const std::string& text, ServeOptions& options);

// 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

// Runs the service until SIGTERM or SIGINT, then answers the requests in flight and returns 0.
// Writes the start-up lines (address, TLS or loopback only) to `out`. Throws UsageError for a
// non-loopback address without TLS, and dosegate::Error when the trust directory, the users
// file, the records directory or the TLS files cannot be used, or the address cannot be bound.
int run(const ServeOptions& options, std::ostream& out, std::ostream& err,
        const std::function<Instant()>& now);

}  // namespace dosegate::serve
