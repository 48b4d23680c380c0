// Subcommands of the driver that live in their own files (experiments/cmd_*.cpp); cli.cpp
// dispatches to them. Each takes the words after its name, handles --help, and returns
// the exit code; errors are thrown as rlsim::Error.
#pragma once
#include <string>
#include <vector>

namespace rlsim {

int cmd_env_render(const std::vector<std::string>& args);  // rlsim env render (cmd_render.cpp)
int cmd_ope(const std::vector<std::string>& args);         // rlsim ope (cmd_ope.cpp)
int cmd_plot(const std::vector<std::string>& args);        // rlsim plot (cmd_plot.cpp)
int cmd_traj(const std::vector<std::string>& args);        // rlsim traj (cmd_traj.cpp)
int cmd_eval(const std::vector<std::string>& args);        // rlsim eval (cmd_eval.cpp)

}  // namespace rlsim
