// The chain follower (src/ledger/audit.hpp): the bedside service's incremental reading of the
// ledger. It must read each lot as read_lot does, take in what others append, and never
// believe a ledger that lost the head it saw (replaced with an older copy) or a forged entry.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "crypto/trust_store.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "ledger/audit.hpp"
#include "ledger_store.hpp"
#include "test_support.hpp"

using namespace dosegate;
using test::TempDir;

namespace {

namespace fs = std::filesystem;
const std::string kPending = "A999926000154";
const std::string kPass = "A999926000147";

// Two lots released, the second recalled, one GO confirmation of the first.
struct Released {
  TempDir dir;
  std::string ledger;
  std::string records = dir.file("records");
  // On a SQLite file in the temporary directory, or on `location` (a PostgreSQL database).
  explicit Released(const std::string& location = "")
      : ledger(location.empty() ? dir.file("ledger.sqlite") : location) {
    for (const char* coa : {"samples/coa-pending-mycoplasma.xml", "samples/coa-pass.xml"}) {
      std::vector<std::string> args{
          "release", test::source(coa), "--trust",  test::source("certs/trust"),
          "--out",   records,           "--ledger", ledger,
          "--quiet"};
      for (const auto& a : test::releaser()) args.push_back(a);
      const auto r = test::run_cli_at(args, "2026-11-21T12:00:00Z");
      INFO(r.out << r.err);
      REQUIRE(r.code == 0);
    }
    std::vector<std::string> args{"recall",    kPass,     "--reason",
                                  "sterility", "--trust", test::source("certs/trust"),
                                  "--ledger",  ledger};
    for (const auto& a : test::releaser()) args.push_back(a);
    REQUIRE(test::run_cli_at(args, "2026-11-22T08:00:00Z").code == 0);
    confirm("MRN-0001");
  }
  void confirm(const std::string& recipient) const {
    const auto r =
        test::run_cli_at({"confirm", records + "/A999926000154-S1234V00-B0.pdf", "--trust",
                          test::source("certs/trust"), "--dose", "=A99992600015400=<S1234VB0",
                          "--recipient", recipient, "--staff", "nurse-17", "--ledger", ledger},
                         "2026-11-22T09:00:00Z");
    INFO(r.out << r.err);
    REQUIRE(r.code == 0);
  }
};

std::vector<long long> seqs(const std::vector<ledger::Entry>& entries) {
  std::vector<long long> out;
  for (const auto& e : entries) out.push_back(e.seq);
  return out;
}

void same_reading(const ledger::LotReading& a, const ledger::LotReading& b) {
  CHECK(seqs(a.releases) == seqs(b.releases));
  CHECK(seqs(a.records) == seqs(b.records));
  CHECK(seqs(a.recalls) == seqs(b.recalls));
  CHECK(seqs(a.results) == seqs(b.results));
  CHECK(seqs(a.confirmations) == seqs(b.confirmations));
  CHECK(a.findings.size() == b.findings.size());
}

std::vector<std::string> codes(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const auto& f : findings) out.push_back(f.code);
  return out;
}

}  // namespace

LEDGER_TEST_CASE("chain follower: each lot as read_lot reads it, and what others append later",
                 "[ledger][follower]") {
  Released site(store.postgresql() ? test::pg_new_database() : "");
  const crypto::TrustStore trust(test::source("certs/trust"));
  auto l = ledger::Ledger::open(site.ledger, false);
  ledger::ChainFollower follower(trust);
  follower.follow(l);
  REQUIRE(follower.trusted());
  for (const auto& din : {kPending, kPass}) {
    INFO(din);
    same_reading(follower.lot(din), ledger::read_lot(l, trust, din));
  }
  CHECK(follower.lot(kPass).recalls.size() == 1);
  CHECK(follower.lot(kPending).confirmations.size() == 1);
  CHECK(follower.head().seq == 6);
  // Another process appends: the next follow() takes it in.
  site.confirm("MRN-0001");
  follower.follow(l);
  REQUIRE(follower.trusted());
  CHECK(follower.head().seq == 7);
  same_reading(follower.lot(kPending), ledger::read_lot(l, trust, kPending));
  CHECK(follower.lot(kPending).confirmations.back().recipient == "MRN-0001");
  // An entry this process appends is taken in without reading it back.
  l.begin();
  ledger::Entry e;
  e.kind = "confirm";
  e.decision = "go";
  e.at = "2026-11-22T09:05:00Z";
  e.actor = "nurse-42";
  e.din = kPending;
  e.divisions = {"A0"};
  e.recipient = "MRN-0002";
  l.prepare(e);
  l.append(e);
  follower.take(e);
  l.commit();
  CHECK(follower.head().seq == 8);
  CHECK(follower.head().hash == e.hash);
  follower.follow(l);
  REQUIRE(follower.trusted());
  same_reading(follower.lot(kPending), ledger::read_lot(l, trust, kPending));
}

TEST_CASE("chain follower: an unsigned release appended without a key is not believed",
          "[ledger][follower][forgery]") {
  Released site;
  const crypto::TrustStore trust(test::source("certs/trust"));
  auto l = ledger::Ledger::open(site.ledger, false);
  ledger::ChainFollower follower(trust);
  follower.follow(l);
  REQUIRE(follower.trusted());
  ledger::Entry forged;
  forged.kind = "release";
  forged.decision = "releasable";
  forged.at = "2026-11-22T10:00:00Z";
  forged.actor = "CN=Mallory";
  forged.din = "A999926000999";
  l.append_alone(forged);  // a valid chain link, but no signature
  follower.follow(l);
  CHECK_FALSE(follower.trusted());
  CHECK(codes(follower.findings()) == std::vector<std::string>{"ledger.signature-missing"});
  // Every lot is untrusted from then on, as read_lot says of the whole ledger.
  CHECK_FALSE(follower.lot(kPending).trusted());
  CHECK_FALSE(ledger::read_lot(l, trust, kPending).trusted());
}

TEST_CASE("chain follower: a ledger replaced with an older copy is ledger.head-missing",
          "[ledger][follower][forgery]") {
  Released site;
  const crypto::TrustStore trust(test::source("certs/trust"));
  const auto old_copy = site.dir.file("old.sqlite");
  {
    auto l = ledger::Ledger::open(site.ledger, false);
    l.backup(old_copy);
  }
  site.confirm("MRN-0001");
  ledger::ChainFollower::Head head;
  {
    auto l = ledger::Ledger::open(site.ledger, false);
    ledger::ChainFollower follower(trust);
    follower.follow(l);
    REQUIRE(follower.trusted());
    head = follower.head();
    CHECK(head.seq == 7);
    // The same follower on the older copy: its head is gone.
    auto old = ledger::Ledger::open(old_copy, false);
    follower.follow(old);
    CHECK(codes(follower.findings()) == std::vector<std::string>{"ledger.head-missing"});
    CHECK_FALSE(follower.lot(kPending).trusted());
  }
  // A new follower told the head seen before: the older copy ends before it.
  auto old = ledger::Ledger::open(old_copy, false);
  ledger::ChainFollower fresh(trust, head);
  fresh.follow(old);
  CHECK(codes(fresh.findings()) == std::vector<std::string>{"ledger.head-missing"});
  // An other ledger of the same length, whose entry at that number differs: also missing.
  {
    auto w = ledger::Ledger::open(old_copy, false);
    ledger::Entry e;
    e.kind = "confirm";
    e.decision = "go";
    e.at = "2026-11-22T09:00:00Z";
    e.actor = "nurse-17";
    e.din = kPending;
    e.divisions = {"B0"};
    e.recipient = "MRN-0666";
    w.append_alone(e);
  }
  auto swapped = ledger::Ledger::open(old_copy, false);
  ledger::ChainFollower third(trust, head);
  third.follow(swapped);
  CHECK(codes(third.findings()) == std::vector<std::string>{"ledger.head-missing"});
  // The real ledger with the same expectation is fine.
  auto real = ledger::Ledger::open(site.ledger, false);
  ledger::ChainFollower ok(trust, head);
  ok.follow(real);
  CHECK(ok.trusted());
}

TEST_CASE("lot reading: each dose's first GO and the first GO after it for another recipient",
          "[ledger][follower]") {
  ledger::LotReading lot;
  const auto confirmation = [](long long seq, const std::string& decision,
                               std::vector<std::string> divisions, const std::string& recipient) {
    ledger::Entry e;
    e.seq = seq;
    e.kind = "confirm";
    e.din = "A999926000154";
    e.decision = decision;
    e.divisions = std::move(divisions);
    e.recipient = recipient;
    return e;
  };
  CHECK(lot.keep(confirmation(5, "no-go", {"B0"}, "MRN-1")));  // a NO-GO gave nothing
  CHECK(lot.keep(confirmation(6, "go", {"B0"}, "MRN-1")));
  CHECK(lot.keep(confirmation(7, "go", {"B0"}, "MRN-1")));
  CHECK(lot.keep(confirmation(8, "no-go", {"B0"}, "MRN-2")));
  CHECK(lot.keep(confirmation(9, "go", {"A0", "B0"}, "MRN-2")));
  CHECK(lot.keep(confirmation(10, "go", {"B0"}, "MRN-3")));
  ledger::Entry release;
  release.kind = "exceptional-release";
  CHECK(lot.keep(std::move(release)));
  ledger::Entry rejection;
  rejection.kind = "rejection";
  CHECK_FALSE(lot.keep(std::move(rejection)));
  CHECK(lot.confirmations.size() == 6);
  CHECK(lot.releases.size() == 1);
  REQUIRE(lot.given.size() == 2);
  const auto& b0 = lot.given.at("B0");
  CHECK(lot.confirmations[b0.first].seq == 6);
  REQUIRE(b0.other);
  CHECK(lot.confirmations[*b0.other].seq == 9);
  const auto& a0 = lot.given.at("A0");
  CHECK(lot.confirmations[a0.first].seq == 9);
  CHECK_FALSE(a0.other);
}
