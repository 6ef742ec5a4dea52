// Users file and Argon2id (libargon2, Debian's libargon2-dev: the reference implementation, so
// no password hashing of our own).
#include "users/users.hpp"

#include <argon2.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "dosegate/error.hpp"

namespace dosegate::users {
namespace {

constexpr std::uint32_t kPasses = 3;
constexpr std::uint32_t kMemoryKiB = 64 * 1024;
constexpr std::uint32_t kLanes = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kMaxLine = 512;

[[noreturn]] void malformed(const std::string& path, std::size_t line, const std::string& what) {
  throw Error("users.malformed", path + ":" + std::to_string(line) + ": " + what +
                                     " (each line: NAME ROLE HASH, ROLE bedside, qa or auditor; "
                                     "add users with dosegate user add)");
}

}  // namespace

const char* to_string(Role role) {
  switch (role) {
    case Role::bedside: return "bedside";
    case Role::qa: return "qa";
    case Role::auditor: return "auditor";
    case Role::unknown: break;
  }
  return "unknown";
}

Role role_from_string(std::string_view text) {
  if (text == "bedside") return Role::bedside;
  if (text == "qa") return Role::qa;
  if (text == "auditor") return Role::auditor;
  return Role::unknown;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string resolve_path(const std::optional<std::string>& option) {
  if (option) return *option;
  if (const char* env = std::getenv("DOSEGATE_USERS"); env && *env) return env;
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string(state) + "/dosegate/users";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.local/state/dosegate/users";
}

std::vector<User> read_users(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot read the users file: " + std::strerror(errno));
  std::vector<User> users;
  std::set<std::string> names;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.size() > kMaxLine) malformed(path, n, "line too long");
    if (line.empty() || line[0] == '#') continue;
    const auto a = line.find(' ');
    const auto b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (b == std::string::npos || line.find(' ', b + 1) != std::string::npos)
      malformed(path, n, "not three fields separated by single spaces");
    User u{line.substr(0, a), role_from_string(line.substr(a + 1, b - a - 1)), line.substr(b + 1)};
    if (!is_valid_name(u.name)) malformed(path, n, "the name is not 1 to 64 of A-Z a-z 0-9 . _ -");
    if (u.role == Role::unknown) malformed(path, n, "unknown role");
    if (u.hash.rfind("$argon2id$", 0) != 0) malformed(path, n, "the hash is not Argon2id");
    if (!names.insert(u.name).second) malformed(path, n, "user " + u.name + " appears twice");
    users.push_back(std::move(u));
  }
  return users;
}

void write_users(const std::string& path, const std::vector<User>& users) {
  std::ostringstream text;
  text << "# dosegate users: NAME ROLE ARGON2ID-HASH, one a line (dosegate user add)\n";
  for (const auto& u : users) text << u.name << ' ' << to_string(u.role) << ' ' << u.hash << '\n';
  const std::string bytes = text.str();
  const std::filesystem::path target(path);
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw IoError(tmp + ": cannot write the users file: " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const auto w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    ok = w > 0;
    if (ok) done += static_cast<std::size_t>(w);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : saved;
    ::unlink(tmp.c_str());
    throw IoError(path + ": cannot write the users file: " + std::strerror(e));
  }
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t done = 0; done < n;) {
    const auto got = ::getrandom(out.data() + done, n - done, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw Error("users.random", "no random bytes from the kernel");
    done += static_cast<std::size_t>(got);
  }
  return out;
}

std::string hash_password(std::string_view password) {
  const auto salt = random_bytes(kSaltBytes);
  const std::size_t len =
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  const int rc =
      argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    throw Error("users.hash", std::string("Argon2id failed: ") + argon2_error_message(rc));
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (hash.rfind("$argon2id$", 0) != 0) return false;
  return argon2id_verify(hash.c_str(), password.data(), password.size()) == ARGON2_OK;
}

}  // namespace dosegate::users
