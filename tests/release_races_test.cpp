// Releases that race, are interrupted, or meet the lot's history in the ledger: concurrent
// releases into one directory all land or refuse cleanly; SIGINT and SIGTERM leave nothing
// behind; a rejected lot needs a superseding CoA, a recalled lot is never released again, and
// a released lot is released once (or re-issued with --again).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/sha256.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::contains;
using test::pki;
using test::quote_arg;
using test::releaser;
using test::run_cli;
using test::run_process;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kAsOf = "2026-11-21T12:00:00Z";

std::string src(const std::string& relative) {
  return test::source(relative);
}

struct CoaVariant {
  std::string id;
  std::string din;
  std::string supersedes;  // empty: none
  bool failing = false;    // CD105 at 94.99 %
  int doses = 0;           // 0: the sample's two doses; else n doses with 6-digit divisions
};

// A signed CoA made from samples/coa-pass.xml, signed with the test laboratory's key.
std::string signed_coa(const TempDir& dir, const CoaVariant& v) {
  auto text = test::read_file_text(src("samples/coa-pass.xml"));
  const auto sig = text.find("<Signature xmlns=");
  text.erase(sig, text.find("</Signature>", sig) + 13 - sig);
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
  };
  replace("id=\"COA-QCL01-2026-0147\"", "id=\"" + v.id + "\"");
  replace("<DIN>A999926000147</DIN>", "<DIN>" + v.din + "</DIN>");
  if (!v.supersedes.empty()) {
    const auto issued = text.find("</Issued>") + 9;
    text.insert(issued, "\n  <Supersedes>" + v.supersedes + "</Supersedes>");
  }
  if (v.failing) replace("<Value unit=\"%\">97.9</Value>", "<Value unit=\"%\">94.99</Value>");
  if (v.doses > 0) {
    replace("<Code>S1234V00</Code>", "<Code>S1234V99</Code>");
    const auto start = text.find("<Doses>") + 7;
    const auto end = text.find("</Doses>");
    std::string doses;
    for (int i = 1; i <= v.doses; ++i) {
      char buf[160];
      std::snprintf(buf, sizeof buf,
                    "<Dose division=\"%06d\"><ViableCells>5.0e7</ViableCells>"
                    "<Volume unit=\"mL\">5.0</Volume></Dose>\n",
                    i);
      doses += buf;
    }
    text.replace(start, end - start, doses);
  }
  const auto unsigned_path = dir.file(v.id + "-unsigned.xml");
  std::ofstream(unsigned_path, std::ios::binary) << text;
  const auto out = dir.file(v.id + ".xml");
  const auto r = run_cli({"sign-coa", unsigned_path, "--key", pki("lab-ec.key.pem"), "--cert",
                          pki("lab-ec.cert.pem"), "--chain", pki("lab-chain.pem"), "--out", out});
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  return out;
}

test::CliResult release(const std::string& coa, const std::string& out, const std::string& ledger,
                        std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"release", coa,        "--trust", src("certs/trust"), "--out",
                                out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  args.insert(args.end(), extra.begin(), extra.end());
  return test::run_cli_at(args, kAsOf);
}

std::string release_command(const std::string& coa, const std::string& out,
                            const std::string& ledger) {
  std::string c = "DOSEGATE_TEST_NOW=" + std::string(kAsOf) + " " + quote_arg(DOSEGATE_BINARY) +
                  " release " + quote_arg(coa) + " --trust " + quote_arg(src("certs/trust")) +
                  " --out " + quote_arg(out) + " --ledger " + quote_arg(ledger) + " --quiet";
  for (const auto& a : releaser()) c += " " + quote_arg(a);
  return c;
}

std::vector<ledger::Entry> entries(const std::string& ledger, const std::string& kind) {
  ledger::Filter f;
  f.kind = kind;
  return ledger::Ledger::open(ledger, false).entries(f);
}

// Every file of a directory but for its dot files (the release lock).
std::vector<std::string> files(const std::string& dir) {
  std::vector<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string()[0] != '.') out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool audit_intact(const std::string& ledger) {
  const auto r = run_cli({"audit", "--trust", src("certs/trust"), "--ledger", ledger});
  INFO(r.out << r.err);
  return r.code == 0 && contains(r.out, "INTACT");
}

// Every record the ledger lists is in `dir` with the SHA-256 the ledger holds; returns how many.
std::size_t require_recorded_records_present(const std::string& ledger, const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : entries(ledger, "records"))
    for (const auto& rec : e.records) {
      INFO(rec.file);
      const auto path = dir + "/" + rec.file;
      REQUIRE(fs::exists(path));
      CHECK(crypto::sha256_hex(test::read_file_text(path)) == rec.sha256);
      ++n;
    }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The lot's history

TEST_CASE("release: a lot rejected before needs a CoA that supersedes the rejected one",
          "[release][history]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  const std::string din = "A999926000301";
  const auto bad = signed_coa(dir, {"COA-T-301-1", din, "", true});
  const auto plain = signed_coa(dir, {"COA-T-301-2", din, "", false});
  const auto wrong = signed_coa(dir, {"COA-T-301-3", din, "COA-T-999-9", false});
  const auto good = signed_coa(dir, {"COA-T-301-4", din, "COA-T-301-1", false});

  auto r = release(bad, dir.file("out"), ledger);
  REQUIRE(r.code == 1);
  // A second CoA for the lot that passes but does not say it supersedes the rejected one.
  r = release(plain, dir.file("out"), ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "release.supersedes-missing: lot A9999 26 000301"));
  CHECK(contains(r.out, "was rejected on CoA COA-T-301-1 (ledger entry 1"));
  CHECK(contains(r.out, "(this CoA supersedes none)"));
  CHECK(files(dir.file("out")).empty());
  // The report (without --quiet) names it too, and the lot stays rejected.
  r = release(wrong, dir.file("out"), ledger, {"--wait", "10"});
  CHECK(r.code == 1);
  CHECK(contains(r.out, "(this CoA supersedes COA-T-999-9)"));
  auto rejections = entries(ledger, "rejection");
  REQUIRE(rejections.size() == 3);
  CHECK(contains(rejections[1].reason, "release.supersedes-missing: "));
  CHECK(rejections[1].coa_id == "COA-T-301-2");
  CHECK(entries(ledger, "release").empty());
  // The CoA that names the rejected one in <Supersedes> releases the lot.
  r = release(good, dir.file("out"), ledger);
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(files(dir.file("out")).size() == 2);
  CHECK(audit_intact(ledger));
}

TEST_CASE("release: a recalled lot is never released again", "[release][history]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  REQUIRE(release(src("samples/coa-pass.xml"), dir.file("a"), ledger).code == 0);
  std::vector<std::string> recall{"recall",  "A999926000147",    "--reason", "Sterility retest",
                                  "--trust", src("certs/trust"), "--ledger", ledger};
  for (const auto& a : releaser()) recall.push_back(a);
  REQUIRE(test::run_cli_at(recall, kAsOf).code == 0);
  // Neither as a re-issue nor on a new CoA for the lot.
  auto r = release(src("samples/coa-pass.xml"), dir.file("b"), ledger,
                   {"--again", "--reason", "records lost"});
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "release.recalled: lot A9999 26 000147 9 was recalled (ledger entry 3"));
  CHECK(contains(r.out, "a recalled lot is never released again"));
  const auto renewed = signed_coa(dir, {"COA-T-147-2", "A999926000147", "", false});
  r = release(renewed, dir.file("b"), ledger);
  CHECK(r.code == 1);
  CHECK(contains(r.out, "release.recalled"));
  CHECK(files(dir.file("b")).empty());
  const auto rejections = entries(ledger, "rejection");
  REQUIRE(rejections.size() == 2);
  CHECK(contains(rejections[0].reason, "release.recalled: "));
  CHECK(entries(ledger, "release").size() == 1);
  CHECK(audit_intact(ledger));
}

TEST_CASE("release: a lot already released is refused, and re-issued only with --again",
          "[release][history]") {
  TempDir dir;
  const auto ledger = dir.file("ledger.sqlite");
  REQUIRE(release(src("samples/coa-pass.xml"), dir.file("a"), ledger).code == 0);
  // Into another folder: refused, naming the release entry and its records.
  auto r = release(src("samples/coa-pass.xml"), dir.file("b"), ledger);
  CHECK(r.code == 2);
  CHECK(contains(r.err,
                 "error [release.already-released]: lot A9999 26 000147 9 was already "
                 "released: ledger entry 1 (2026-11-21T12:00:00Z"));
  CHECK(contains(r.err,
                 "records in entry 2: A999926000147-S1234V00-A0.pdf, "
                 "A999926000147-S1234V00-B0.pdf"));
  CHECK(contains(r.err, "give --again --reason TEXT"));
  CHECK(files(dir.file("b")).empty());
  // --again needs a reason.
  r = release(src("samples/coa-pass.xml"), dir.file("b"), ledger, {"--again"});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--again needs --reason TEXT"));
  // --again for a lot never released is refused.
  r = release(src("samples/coa-exosome-pass.xml"), dir.file("b"), ledger,
              {"--again", "--reason", "x", "--spec", src("samples/specs/msc-exosome.signed.xml")});
  CHECK(r.code == 2);
  CHECK(contains(r.err, "release.not-released"));
  // The re-issue, recorded as such.
  r = release(src("samples/coa-pass.xml"), dir.file("b"), ledger,
              {"--again", "--reason", "records lost in transit"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out,
                 "Re-issued records of release entry 1 (--again): re-issue (--again) of "
                 "the records of release entry 1: records lost in transit"));
  CHECK(files(dir.file("b")).size() == 2);
  const auto releases = entries(ledger, "release");
  REQUIRE(releases.size() == 2);
  CHECK(releases[1].reason ==
        "re-issue (--again) of the records of release entry 1: records lost in transit");
  // The first release's records in a/, the re-issue's in b/, each as its records entry says.
  const auto records = entries(ledger, "records");
  REQUIRE(records.size() == 2);
  for (std::size_t i = 0; i < 2; ++i)
    for (const auto& rec : records[i].records)
      CHECK(crypto::sha256_hex(test::read_file_text(dir.file(i == 0 ? "a/" : "b/") + rec.file)) ==
            rec.sha256);
  CHECK(audit_intact(ledger));
}

// ---------------------------------------------------------------------------------------------
// Concurrent releases into one directory

TEST_CASE("three releases at once into one directory, 20 times: every recorded record lands",
          "[release][concurrency]") {
  TempDir data;
  // Three lots for three releases at once, and a fourth released three times at once.
  std::vector<std::string> lots;
  for (const char* din : {"A999926000311", "A999926000312", "A999926000313", "A999926000314"})
    lots.push_back(signed_coa(data, {std::string("COA-T-") + (din + 10), din, "", false}));
  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    TempDir dir;
    const auto ledger = dir.file("ledger.sqlite");
    const auto out = dir.file("out");
    std::string script;
    for (int i = 0; i < 6; ++i) {
      const auto& coa = lots[static_cast<std::size_t>(i < 3 ? i : 3)];
      if (i == 3) script += "wait; ";  // the same lot three times, after the three lots
      script += "(" + release_command(coa, out, ledger) + " > " +
                quote_arg(dir.file(std::to_string(i) + ".log")) + " 2>&1; echo $? > " +
                quote_arg(dir.file(std::to_string(i) + ".rc")) + ") & ";
    }
    run_process(script + "wait");
    int released_once = 0;
    for (int i = 0; i < 6; ++i) {
      const auto rc = test::read_file_text(dir.file(std::to_string(i) + ".rc"));
      const auto log = test::read_file_text(dir.file(std::to_string(i) + ".log"));
      INFO("release " << i << ": exit " << rc << log);
      if (i < 3) {
        CHECK(rc == "0\n");
      } else if (rc == "0\n") {
        ++released_once;
      } else {
        CHECK(rc == "2\n");
        CHECK(contains(log, "release.already-released"));
      }
    }
    CHECK(released_once == 1);
    CHECK(entries(ledger, "release").size() == 4);
    CHECK(require_recorded_records_present(ledger, out) == 8);
    CHECK(files(out).size() == 8);  // and nothing else: no .pending file
    CHECK(audit_intact(ledger));
  }
}

TEST_CASE("a release waits for another release into its directory, then refuses, naming it",
          "[release][concurrency]") {
  TempDir dir;
  fs::create_directories(dir.file("out"));
  // Another release holds the directory: its lock, with its pid in the file.
  const int fd = ::open(dir.file("out/.dosegate-release.lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  REQUIRE(::write(fd, "4242\n", 5) == 5);
  const auto r = release(src("samples/coa-pass.xml"), dir.file("out"), dir.file("ledger.sqlite"),
                         {"--wait", "1"});
  ::close(fd);
  INFO(r.out << r.err);
  CHECK(r.code == 2);
  CHECK(contains(r.err, "waiting for another release into " + dir.file("out") + " (pid 4242)"));
  CHECK(contains(r.err, "error [release.directory-busy]: " + dir.file("out") +
                            ": another release into this directory (pid 4242) is still running"));
  CHECK(files(dir.file("out")).empty());
  CHECK(entries(dir.file("ledger.sqlite"), "release").empty());
  // With the lock free, the same release goes through.
  CHECK(release(src("samples/coa-pass.xml"), dir.file("out"), dir.file("ledger.sqlite")).code == 0);
}

// ---------------------------------------------------------------------------------------------
// Interrupted releases

namespace {
// Starts `dosegate release` of a large lot, sends `signal` once its first records are being
// written, and returns its exit status.
int interrupted_release(const TempDir& dir, const std::string& coa, int signal) {
  const auto out = dir.file("out");
  const auto ledger = dir.file("ledger.sqlite");
  std::vector<std::string> args{
      DOSEGATE_BINARY, "release", coa,        "--trust", src("certs/trust"),
      "--out",         out,       "--ledger", ledger,    "--quiet"};
  for (const auto& a : releaser()) args.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto log = dir.file("release.log");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::setenv("DOSEGATE_TEST_NOW", kAsOf.c_str(), 1);  // the clock of the release (test builds)
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Wait until it is writing records (a .pending file exists), then signal it.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool writing = false;
  while (!writing && std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    if (fs::is_directory(out, ec))
      for (const auto& e : fs::directory_iterator(out, ec))
        if (e.path().extension() == ".pending") writing = true;
    if (!writing) std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  CHECK(writing);
  ::kill(pid, signal);
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO(test::read_file_text(log));
  CHECK(contains(test::read_file_text(log), "nothing was released"));
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}
}  // namespace

TEST_CASE("SIGTERM and SIGINT during a release: rolled back, no .pending file left",
          "[release][interrupt]") {
  TempDir data;
  const auto coa = signed_coa(data, {"COA-T-321", "A999926000321", "", false, 400});
  for (const auto& [signal, code] : {std::pair{SIGTERM, 143}, std::pair{SIGINT, 130}}) {
    INFO("signal " << signal);
    TempDir dir;
    CHECK(interrupted_release(dir, coa, signal) == code);
    CHECK(files(dir.file("out")).empty());  // no .pending, no record
    CHECK(entries(dir.file("ledger.sqlite"), "release").empty());
    CHECK(entries(dir.file("ledger.sqlite"), "records").empty());
    CHECK(audit_intact(dir.file("ledger.sqlite")));
  }
}
