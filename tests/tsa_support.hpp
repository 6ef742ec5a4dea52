// The test timestamping authority (tests/tsa/test_tsa.cpp) as a process of the test: started on
// a free port of 127.0.0.1, killed when the object goes away.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace dosegate::test {

class TestTsa {
 public:
  // `mode`: see tests/tsa/test_tsa.cpp; `key` names the certificate and key in certs/test-pki
  // ("tsa" or "tsa-untrusted"); `time`: the TSA's fixed clock.
  explicit TestTsa(const std::string& mode = "ok", const std::string& time = "2026-11-21T12:00:00Z",
                   const std::string& key = "tsa", const std::vector<std::string>& more = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    std::vector<std::string> args{DOSEGATE_TEST_TSA,
                                  "--cert",
                                  pki(key + ".cert.pem"),
                                  "--key",
                                  pki(key + ".key.pem"),
                                  "--time",
                                  time,
                                  "--mode",
                                  mode};
    args.insert(args.end(), more.begin(), more.end());
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    std::string line;
    char c = 0;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(fds[0]);
    if (line.empty()) throw std::runtime_error("the test TSA did not start");
    port_ = std::stoi(line);
  }
  ~TestTsa() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  TestTsa(const TestTsa&) = delete;
  TestTsa& operator=(const TestTsa&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace dosegate::test
