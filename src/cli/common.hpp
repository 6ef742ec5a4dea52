// What every command's option handling shares: the option groups (declared once here, used by
// every command that takes them), parsing, the one time parser, help pages, usage errors and the
// exit code for each kind of failure.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dosegate/cli/cli.hpp"
#include "dosegate/time.hpp"
#include "dosegate/trust/signer.hpp"
#include "dosegate/verify/verify.hpp"

namespace dosegate::cli::detail {

namespace po = boost::program_options;

// Option groups. `role_help` says which role of the trust directory the command checks.
void add_help(po::options_description& opts);
void add_trust(po::options_description& opts, const char* role_help);
// --key --cert --chain --passphrase-file --pin-file; --key said to be required unless not.
void add_signer(po::options_description& opts, const char* whose, bool required = true);
void add_ledger(po::options_description& opts);
void add_time(po::options_description& opts, const char* name, const char* help);
void add_json(po::options_description& opts);
// --tsa URL (`what` says what gets its tokens) and --tsa-timeout SECONDS.
void add_tsa(po::options_description& opts, const char* what);

// The TSA of --tsa and --tsa-timeout: the timeout needs --tsa and is 1 s or more (UsageError).
// `url` is unset without --tsa; `timeout` is 30 s unless given.
struct TsaChoice {
  std::optional<std::string> url;
  std::chrono::milliseconds timeout{30000};
};
TsaChoice tsa_choice(const po::variables_map& vm);

// The files of --key, --cert, --chain and --passphrase-file.
SignerFiles signer_files(const po::variables_map& vm);

// The one parser for every time option: UTC (2026-12-02T06:30:00Z), an explicit offset
// (2026-12-02T07:30+01:00, seconds optional) or "now". nullopt when the option is absent.
// Throws UsageError naming the option and the forms it takes.
std::optional<Instant> time_option(const po::variables_map& vm, const char* name,
                                   const Environment& env);
// The same, the clock's time when the option is absent.
Instant time_or_now(const po::variables_map& vm, const char* name, const Environment& env);

// A command's help page: usage, what it does, the options, exit codes and examples, always in
// this order and format. The exit-code texts are one paragraph each (line breaks and the
// indentation after them are ignored): print_help wraps them all the same way.
struct Help {
  const char* usage;           // "dosegate verify COA.xml --trust DIR ..." (may span lines); every
                               // option of the command appears in it (tests/help_test.cpp)
  const char* description;     // paragraphs, each line ending in \n
  const char* yes;             // exit 0
  const char* no;              // exit 1; nullptr when the command has no "no" answer
  const char* cannot;          // exit 2
  const char* examples;        // at least two, each starting "  dosegate" (or "  printf ... |")
  const char* more = nullptr;  // further exit codes, "CODE TEXT" lines (release: 130, 143)
};
void print_help(std::ostream& out, const Help& help, const po::options_description& opts);

// What print_help saw of a command: its usage and its options, for the bash completion script
// and the man pages (cli.cpp runs every command with --help while `help_capture` is set).
struct OptionInfo {
  std::string name;        // long name, without the dashes
  std::string value_name;  // "DIR", "table|csv|json"; empty for a flag
};
struct HelpCapture {
  std::string usage;
  std::vector<OptionInfo> options;
};
extern thread_local HelpCapture* help_capture;

// Prints "dosegate COMMAND: error: MESSAGE" and where to find help; returns kCannot.
int usage_error(std::ostream& err, const std::string& command, const std::string& message);

// Parses a command's options; every argument that is not an option is a positional file.
po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts);
std::vector<std::string> positionals(const po::variables_map& vm);
std::optional<std::string> optional_arg(const po::variables_map& vm, const char* name);
// Throws UsageError("missing --NAME") for the first absent option.
void require(const po::variables_map& vm, std::initializer_list<const char*> names);

// Runs one command and turns what it throws into a message on `err` and exit code 2. With
// `json_out` (the command was asked for JSON), also one JSON object there: {"version": 1,
// "command", "decision": "error", "findings": [{"code", "severity": "error", "message",
// "location"}]}, so that a program reading standard output always gets an object.
int guarded(const std::string& command, std::ostream& err, const std::function<int()>& body,
            std::ostream* json_out = nullptr);

// Whether the arguments ask for JSON: --json, --format json or --format=json.
bool wants_json(const std::vector<std::string>& args);

// --json or --format json|csv|table, for commands that take both (history, trace): the format,
// "table" by default; UsageError for another format or --json with --format csv.
std::string output_format(const po::variables_map& vm);

// The exit-2 line of a help page, for commands with nothing more particular to say.
inline constexpr const char* kCannotDefault =
    "dosegate could not do its job: usage error, unreadable file or directory, invalid "
    "specification or trust configuration";

// A release, a recall or a late result records the time of the clock: an earlier time would
// back-date the record and the ledger. --as-of is refused by name, with what to do instead,
// rather than as an unknown option.
void refuse_as_of(const std::vector<std::string>& args, const char* command);

// The options that verify and release share: the CoA's specification, signature and, with
// `as_of`, the time.
void add_coa_checks(po::options_description& opts, bool as_of = true);
VerifyOptions coa_checks(const po::variables_map& vm, const std::string& coa,
                         const Environment& env);

// The one positional file a command takes; UsageError `missing` or `many` otherwise.
std::string one_file(const po::variables_map& vm, const char* missing, const char* many);

}  // namespace dosegate::cli::detail
