// `dosegate user add|passwd|remove`: the accounts of the bedside service.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "users/users.hpp"
#include "util/json.hpp"

namespace dosegate::cli::detail {

int cmd_user(const Args& args, std::ostream& out, std::ostream& /*err*/, const Environment& env) {
  po::options_description opts("Options");
  add_help(opts);
  // clang-format off
  opts.add_options()
    ("role", po::value<std::string>()->value_name("bedside|qa|auditor"),
     "bedside (confirms doses), qa (verifies CoAs, reads the ledger) or auditor (reads the "
     "ledger). Required")
    ("users", po::value<std::string>()->value_name("FILE"),
     "the users file; default $DOSEGATE_USERS, else $XDG_STATE_HOME/dosegate/users or "
     "~/.local/state/dosegate/users");
  // clang-format on
  add_json(opts);
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(out,
               {"dosegate user add NAME --role bedside|qa|auditor [--users FILE] [--json]\n"
                "       dosegate user passwd NAME [--users FILE] [--json]\n"
                "       dosegate user remove NAME [--users FILE] [--json]",
                "add: adds an account of dosegate serve. The password is read from standard\n"
                "input (one line, at least 12 characters) and stored as an Argon2id hash (3\n"
                "passes, 64 MiB); the users file is written whole, atomically, with mode 0600.\n"
                "NAME is the staff id the ledger records for the user's confirmations.\n"
                "passwd: a new password for NAME, from standard input. remove: NAME can no\n"
                "longer log in. A running service reads the file again: a removed user's\n"
                "sessions end, and an old password stops working at once.\n",
                "added, password changed or removed", nullptr, kCannotDefault,
                "  printf '%s\\n' \"$PASSWORD\" | dosegate user add nurse-17 --role bedside\n"
                "  dosegate user passwd qa-lead --users /etc/dosegate/users < password.txt\n"
                "  dosegate user remove nurse-17\n"},
               opts);
    return kYes;
  }
  const auto pos = positionals(vm);
  const std::string usage =
      "usage: dosegate user add NAME --role bedside|qa|auditor [--users FILE], "
      "dosegate user passwd NAME [--users FILE] or dosegate user remove NAME [--users FILE]";
  if (pos.size() != 2 || (pos[0] != "add" && pos[0] != "passwd" && pos[0] != "remove"))
    throw UsageError(usage);
  const auto& action = pos[0];
  const auto& name = pos[1];
  if (!users::is_valid_name(name))
    throw UsageError("user name '" + name + "': 1 to 64 characters of A-Z a-z 0-9 . _ -");
  auto role = users::Role::unknown;
  if (action == "add") {
    require(vm, {"role"});
    role = users::role_from_string(vm["role"].as<std::string>());
    if (role == users::Role::unknown)
      throw UsageError("--role '" + vm["role"].as<std::string>() +
                       "' is not bedside, qa or auditor");
  } else if (vm.count("role")) {
    throw UsageError("--role goes with user add only (a role is changed by remove, then add)");
  }
  const auto path = users::resolve_path(optional_arg(vm, "users"));
  // What was done, as a sentence or (--json) as one object: {"version": 1, "command": "user
  // ACTION", "decision": "done", "user", "role" (add), "users", "findings": []}.
  const auto done = [&](const std::string& sentence) {
    if (!vm.count("json")) {
      out << sentence << '\n';
      return kYes;
    }
    json::Writer w(out);
    w.begin_object();
    w.key("version").value(1LL).field("command", "user " + action).field("decision", "done");
    w.field("user", name);
    if (action == "add") w.field("role", users::to_string(role));
    w.field("users", path);
    w.key("findings").begin_array().end_array();
    w.end_object();
    return kYes;
  };
  std::vector<users::User> all;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) all = users::read_users(path);
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const users::User& u) { return u.name == name; });
  if (action == "add" && it != all.end())
    throw UsageError("user " + name + " already exists in " + path);
  if (action != "add" && it == all.end())
    throw UsageError("no user " + name + " in " + path + " (dosegate user add adds one)");
  if (action == "remove") {
    all.erase(it);
    users::write_users(path, all);
    return done("removed user " + name + " from " + path);
  }
  std::string password;
  std::getline(env.in ? *env.in : std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < 12)
    throw UsageError("the password (one line on standard input) must have at least 12 characters");
  if (password.size() > 1024) throw UsageError("the password is longer than 1024 characters");
  if (action == "passwd") {
    it->hash = users::hash_password(password);
    users::write_users(path, all);
    return done("changed the password of user " + name + " in " + path);
  }
  all.push_back({name, role, users::hash_password(password)});
  users::write_users(path, all);
  return done("added user " + name + " (role " + std::string(users::to_string(role)) + ") to " +
              path);
}

}  // namespace dosegate::cli::detail
