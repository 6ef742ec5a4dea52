#include "cli/common.hpp"

#include "dosegate/cli/cli.hpp"
#include "dosegate/error.hpp"
#include "util/text.hpp"

namespace dosegate::cli::detail {

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  const std::string prefix = command.empty() ? "dosegate" : "dosegate " + command;
  err << prefix << ": error: " << message << "\n"
      << "Try '" << prefix << " --help'.\n";
  return kCannot;
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts) {
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

std::vector<std::string> positionals(const po::variables_map& vm) {
  return vm.count("positional") ? vm["positional"].as<std::vector<std::string>>()
                                : std::vector<std::string>{};
}

std::optional<std::string> optional_arg(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<std::string>();
}

int guarded(const std::string& command, std::ostream& err, const std::function<int()>& body) {
  try {
    return body();
  } catch (const po::error& e) {
    return usage_error(err, command, e.what());
  } catch (const UsageError& e) {
    return usage_error(err, command, e.what());
  } catch (const Error& e) {
    // Messages quote documents (a specification's values, a file name): escape controls.
    err << "dosegate " << command << ": error [" << e.code()
        << "]: " << text::escape_controls(e.what(), true) << '\n';
    return kCannot;
  } catch (const std::exception& e) {
    err << "dosegate " << command << ": internal error: " << e.what() << '\n';
    return kCannot;
  }
}

}  // namespace dosegate::cli::detail
