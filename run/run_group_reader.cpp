// The per-run group readers declared in run/run_group_reader.hpp.
#include "run/run_group_reader.hpp"

#include <set>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/state_dict_group.hpp"
#include "run/run_file_tables.hpp"
#include "run/step_layout.hpp"

namespace rlsim::runfile {

bool marked_complete(hid_t runs, const std::string& name) {
  const hid_t id = H5Gopen2(runs, name.c_str(), H5P_DEFAULT);
  if (id < 0) {
    hdf5::error_detail();
    return false;
  }
  hdf5::Group g(id);
  try {
    return has_attr(g.get(), "complete", name) &&
           read_attr<std::int32_t>(g.get(), "complete", name) == 1;
  } catch (const Error&) {
    return false;
  }
}

StoredRun read_run_group(hid_t runs, const std::string& name, std::int64_t run_index,
                         bool with_steps, const std::string& where, const ReadLimits& lim) {
  hdf5::Group g(H5Gopen2(runs, name.c_str(), H5P_DEFAULT), "cannot open group " + where);
  const hid_t gid = g.get();
  StoredRun r;
  r.run_index = read_attr<std::int64_t>(gid, "run_index", where);
  if (r.run_index != run_index)
    throw Error(where + " has attribute run_index " + std::to_string(r.run_index) + ", expected " +
                std::to_string(run_index) + ": the file is damaged");
  r.env_id = read_attr_string(gid, "env_id", where, lim.variable_strings);
  r.agent_id = read_attr_string(gid, "agent_id", where, lim.variable_strings);
  r.env_params = read_attr_string(gid, "env_params", where, lim.variable_strings);
  r.agent_params = read_attr_string(gid, "agent_params", where, lim.variable_strings);
  r.group = read_attr_string(gid, "group", where, lim.variable_strings);
  r.seed_index = read_attr<std::int64_t>(gid, "seed_index", where);
  r.env_seed = read_attr<std::uint64_t>(gid, "env_seed", where);
  r.agent_seed = read_attr<std::uint64_t>(gid, "agent_seed", where);
  r.total_steps = read_attr<std::int64_t>(gid, "total_steps", where);
  r.complete =
      has_attr(gid, "complete", where) && read_attr<std::int32_t>(gid, "complete", where) != 0;
  {
    hdf5::Group e = open_group(gid, "episodes", where);
    read_table(e.get(), r.episodes, episode_columns, "episodes", where + "/episodes", lim);
  }
  if (link_exists(gid, "regret", where + "/regret")) {
    hdf5::Group s = open_group(gid, "regret", where);
    read_table(s.get(), r.regret, regret_columns, "regret", where + "/regret", lim);
  }
  if (link_exists(gid, "eval", where + "/eval")) {
    hdf5::Group s = open_group(gid, "eval", where);
    read_table(s.get(), r.evaluations, eval_columns, "eval", where + "/eval", lim);
  }
  read_run_data(gid, r, with_steps, where, lim);
  return r;
}

void read_run_data(hid_t gid, StoredRun& r, bool with_steps, const std::string& where,
                   const ReadLimits& lim) {
  auto same_rows = [&](std::size_t got, std::size_t want, const std::string& col,
                       const std::string& ref) {
    if (got != want)
      throw Error(where + ": dataset " + col + " has " + std::to_string(got) + " rows but " + ref +
                  " has " + std::to_string(want) + ": the file is damaged");
  };
  if (with_steps && link_exists(gid, "steps", where + "/steps")) {
    const std::string w = where + "/steps";
    hdf5::Group s = open_group(gid, "steps", where);
    StepTable& t = r.steps;
    t.obs_discrete = read_attr<std::int32_t>(s.get(), "obs_discrete", w) != 0;
    t.action_discrete = read_attr<std::int32_t>(s.get(), "action_discrete", w) != 0;
    t.obs_dim = read_attr<std::int32_t>(s.get(), "obs_dim", w);
    t.action_dim = read_attr<std::int32_t>(s.get(), "action_dim", w);
    if (t.obs_dim < 1 || t.action_dim < 1)
      throw Error(w + " has obs_dim " + std::to_string(t.obs_dim) + " and action_dim " +
                  std::to_string(t.action_dim) + ", expected both >= 1: the file is damaged");
    t.has_prob =
        has_attr(s.get(), "info_prob", w) && read_attr<std::int32_t>(s.get(), "info_prob", w) != 0;
    t.mask_dim =
        has_attr(s.get(), "mask_dim", w) ? read_attr<std::int32_t>(s.get(), "mask_dim", w) : 0;
    if (t.mask_dim < 0 || t.mask_dim > 1 << 20)
      throw Error(w + " has mask_dim " + std::to_string(t.mask_dim) +
                  ", expected 0 (no action mask) to 2^20: the file is damaged");
    if (has_attr(s.get(), "layout", w)) {  // layout 2 (run/step_layout.hpp)
      const std::int32_t layout = read_attr<std::int32_t>(s.get(), "layout", w);
      if (layout != kStepLayout)
        throw Error(w + " has step-log layout " + std::to_string(layout) +
                    "; this rlsim reads layouts 1 and " + std::to_string(kStepLayout) +
                    ": read it with a newer rlsim");
      read_compact_steps(s.get(), t, w, lim);
    } else {  // layout 1: every column stored
      read_table(s.get(), t, step_columns, "steps", w, lim);
      if (lim.env_column) {
        t.env = read_column<std::int32_t>(s.get(), "env", 0, w, lim);
        same_rows(t.env.size(), t.size(), "steps/env", "steps/reward");
        for (std::int32_t e : t.env)
          if (e < 0)
            throw Error(w + ": dataset env holds the env copy index " + std::to_string(e) +
                        ", expected >= 0: the file is damaged");
      } else {
        t.env.assign(t.size(), 0);  // format 1: one env copy
      }
    }
    r.has_steps = true;
  }
  if (link_exists(gid, "diagnostics", where + "/diagnostics")) {
    const std::string w = where + "/diagnostics";
    hdf5::Group s = open_group(gid, "diagnostics", where);
    DiagnosticsTable& t = r.diagnostics;
    std::vector<std::string> names =
        read_attr_string_list(s.get(), "columns", w, 4096, lim.variable_strings);
    t.step = read_column<std::int64_t>(s.get(), "step", 0, w, lim);
    const std::size_t rows = t.step.size();
    std::set<std::string> seen;
    for (const std::string& n : names)
      if (n.empty() || n == "step" || n.find('/') != std::string::npos || !seen.insert(n).second)
        throw Error(w + " lists the column " + in_quotes(n) +
                    " in its attribute 'columns', which is not a valid (unique) column name: the "
                    "file is damaged");
    t.values.assign(rows * names.size(), 0.0);
    for (std::size_t c = 0; c < names.size(); ++c) {
      const std::vector<double> col = read_column<double>(s.get(), names[c].c_str(), 0, w, lim);
      same_rows(col.size(), rows, "diagnostics/" + names[c], "diagnostics/step");
      for (std::size_t row = 0; row < rows; ++row) t.values[row * names.size() + c] = col[row];
    }
    t.names = std::move(names);
  }
  if (has_attr(gid, "stop_time", where)) {  // an agent that may stop the run
    Identification& id = r.identification;
    id.can_stop = true;
    id.stop_time = read_attr<std::int64_t>(gid, "stop_time", where);
    id.recommended = read_attr<std::int64_t>(gid, "recommended_arm", where);
    id.correct = static_cast<std::int8_t>(read_attr<std::int32_t>(gid, "correct", where));
    id.stopped = id.stop_time >= 0;
  }
  if (link_exists(gid, "agent", where + "/agent")) {
    r.agent_state = read_state_group(gid, "agent", where + "/agent", lim.max_bytes);
    r.has_agent_state = true;
  }
}

}  // namespace rlsim::runfile
