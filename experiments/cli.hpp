// The `rlsim` command line: run, list, describe, analyze, env trace. See docs/commands.md.
#pragma once

namespace rlsim {
int cli_main(int argc, char** argv);
}  // namespace rlsim
