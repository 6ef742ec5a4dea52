// `dosegate user add`: an account of the bedside service.
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "dosegate/error.hpp"
#include "users/users.hpp"

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
  const auto vm = parse(args, opts);
  if (vm.count("help")) {
    print_help(
        out,
        {"dosegate user add NAME --role bedside|qa|auditor [--users FILE]",
         "Adds an account of dosegate serve. The password is read from standard input\n"
         "(one line, at least 12 characters) and stored as an Argon2id hash (3 passes,\n"
         "64 MiB); the users file is written whole, atomically, with mode 0600. NAME is\n"
         "the staff id the ledger records for the user's confirmations.\n",
         "added", nullptr, kCannotDefault,
         "  printf '%s\\n' \"$PASSWORD\" | dosegate user add nurse-17 --role bedside\n"
         "  dosegate user add qa-lead --role qa --users /etc/dosegate/users < password.txt\n"},
        opts);
    return kYes;
  }
  const auto pos = positionals(vm);
  if (pos.size() != 2 || pos[0] != "add")
    throw UsageError("usage: dosegate user add NAME --role bedside|qa|auditor [--users FILE]");
  const auto& name = pos[1];
  if (!users::is_valid_name(name))
    throw UsageError("user name '" + name + "': 1 to 64 characters of A-Z a-z 0-9 . _ -");
  require(vm, {"role"});
  const auto role = users::role_from_string(vm["role"].as<std::string>());
  if (role == users::Role::unknown)
    throw UsageError("--role '" + vm["role"].as<std::string>() + "' is not bedside, qa or auditor");
  std::string password;
  std::getline(env.in ? *env.in : std::cin, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.size() < 12)
    throw UsageError("the password (one line on standard input) must have at least 12 characters");
  if (password.size() > 1024) throw UsageError("the password is longer than 1024 characters");
  const auto path = users::resolve_path(optional_arg(vm, "users"));
  std::vector<users::User> all;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) all = users::read_users(path);
  for (const auto& u : all)
    if (u.name == name) throw UsageError("user " + name + " already exists in " + path);
  all.push_back({name, role, users::hash_password(password)});
  users::write_users(path, all);
  out << "added user " << name << " (role " << users::to_string(role) << ") to " << path << '\n';
  return kYes;
}

}  // namespace dosegate::cli::detail
