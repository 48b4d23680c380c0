// Helpers shared by the driver's subcommands (experiments/cli.cpp and experiments/cmd_*.cpp):
// building the registry with plugins, parsing a subcommand's options with --help, the
// thread cap, the guard on every file a command writes, and key=value parameter lists.
// Errors are rlsim::Error (exit 1), UsageError or boost::program_options errors (exit 2),
// which cli_main turns into one line on stderr.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

// A mistake in the command line itself: a missing or extra argument, an option value out of
// its range, options that exclude each other. cli_main exits 2 for it (docs/commands.md),
// 1 for every other error.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Built-ins, then plugins from RLSIM_PLUGIN_PATH, then the given plugin paths.
Registry make_registry(const std::vector<std::string>& plugins);

// Parses a subcommand's options: `visible` are listed by --help, `hidden` (the sinks of the
// positional arguments) are not. Prints `usage` and the visible options and returns false on
// --help.
bool parse_options(const std::vector<std::string>& args,
                   const boost::program_options::options_description& visible,
                   const boost::program_options::options_description& hidden,
                   const boost::program_options::positional_options_description& pos,
                   boost::program_options::variables_map& vm, const std::string& usage);

// A seed option's value: a non-negative integer below 2^64. (Read into an unsigned integer
// directly, boost would take "-5" as 2^64 - 5.) Errors are UsageErrors naming `option`.
std::uint64_t parse_seed(const std::string& text, const std::string& option = "--seed");

// ---- threads ----

// The most OpenMP threads rlsim starts unless forced: 4 × the hardware threads (a libgomp
// team of 100000 threads overflows the stack and crashes).
int thread_cap();
// Caps OpenMP's default team size (OMP_NUM_THREADS) at thread_cap(), with one line on
// stderr saying so, unless `force`. cli_main calls it before every command.
void cap_default_threads(bool force);
// The threads for `--threads requested` (0: OpenMP's default): capped at thread_cap() with
// one line on stderr unless `force`.
int capped_threads(int requested, bool force);

// ---- files a command writes ----

// Before writing `path`: refuses it when it is one of the command's `inputs` (the same file
// by device and inode, whatever the names; even with --overwrite), when it is a directory,
// and when it exists and `overwrite` is false. `option` names where the path came from
// ("--csv", "--out") in the message. A path that does not exist passes.
// `example` is a file name suggested inside a directory given by mistake.
void check_output_file(const std::filesystem::path& path, bool overwrite,
                       const std::vector<std::string>& inputs, const std::string& option,
                       const std::string& example = "out");

// A command that writes a set of files into directory `dir` (created if missing): `produce`
// writes them into a fresh staging directory inside `dir`; then every file it made is
// checked with check_output_file (as `dir`/NAME) and, only when all pass, moved into `dir`.
// The staging directory is removed on every way out. Returns the final paths, sorted.
// `option` names the directory's option in messages.
std::vector<std::string> write_into_directory(
    const std::filesystem::path& dir, bool overwrite, const std::vector<std::string>& inputs,
    const std::string& option, const std::function<void(const std::filesystem::path&)>& produce);

// ---- parameters ----

// "key=value" words → raw parameters, values typed as in a config override (numbers,
// booleans, strings, [lists]). `what` names the component in messages ("env", "agent").
RawParams parse_kv_params(const std::vector<std::string>& words, const std::string& what);

// A canonical parameter text, as Params::to_text() writes it: keys sorted, `k=v` separated
// by single spaces, each value as format_param writes it (strings in double quotes with `"`
// and `\` escaped by a backslash, lists in brackets with ", " between the items) → the
// (key, value text) pairs, values as written ("k2=[1, 2]" → {"k2", "[1, 2]"}). The one
// parser of that text: analyze, plot's arm means, traj, ope and eval use it.
std::vector<std::pair<std::string, std::string>> parse_params_text(const std::string& text);
// The same as "k=v" words: "k1=v1", "k2=[1, 2]", "k3=\"a b\"".
std::vector<std::string> split_params_text(const std::string& text);
// A logged run's parameters (Params::to_text() form) back into raw parameters, to rebuild
// its env or agent; empty lists ("k=[]"), which parse_kv_params refuses, are set directly.
RawParams params_from_text(const std::string& text, const std::string& what);
// A value as written by format_param, shortened for display: a list with runs of equal
// items writes each run once with its count ("[0.5, 0.4 ×9]"); anything else unchanged.
std::string short_param_value(const std::string& value);
// What a command says when an allocation fails (std::bad_alloc): the last resort behind the
// structures that name their own sizes (core/memory.hpp).
std::string out_of_memory_message();

}  // namespace rlsim
