#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

// The tests never touch a real ledger: unless a test names one, release and recall write to a
// ledger in a temporary directory of this test run (inherited by the processes tests start).
int main(int argc, char* argv[]) {
  std::string dir = (std::filesystem::temp_directory_path() / "dosegate-tests-XXXXXX").string();
  if (!::mkdtemp(dir.data())) return 2;
  ::setenv("DOSEGATE_LEDGER", (dir + "/ledger.sqlite").c_str(), 1);
  const int rc = Catch::Session().run(argc, argv);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
