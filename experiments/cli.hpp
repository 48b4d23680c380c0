// The `rlsim` command line: cli_main dispatches to the commands (run, list, describe,
// analyze, env, ope, plot, traj, eval; experiments/commands.hpp). See docs/commands.md.
#pragma once

namespace rlsim {
int cli_main(int argc, char** argv);
}  // namespace rlsim
