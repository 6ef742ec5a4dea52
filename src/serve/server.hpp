// The service's HTTP server fed bytes instead of a socket (for the fuzz target): cpp-httplib's
// own request parsing and the service's routes, configured as `run` configures them. No
// cpp-httplib type appears here (server.cpp is the only file that includes it).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dosegate/serve/serve.hpp"
#include "serve/service.hpp"

namespace dosegate::serve {

class ByteServer {
 public:
  // The same handlers, limits, default headers and error and exception handlers as `run`
  // (errors of the exception handler go to `err`). `service` must outlive it.
  ByteServer(Service& service, const ServeOptions& options, std::ostream& err);
  ~ByteServer();
  ByteServer(const ByteServer&) = delete;
  ByteServer& operator=(const ByteServer&) = delete;

  // What the server wrote for one request: its method as cpp-httplib read it ("" when the
  // request could not be read) and every byte of the answer (an interim 100 Continue included).
  // An answer to HEAD has headers only: its Content-Length is the GET answer's.
  struct Answer {
    std::string method;
    std::string bytes;
  };
  // `input` as one kept-alive connection's bytes: requests read and answered one after another
  // until the input ends or the server closes the connection. Returns each request's answer.
  std::vector<Answer> serve(std::string_view input);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosegate::serve
