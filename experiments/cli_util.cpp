#include "experiments/cli_util.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <iostream>

#include <omp.h>

#include "experiments/builtins.hpp"
#include "experiments/config.hpp"
#include "run/plugin_loader.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace rlsim {

Registry make_registry(const std::vector<std::string>& plugins) {
  Registry r;
  register_builtins(r);
  load_plugins_from_env(r);
  for (const auto& p : plugins) load_plugin(p, r);
  return r;
}

bool parse_options(const std::vector<std::string>& args, const po::options_description& visible,
                   const po::options_description& hidden,
                   const po::positional_options_description& pos, po::variables_map& vm,
                   const std::string& usage) {
  po::options_description all;
  all.add(visible).add(hidden);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n" << visible;
    return false;
  }
  po::notify(vm);
  return true;
}

std::uint64_t parse_seed(const std::string& text, const std::string& option) {
  std::uint64_t seed = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  const auto [end, ec] = std::from_chars(first, last, seed);
  if (!text.empty() && text[0] == '-')
    throw UsageError(option + " " + text + " is negative: a seed is an integer from 0 to 2^64 - 1");
  if (ec == std::errc::result_out_of_range)
    throw UsageError(option + " " + text +
                     " is out of range: a seed is an integer from 0 to 2^64 - 1");
  if (ec != std::errc() || end != last || text.empty())
    throw UsageError(option + " '" + text + "' is not a seed: give an integer from 0 to 2^64 - 1");
  return seed;
}

// ---- threads ----

int thread_cap() {
  return 4 * std::max(1, omp_get_num_procs());
}

namespace {
std::string cap_reason(int cap) {
  return "more than 4 × the " + std::to_string(cap / 4) + " hardware threads";
}
}  // namespace

void cap_default_threads(bool force) {
  const int cap = thread_cap();
  const int current = omp_get_max_threads();
  if (force || current <= cap) return;
  omp_set_num_threads(cap);
  const char* env = std::getenv("OMP_NUM_THREADS");
  std::cerr << "rlsim: OpenMP's default of " << current << " threads"
            << (env ? std::string(" (OMP_NUM_THREADS=") + env + ")" : std::string()) << " is "
            << cap_reason(cap) << ": using " << cap << " (rlsim run --threads-force keeps it)\n";
}

int capped_threads(int requested, bool force) {
  const int threads = requested > 0 ? requested : omp_get_max_threads();
  const int cap = thread_cap();
  if (force || threads <= cap) return threads;
  std::cerr << "rlsim: --threads " << threads << " is " << cap_reason(cap) << ": using " << cap
            << " (--threads-force runs " << threads << ")\n";
  return cap;
}

// ---- files a command writes ----

void check_output_file(const fs::path& path, bool overwrite, const std::vector<std::string>& inputs,
                       const std::string& option, const std::string& example) {
  struct stat out {};
  if (::stat(path.c_str(), &out) != 0)
    return;  // nothing there yet (or unreachable: the
             // writer's own error says why)
  for (const std::string& input : inputs) {
    struct stat in {};
    if (::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
      throw Error(option + " '" + path.string() + "' is " +
                  (input == path.string() ? std::string("an input of this command")
                                          : "the same file as the input '" + input + "'") +
                  ": writing it would destroy the input (even with --overwrite); choose another " +
                  option + " path");
  }
  if (S_ISDIR(out.st_mode))
    throw Error(option + " '" + path.string() + "' is a directory: give a file name inside it, " +
                "such as " + (path / example).string());
  if (!overwrite)
    throw Error(option + " '" + path.string() +
                "' already exists: choose another path, or pass --overwrite to replace it");
}

std::vector<std::string> write_into_directory(const fs::path& dir, bool overwrite,
                                              const std::vector<std::string>& inputs,
                                              const std::string& option,
                                              const std::function<void(const fs::path&)>& produce) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("cannot create the " + option + " directory '" + dir.string() +
                "': " + (ec ? ec.message() : std::string("a file of that name exists")));
  const fs::path stage = dir / (".rlsim-staging-" + std::to_string(getpid()));
  fs::remove_all(stage, ec);
  if (!fs::create_directory(stage, ec) || ec)
    throw Error("cannot write into the " + option + " directory '" + dir.string() +
                "': " + ec.message());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{stage};
  produce(stage);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(stage))
    if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) check_output_file(dir / name, overwrite, inputs, option);
  std::vector<std::string> written;
  for (const std::string& name : names) {
    fs::rename(stage / name, dir / name, ec);
    if (ec)
      throw Error("cannot move '" + name + "' into the " + option + " directory '" + dir.string() +
                  "': " + ec.message());
    written.push_back((dir / name).string());
  }
  return written;
}

// ---- parameters ----

RawParams parse_kv_params(const std::vector<std::string>& words, const std::string& what) {
  RawParams params;
  for (const auto& kv : words) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(what + " parameter '" + kv + "' is not key=value");
    const std::string key = kv.substr(0, eq);
    ExperimentConfig tmp =
        parse_config("episodes = 1\n[[env]]\nid = \"x\"\n[[agent]]\nid = \"y\"\n", "<command line>",
                     {(what == "agent" ? "agent." : "env.") + kv});
    const auto& values = what == "agent" ? tmp.agents[0].values : tmp.envs[0].values;
    const ConfigValue& v = values.at(key);
    if (!v.is_list) {
      params[key] = v.scalar;
      continue;
    }
    std::vector<double> list;
    for (const ParamValue& item : v.items) {
      if (const auto* d = std::get_if<double>(&item))
        list.push_back(*d);
      else if (const auto* i = std::get_if<std::int64_t>(&item))
        list.push_back(static_cast<double>(*i));
      else
        throw Error(what + " parameter '" + key + "': a list here must hold numbers");
    }
    params[key] = list;
  }
  return params;
}

std::vector<std::pair<std::string, std::string>> parse_params_text(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size()) break;
    const std::size_t eq = text.find('=', i);
    if (eq == std::string::npos) {  // not k=v: kept as a key without a value
      const std::size_t end = std::min(text.find(' ', i), text.size());
      out.emplace_back(text.substr(i, end - i), "");
      i = end;
      continue;
    }
    std::size_t j = eq + 1;
    int depth = 0;
    bool quoted = false;
    for (; j < text.size(); ++j) {
      const char c = text[j];
      if (quoted) {
        if (c == '\\')
          ++j;  // the escaped character
        else if (c == '"')
          quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '[') {
        ++depth;
      } else if (c == ']') {
        --depth;
      } else if (c == ' ' && depth <= 0) {
        break;
      }
    }
    j = std::min(j, text.size());
    out.emplace_back(text.substr(i, eq - i), text.substr(eq + 1, j - eq - 1));
    i = j;
  }
  return out;
}

std::vector<std::string> split_params_text(const std::string& text) {
  std::vector<std::string> words;
  for (const auto& [k, v] : parse_params_text(text)) words.push_back(k + "=" + v);
  return words;
}

RawParams params_from_text(const std::string& text, const std::string& what) {
  std::vector<std::string> words;
  std::vector<std::string> empty_lists;
  for (const auto& [k, v] : parse_params_text(text)) {
    if (v == "[]")
      empty_lists.push_back(k);
    else
      words.push_back(k + "=" + v);
  }
  RawParams raw = parse_kv_params(words, what);
  for (const std::string& k : empty_lists) raw[k] = std::vector<double>{};
  return raw;
}

std::string short_param_value(const std::string& value) {
  if (value.size() < 2 || value.front() != '[' || value.back() != ']') return value;
  std::vector<std::string> items;
  const std::string inner = value.substr(1, value.size() - 2);
  for (std::size_t p = 0; p <= inner.size();) {
    const std::size_t comma = std::min(inner.find(", ", p), inner.size());
    items.push_back(inner.substr(p, comma - p));
    p = comma + 2;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    while (j < items.size() && items[j] == items[i]) ++j;
    const std::size_t run = j - i;
    for (std::size_t k = 0; k < (run >= 3 ? 1 : run); ++k)
      out += (out.size() > 1 ? ", " : "") + (run >= 3 ? std::to_string(run) + "×" : "") + items[i];
    i = j;
  }
  return out + "]";
}

std::string out_of_memory_message() {
  return "out of memory: the command asked for more memory than this machine gives it; lower "
         "what sizes it (network layers, buffer_size, n_steps × n_envs, the number of runs at "
         "once: --threads)";
}

}  // namespace rlsim
