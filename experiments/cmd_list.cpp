// `rlsim list envs|agents [--plugin PATH]`: the registered ids with their one-line docs,
// plugins marked with their file.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "experiments/cli_util.hpp"
#include "experiments/commands.hpp"

namespace po = boost::program_options;

namespace rlsim {

int cmd_list(const std::vector<std::string>& args) {
  po::options_description desc("options");
  std::vector<std::string> positional, plugins;
  desc.add_options()("help,h", "show this help")(
      "plugin", po::value<std::vector<std::string>>(&plugins), "load a plugin .so (repeatable)");
  po::options_description hidden;
  hidden.add_options()("what", po::value<std::vector<std::string>>(&positional), "envs or agents");
  po::positional_options_description pos;
  pos.add("what", -1);
  po::variables_map vm;
  if (!parse_options(args, desc, hidden, pos, vm,
                     "usage: rlsim list envs|agents [--plugin PATH]\n\nLists registered ids with "
                     "their one-line docs.\n"))
    return 0;
  if (positional.size() != 1 || (positional[0] != "envs" && positional[0] != "agents"))
    throw UsageError("rlsim list needs one argument: envs or agents");
  Registry r = make_registry(plugins);
  const bool envs = positional[0] == "envs";
  const auto ids = envs ? r.env_ids() : r.agent_ids();
  std::size_t w = 0;
  for (const auto& id : ids) w = std::max(w, id.size());
  for (const auto& id : ids) {
    const std::string& doc = envs ? r.env(id).doc : r.agent(id).doc;
    const std::string& origin = envs ? r.env(id).origin : r.agent(id).origin;
    std::cout << std::left << std::setw(static_cast<int>(w + 2)) << id << doc
              << (origin == "built-in" ? "" : "  [plugin " + origin + "]") << "\n";
  }
  return 0;
}

}  // namespace rlsim
