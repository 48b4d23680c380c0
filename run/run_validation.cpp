// The check of a RunResult before writing, declared in run/run_validation.hpp.
#include "run/run_validation.hpp"

#include <set>

#include "core/error.hpp"
#include "run/run_file_tables.hpp"

namespace rlsim::runfile {

namespace {

void require_rows(std::size_t got, std::size_t want, const std::string& run,
                  const std::string& column, const std::string& reference) {
  if (got != want)
    throw Error("cannot write run " + run + ": column " + column + " has " + std::to_string(got) +
                " values but " + reference + " implies " + std::to_string(want));
}

// Every column `columns` lists for table t has the row count of the first one (a 2-D
// column: rows x width values).
template <class Table, class Columns>
void validate_table(const Table& t, Columns columns, const std::string& table,
                    const std::string& run) {
  std::string ref;
  std::size_t ref_rows = 0;
  columns(t, [&](const char* name, const auto& column, hsize_t width) {
    if (ref.empty()) {
      ref = table + "/" + name;
      ref_rows = column.size();
      return;
    }
    const std::size_t want = ref_rows * static_cast<std::size_t>(width == 0 ? 1 : width);
    require_rows(column.size(), want, run, table + "/" + name,
                 width == 0 ? ref : ref + " x " + std::to_string(width) + " columns");
  });
}

}  // namespace

void validate_run(const RunResult& r, const std::string& run) {
  validate_table(r.episodes, episode_columns, "episodes", run);
  const StepTable& s = r.steps;
  const std::size_t ns = s.reward.size();
  if (ns > 0) {
    if (!s.obs_discrete && s.obs_dim < 1)
      throw Error("cannot write run " + run + ": steps obs_dim is " + std::to_string(s.obs_dim) +
                  ", expected >= 1 for a Box observation");
    if (!s.action_discrete && s.action_dim < 1)
      throw Error("cannot write run " + run + ": steps action_dim is " +
                  std::to_string(s.action_dim) + ", expected >= 1 for a Box action");
    if (s.mask_dim < 0)
      throw Error("cannot write run " + run + ": steps mask_dim is " + std::to_string(s.mask_dim) +
                  ", expected >= 0");
    if (s.every < 1 || s.compression < 0 || s.compression > 9)
      throw Error("cannot write run " + run + ": steps every is " + std::to_string(s.every) +
                  " and compression " + std::to_string(s.compression) +
                  ", expected every >= 1 and compression 0 (none) to 9");
    validate_table(s, step_columns, "steps", run);
    if (!s.env.empty()) {
      require_rows(s.env.size(), ns, run, "steps/env", "steps/reward");
      for (std::int32_t e : s.env)
        if (e < 0)
          throw Error("cannot write run " + run + ": steps/env holds the env copy index " +
                      std::to_string(e) + ", expected >= 0");
    }
  }
  validate_table(r.regret, regret_columns, "regret", run);
  validate_table(r.evaluations, eval_columns, "eval", run);

  const DiagnosticsTable& d = r.diagnostics;
  if (d.names.empty() && d.size() > 0)
    throw Error("cannot write run " + run + ": the diagnostics table has " +
                std::to_string(d.size()) + " rows but no column names");
  require_rows(d.values.size(), d.size() * d.names.size(), run, "diagnostics values",
               "diagnostics step x column names");
  std::set<std::string> seen;
  for (const std::string& n : d.names) {
    if (n.empty() || n == "." || n == ".." || n == "step" || n.find('/') != std::string::npos)
      throw Error("cannot write run " + run + ": diagnostics column name " + in_quotes(n) +
                  " is not allowed (it must be non-empty, not \"step\", \".\" or \"..\", and "
                  "have no '/'); use names like \"loss\" or \"entropy\"");
    if (!seen.insert(n).second)
      throw Error("cannot write run " + run + ": diagnostics column " + in_quotes(n) +
                  " appears twice");
  }
}

}  // namespace rlsim::runfile
