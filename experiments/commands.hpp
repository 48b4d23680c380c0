// The driver's commands, one file each (experiments/cmd_*.cpp); cli.cpp dispatches to them.
// Each takes the words after its name, handles --help, and returns the exit code; errors
// are thrown as rlsim::Error (or boost::program_options errors for bad options).
#pragma once
#include <string>
#include <vector>

namespace rlsim {

// rlsim run (cmd_run.cpp); `command_line` is stored in the run file.
int cmd_run(const std::vector<std::string>& args, const std::string& command_line);
int cmd_list(const std::vector<std::string>& args);        // rlsim list (cmd_list.cpp)
int cmd_describe(const std::vector<std::string>& args);    // rlsim describe (cmd_describe.cpp)
int cmd_analyze(const std::vector<std::string>& args);     // rlsim analyze (cmd_analyze.cpp)
int cmd_env(const std::vector<std::string>& args);         // rlsim env trace (cmd_env.cpp)
int cmd_env_render(const std::vector<std::string>& args);  // rlsim env render (cmd_render.cpp)
int cmd_ope(const std::vector<std::string>& args);         // rlsim ope (cmd_ope.cpp)
int cmd_plot(const std::vector<std::string>& args);        // rlsim plot (cmd_plot.cpp)
int cmd_traj(const std::vector<std::string>& args);        // rlsim traj (cmd_traj.cpp)
int cmd_eval(const std::vector<std::string>& args);        // rlsim eval (cmd_eval.cpp)
int cmd_watch(const std::vector<std::string>& args);       // rlsim watch (cmd_watch.cpp)

}  // namespace rlsim
