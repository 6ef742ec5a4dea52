// The commands, one file each (cmd_NAME.cpp), and the table `dosegate COMMAND` dispatches on.
// A new command is a new file and one line in kCommandTable.
#pragma once

#include <array>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "dosegate/cli/cli.hpp"

namespace dosegate::cli::detail {

using Args = std::vector<std::string>;
using Command = int (*)(const Args& args, std::ostream& out, std::ostream& err,
                        const Environment& env);

int cmd_verify(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_release(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_confirm(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_history(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_audit(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_recall(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_complete(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_sign_coa(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_sign_spec(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_ledger(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_trace(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_serve(const Args&, std::ostream&, std::ostream&, const Environment&);
int cmd_user(const Args&, std::ostream&, std::ostream&, const Environment&);

struct CommandEntry {
  std::string_view name;
  Command run;
};

// In the order `dosegate --help` lists them.
inline constexpr CommandEntry kCommandTable[] = {
    {"verify", cmd_verify},       {"release", cmd_release}, {"confirm", cmd_confirm},
    {"history", cmd_history},     {"audit", cmd_audit},     {"recall", cmd_recall},
    {"complete", cmd_complete},   {"trace", cmd_trace},     {"sign-coa", cmd_sign_coa},
    {"sign-spec", cmd_sign_spec}, {"ledger", cmd_ledger},   {"serve", cmd_serve},
    {"user", cmd_user},
};

}  // namespace dosegate::cli::detail
