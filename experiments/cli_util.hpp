// Helpers shared by the driver's subcommands (experiments/cli.cpp and experiments/cmd_*.cpp):
// building the registry with plugins, parsing a subcommand's options with --help, and
// key=value parameter lists. Errors are rlsim::Error / boost::program_options errors, which
// cli_main turns into one line on stderr and a non-zero exit.
#pragma once
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/registry.hpp"

namespace rlsim {

// Built-ins, then plugins from RLSIM_PLUGIN_PATH, then the given plugin paths.
Registry make_registry(const std::vector<std::string>& plugins);

// Parses a subcommand's options; prints `usage` and the options and returns false on --help.
bool parse_options(const std::vector<std::string>& args,
                   const boost::program_options::options_description& desc,
                   const boost::program_options::positional_options_description& pos,
                   boost::program_options::variables_map& vm, const std::string& usage);

// "key=value" words → raw parameters, values typed as in a config override (numbers,
// booleans, strings, [lists]). `what` names the component in messages ("env", "agent").
RawParams parse_kv_params(const std::vector<std::string>& words, const std::string& what);

// A run file's Params::to_text() form "k1=v1 k2=[1, 2] k3=\"a b\"" → words "k1=v1",
// "k2=[1, 2]", "k3=\"a b\"" (quotes may hold escaped quotes).
std::vector<std::string> split_params_text(const std::string& text);
// A logged run's parameters (Params::to_text() form) back into raw parameters, to rebuild
// its env or agent; empty lists ("k=[]"), which parse_kv_params refuses, are set directly.
RawParams params_from_text(const std::string& text, const std::string& what);

}  // namespace rlsim
