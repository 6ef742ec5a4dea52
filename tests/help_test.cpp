// Every command's help: one printer, one layout, every option in the synopsis, `dosegate help X`
// the same as `dosegate X --help`; the bash completion script made from the same tables.
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/completion.hpp"
#include "test_support.hpp"

using dosegate::test::contains;
using dosegate::test::run_cli;

namespace {

// The lines of `text` from the line `heading` to the next blank line.
std::vector<std::string> section(const std::string& text, const std::string& heading) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool on = false;
  while (std::getline(in, line)) {
    if (line == heading) {
      on = true;
      continue;
    }
    if (on && line.empty()) break;
    if (on) out.push_back(line);
  }
  return out;
}

std::string usage_of(const std::string& help) {
  return help.substr(0, help.find("\n\n"));
}

}  // namespace

TEST_CASE("help: every command's help has every section, and help X is X --help", "[cli][help]") {
  const auto helps = dosegate::cli::detail::command_helps({});
  REQUIRE(helps.size() == std::size(dosegate::cli::detail::kCommandTable));
  const auto main_help = run_cli({"--help"});
  for (const auto& h : helps) {
    INFO(h.name);
    CHECK(contains(main_help.out, "\n  " + h.name + " "));
    const auto r = run_cli({h.name, "--help"});
    REQUIRE(r.code == 0);
    CHECK(r.err.empty());
    // `dosegate help X` prints exactly the same.
    const auto via_help = run_cli({"help", h.name});
    CHECK(via_help.code == 0);
    CHECK(via_help.out == r.out);
    // Usage first, then what it does, the options, the exit codes, the examples, in that order.
    CHECK(r.out.rfind("Usage: dosegate " + h.name, 0) == 0);
    const auto description = r.out.find("\n\n");
    const auto options = r.out.find("\nOptions:\n");
    const auto exit_codes = r.out.find("\nExit codes:\n");
    const auto examples = r.out.find("\nExamples:\n");
    REQUIRE(options != std::string::npos);
    REQUIRE(exit_codes != std::string::npos);
    REQUIRE(examples != std::string::npos);
    CHECK(description + 2 < options);  // a description paragraph before the options
    CHECK(options < exit_codes);
    CHECK(exit_codes < examples);
    // The synopsis lists every option the command takes (but --help).
    const auto usage = usage_of(r.out);
    REQUIRE_FALSE(h.help.options.empty());
    for (const auto& o : h.help.options) {
      if (o.name == "help") continue;
      INFO("--" << o.name);
      CHECK(std::regex_search(usage, std::regex("--" + o.name + "([^a-z-]|$)")));
    }
    // Exit codes in one format: "  CODE" in a column of five, the text after it, continuation
    // lines indented under the text; 0 and 2 always.
    const auto codes = section(r.out, "Exit codes:");
    REQUIRE(codes.size() >= 2);
    CHECK(codes.front().rfind("  0    ", 0) == 0);
    bool two = false;
    for (const auto& line : codes) {
      INFO(line);
      CHECK(line.size() <= 79);
      CHECK(std::regex_match(line, std::regex("  [0-9]{1,3} +\\S.*|       \\S.*")));
      // Every text starts in column 8, under the one before.
      CHECK(line.find_first_not_of(" 0123456789") == 7);
      if (line.rfind("  2    ", 0) == 0) two = true;
    }
    CHECK(two);
    // At least two examples, each a command line of its own.
    int count = 0;
    for (const auto& line : section(r.out, "Examples:"))
      if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') {
        CHECK(contains(line, "dosegate " + h.name));
        ++count;
      }
    CHECK(count >= 2);
  }
}

TEST_CASE("help: a help page lists an option missing from its synopsis as a test failure",
          "[cli][help]") {
  // The check above must be able to fail: a synopsis without --json does not match it.
  const std::string usage = "Usage: dosegate audit --trust DIR [--ledger FILE] [--json-ish]";
  CHECK_FALSE(std::regex_search(usage, std::regex("--json([^a-z-]|$)")));
  CHECK(std::regex_search(usage, std::regex("--ledger([^a-z-]|$)")));
}

TEST_CASE("help: the main help, help with an unknown command, and --completion's usage",
          "[cli][help]") {
  const auto main_help = run_cli({"help"});
  CHECK(main_help.code == 0);
  CHECK(main_help.out == run_cli({"--help"}).out);
  CHECK(contains(main_help.out, "Exit codes:\n  0    yes: "));
  CHECK(contains(main_help.out, "\n  2    dosegate could not do its job"));
  const auto unknown = run_cli({"help", "frobnicate"});
  CHECK(unknown.code == 2);
  CHECK(contains(unknown.err, "unknown command 'frobnicate'"));
  const auto zsh = run_cli({"--completion", "zsh"});
  CHECK(zsh.code == 2);
  CHECK(contains(zsh.err, "dosegate: error: --completion takes one shell: bash"));
  const auto bash = run_cli({"--completion", "bash"});
  CHECK(bash.code == 0);
  CHECK(contains(bash.out, "complete -F _dosegate dosegate"));
  // Every command and every option of every command is in the script.
  for (const auto& h : dosegate::cli::detail::command_helps({})) {
    INFO(h.name);
    CHECK(contains(bash.out, "    " + h.name + ")\n"));
    for (const auto& o : h.help.options) CHECK(contains(bash.out, "--" + o.name));
  }
}
