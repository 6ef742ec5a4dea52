// Bytes written as a SQLite ledger file, opened (never created) and read: every entry, the
// head, the bookkeeping, then the audit under the test trust directory. Ledger::open and the
// reads throw dosegate::Error for a file that is not a usable ledger.
#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "crypto/trust_store.hpp"
#include "dosegate/error.hpp"
#include "dosegate/ledger/ledger.hpp"
#include "fuzz_support.hpp"
#include "ledger/audit.hpp"

using namespace dosegate;
namespace fs = std::filesystem;

namespace {

// One directory per process, removed at exit.
struct Scratch {
  fs::path dir;
  Scratch() {
    std::string t = (fs::temp_directory_path() / "dosegate-fuzz-ledger-XXXXXX").string();
    fuzz::require(::mkdtemp(t.data()) != nullptr, "a temporary directory can be created");
    dir = t;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const crypto::TrustStore trust(fuzz::source("certs/trust"));
  static const Scratch scratch;
  const std::string path = (scratch.dir / "ledger.sqlite").string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(path + suffix, ec);
  }
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const auto ledger = ledger::Ledger::open(path, false);
    const auto all = ledger.entries();
    const auto head = ledger.head();
    fuzz::require(all.empty() || head.has_value(), "a ledger with entries has a head");
    (void)ledger.triggers_present();
    (void)ledger.highest_seq_ever();
    ledger::Filter recalls;
    recalls.kind = "recall";
    (void)ledger.entries(recalls);
    const auto result = ledger::audit(ledger, trust);
    (void)result.intact();
  } catch (const Error&) {
  }
  return 0;
}
