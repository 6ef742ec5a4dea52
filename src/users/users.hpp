// The bedside service's accounts: a users file and Argon2id password hashes (libargon2 only in
// src/users/users.cpp).
//
// The users file (README "Bedside service"): UTF-8 text, one line per user,
//   NAME ROLE HASH
// separated by one space: NAME is 1 to 64 characters of A-Z a-z 0-9 . _ - (the staff id the
// ledger records), ROLE is bedside, qa or auditor, HASH is the Argon2id hash in its standard
// encoded form ($argon2id$v=19$m=...,t=...,p=...$SALT$HASH). Lines starting with # and blank
// lines are ignored. The file is written whole to a temporary file beside it, synced and renamed
// into place, with mode 0600.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dosegate::users {

enum class Role { unknown, bedside, qa, auditor };

const char* to_string(Role role);              // "bedside", "qa", "auditor", "unknown"
Role role_from_string(std::string_view text);  // unknown for anything else

struct User {
  std::string name;
  Role role = Role::unknown;
  std::string hash;  // Argon2id, encoded
};

// 1 to 64 characters of A-Z a-z 0-9 . _ -
bool is_valid_name(std::string_view name);

// --users FILE, else $DOSEGATE_USERS, else $XDG_STATE_HOME/dosegate/users, else
// ~/.local/state/dosegate/users.
std::string resolve_path(const std::optional<std::string>& option);

// Reads a users file. Throws IoError when it cannot be read and Error("users.malformed") naming
// the file and line when a line breaks the format (a name twice included).
std::vector<User> read_users(const std::string& path);

// Writes the file atomically with mode 0600 (temporary file, fsync, rename, fsync of the
// directory). Throws IoError.
void write_users(const std::string& path, const std::vector<User>& users);

// Argon2id with a random 16-byte salt: 3 passes over 64 MiB, one lane. Throws Error
// ("users.hash") when the library fails (out of memory).
std::string hash_password(std::string_view password);

// Whether `password` matches `hash` (constant time in the library). False for a malformed hash.
bool verify_password(const std::string& hash, std::string_view password);

// `n` random bytes from the kernel (getrandom), for salts, session ids and CSRF tokens.
std::string random_bytes(std::size_t n);

}  // namespace dosegate::users
