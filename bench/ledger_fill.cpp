// Fills a ledger quickly for scripts/bench-ledger.sh: N entries written through the library, as
// release, records and confirm would write them, the release and records entries signed (CAdES,
// the releaser's key) exactly like real ones, so that `audit` verifies every signature and
// `history`, `trace` and `confirm` read an ordinary ledger. Lots of four entries each: release
// (signed), records (signed), two GO confirmations (unsigned); one entry a minute from
// 2026-01-01T00:00:00Z. Signatures are made on every core (the hash chain does not depend on
// them), then the entries are appended in one transaction.
//
// Usage: dosegate_ledger_fill LEDGER N KEY.pem CERT.pem CHAIN.pem [FACILITY]
//   FACILITY: the DINs' first five characters (default A9998: never a sample's lot).
// Prints the DIN of the first and of the last lot.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "crypto/cades.hpp"
#include "crypto/keys.hpp"
#include "crypto/sha256.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "dosegate/time.hpp"

using namespace dosegate;

namespace {

std::string din_of(const std::string& facility, long long lot) {
  std::string n = std::to_string(lot);
  return facility + "26" + std::string(6 - std::min<std::size_t>(6, n.size()), '0') + n;
}

ledger::Entry entry(long long i, const std::string& facility, const crypto::SigningKey& key) {
  const long long lot = i / 4 + 1;
  const long long release_seq = (i / 4) * 4 + 1;
  ledger::Entry e;
  e.at = format_instant(Instant{std::chrono::sys_days{std::chrono::year{2026} / 1 / 1}} +
                        std::chrono::minutes(i));
  e.din = din_of(facility, lot);
  const std::string n = std::to_string(lot);
  switch (i % 4) {
    case 0:
    case 1:
      e.kind = i % 4 == 0 ? "release" : "records";
      e.actor = key.certificate().subject();
      e.actor_sha256 = key.certificate().sha256();
      e.divisions = {"A0", "B0"};
      e.decision = "releasable";
      e.coa_id = "COA-BENCH-" + n;
      e.coa_sha256 = crypto::sha256_hex("coa " + n);
      e.spec_id = "wj-msc";
      e.spec_version = "1";
      e.spec_sha256 = crypto::sha256_hex("spec");
      if (i % 4 == 1)
        e.records = {{e.din + "-S1234V00-A0.pdf", crypto::sha256_hex("A0 " + n)},
                     {e.din + "-S1234V00-B0.pdf", crypto::sha256_hex("B0 " + n)}};
      break;
    default:
      e.kind = "confirm";
      e.actor = "nurse-" + std::to_string(i % 97);
      e.divisions = {i % 4 == 2 ? "A0" : "B0"};
      e.decision = "go";
      e.refers_to = release_seq;
      e.recipient = "P-" + n + (i % 4 == 2 ? "-A" : "-B");
      e.second_staff = "nurse-" + std::to_string(i % 89);
      break;
  }
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6 || argc > 7) {
    std::fprintf(stderr,
                 "usage: dosegate_ledger_fill LEDGER N KEY.pem CERT.pem CHAIN.pem [FACILITY]\n");
    return 2;
  }
  try {
    const std::string path = argv[1];
    const long long n = std::stoll(argv[2]);
    const std::string facility = argc == 7 ? argv[6] : "A9998";
    const auto key =
        crypto::load_signer(argv[3], std::string(argv[4]), std::string(argv[5]), std::nullopt,
                            [](const std::string&) { return std::optional<std::string>(); });
    auto l = ledger::Ledger::open(path, true);
    // In batches: the chain first (each hash needs only its predecessor's), then the signatures
    // on every core, then the appends, all in one transaction.
    l.begin();
    const auto head = l.head();
    long long seq = head ? head->seq : 0;
    std::string prev = head ? head->hash : ledger::kGenesis;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    constexpr long long kBatch = 4096;
    for (long long start = 0; start < n; start += kBatch) {
      std::vector<ledger::Entry> batch;
      for (long long i = start; i < std::min(n, start + kBatch); ++i) {
        auto e = entry(i, facility, key);
        e.seq = ++seq;
        e.prev_hash = prev;
        prev = ledger::entry_hash(e.prev_hash, ledger::payload(e));
        batch.push_back(std::move(e));
      }
      std::vector<std::thread> workers;
      std::exception_ptr failed;
      std::mutex failed_mutex;
      for (unsigned w = 0; w < cores; ++w)
        workers.emplace_back([&, w] {
          try {
            for (std::size_t i = w; i < batch.size(); i += cores)
              if (batch[i].kind != "confirm")
                batch[i].signature =
                    crypto::cades_detached(ledger::signed_bytes(batch[i].seq, batch[i].prev_hash,
                                                                ledger::payload(batch[i])),
                                           key);
          } catch (...) {
            const std::lock_guard<std::mutex> lock(failed_mutex);
            failed = std::current_exception();
          }
        });
      for (auto& t : workers) t.join();
      if (failed) std::rethrow_exception(failed);
      for (auto& e : batch) {
        const std::string signature = e.signature;
        const long long want_seq = e.seq;
        const std::string want_prev = e.prev_hash;
        l.prepare(e);
        if (e.seq != want_seq || e.prev_hash != want_prev)
          throw std::runtime_error("the ledger changed while it was being filled");
        if (signature.empty())
          l.append(e);
        else
          l.append(e, [&](const std::string&) { return signature; });
      }
    }
    l.commit();
    std::printf("%s %s\n", din_of(facility, 1).c_str(), din_of(facility, (n + 3) / 4).c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dosegate_ledger_fill: %s\n", e.what());
    return 2;
  }
}
