// `dosegate user add`: the bedside service's accounts, in a users file of mode 0600 with Argon2id
// hashes; the password from standard input.
#include <sys/stat.h>
#include <catch2/catch.hpp>

#include <fstream>

#include "dosegate/error.hpp"

#include "test_support.hpp"
#include "users/users.hpp"

using namespace dosegate;
using test::contains;
using test::TempDir;

namespace {

const std::string kReleased = "2026-11-21T12:00:00Z";
const std::string kNursePassword = "nurse-17 password";

void add_user(const std::string& users, const std::string& name, const std::string& role,
              const std::string& password) {
  const auto r = test::run_cli_at({"user", "add", name, "--role", role, "--users", users},
                                  kReleased, password + "\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
}

}  // namespace

TEST_CASE("users: user add keeps an Argon2id hash in a file of mode 0600", "[users]") {
  TempDir dir;
  const auto users = dir.file("users");
  add_user(users, "nurse-17", "bedside", kNursePassword);
  struct stat st {};
  REQUIRE(::stat(users.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto text = test::read_file_text(users);
  CHECK(contains(text, "nurse-17 bedside $argon2id$v=19$m=65536,t=3,p=1$"));
  CHECK_FALSE(contains(text, kNursePassword));
  auto r = test::run_cli_at({"user", "add", "nurse-17", "--role", "qa", "--users", users},
                            kReleased, "another password\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "already exists"));
  r = test::run_cli_at({"user", "add", "nurse-18", "--role", "bedside", "--users", users},
                       kReleased, "short\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "at least 12 characters"));
  r = test::run_cli_at({"user", "add", "nurse-18", "--role", "surgeon", "--users", users},
                       kReleased, "long enough password\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "is not bedside, qa or auditor"));
  r = test::run_cli_at({"user", "add", "a b", "--role", "qa", "--users", users}, kReleased,
                       "long enough password\n");
  CHECK(r.code == 2);
}

TEST_CASE("users: user add, passwd and remove --json", "[users][json]") {
  TempDir dir;
  const auto users = dir.file("users");
  auto r =
      test::run_cli_at({"user", "add", "nurse-17", "--role", "bedside", "--users", users, "--json"},
                       kReleased, kNursePassword + "\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out ==
        "{\n  \"version\": 1,\n  \"command\": \"user add\",\n  \"decision\": \"done\",\n"
        "  \"user\": \"nurse-17\",\n  \"role\": \"bedside\",\n  \"users\": \"" +
            users + "\",\n  \"findings\": []\n}\n");
  r = test::run_cli_at({"user", "passwd", "nurse-17", "--users", users, "--json"}, kReleased,
                       "a new password, long\n");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "\"command\": \"user passwd\""));
  CHECK_FALSE(contains(r.out, "\"role\""));
  r = test::run_cli_at({"user", "remove", "nurse-17", "--users", users, "--json"}, kReleased, "");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "\"command\": \"user remove\""));
  // Cannot: the exit-2 error object.
  r = test::run_cli_at({"user", "remove", "nurse-17", "--users", users, "--json"}, kReleased, "");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "\"decision\": \"error\""));
  CHECK(contains(r.out, "no user nurse-17 in "));
}

TEST_CASE("users: a password matches only its own hash, and a broken users file is named",
          "[users]") {
  const auto hash = users::hash_password("correct horse battery");
  CHECK(users::verify_password(hash, "correct horse battery"));
  CHECK_FALSE(users::verify_password(hash, "correct horse battery "));
  CHECK_FALSE(users::verify_password("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
  CHECK_FALSE(users::verify_password("", ""));
  CHECK(users::hash_password("correct horse battery") != hash);  // a salt of its own
  TempDir dir;
  const auto file = dir.file("users");
  users::write_users(file, {{"nurse-17", users::Role::bedside, hash}});
  const auto read = users::read_users(file);
  REQUIRE(read.size() == 1);
  CHECK(read[0].name == "nurse-17");
  CHECK(read[0].role == users::Role::bedside);
  for (const std::string& line :
       std::vector<std::string>{"nurse-17 bedside", "nurse-17 surgeon " + hash,
                                "nurse 17 bedside " + hash, "nurse-17 bedside md5$x"}) {
    {
      std::ofstream out(file);
      out << "# comment\n\n" << line << "\n";
    }
    INFO(line);
    try {
      users::read_users(file);
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == "users.malformed");
      CHECK(contains(e.what(), file + ":3: "));
    }
  }
  {
    std::ofstream out(file);
    out << "a bedside " << hash << "\na qa " << hash << "\n";
  }
  CHECK_THROWS_WITH(users::read_users(file), Catch::Contains("appears twice"));
}

TEST_CASE("users: user passwd replaces the hash, user remove takes the account away", "[users]") {
  TempDir dir;
  const auto users = dir.file("users");
  add_user(users, "nurse-17", "bedside", kNursePassword);
  add_user(users, "qa-lead", "qa", "qa-lead password");
  auto r = test::run_cli_at({"user", "passwd", "nurse-17", "--users", users}, kReleased,
                            "a new password for nurse-17\n");
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "changed the password of user nurse-17"));
  auto all = users::read_users(users);
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "nurse-17");
  CHECK(all[0].role == users::Role::bedside);
  CHECK(users::verify_password(all[0].hash, "a new password for nurse-17"));
  CHECK_FALSE(users::verify_password(all[0].hash, kNursePassword));
  r = test::run_cli_at({"user", "passwd", "nurse-17", "--users", users}, kReleased, "short\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "at least 12 characters"));
  r = test::run_cli_at({"user", "passwd", "nurse-99", "--users", users}, kReleased,
                       "long enough password\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no user nurse-99"));
  r = test::run_cli_at({"user", "passwd", "nurse-17", "--role", "qa", "--users", users}, kReleased,
                       "long enough password\n");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--role goes with user add only"));
  r = test::run_cli_at({"user", "remove", "nurse-17", "--users", users}, kReleased, "");
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "removed user nurse-17"));
  all = users::read_users(users);
  REQUIRE(all.size() == 1);
  CHECK(all[0].name == "qa-lead");
  r = test::run_cli_at({"user", "remove", "nurse-17", "--users", users}, kReleased, "");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "no user nurse-17"));
  r = test::run_cli_at({"user", "rename", "qa-lead", "--users", users}, kReleased, "");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "dosegate user passwd NAME"));
}
