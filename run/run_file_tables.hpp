// The tables of a run file as column lists (docs/log-format.md), private to the run-file
// writer and readers: each table's columns in file order, bound to the members of its
// in-memory struct (core/run_result.hpp), and the generic code that walks them.
//
// Contract: one list per table serves the validation before writing (run_validation.cpp),
// the writer (experiment_writer.cpp) and the readers (experiment_reader.cpp,
// run_group_reader.cpp), so the three cannot disagree on names, order, types or widths. A
// list is called as columns(table, f) and calls f(name, column, width) for each column:
// width 0 for a 1-D column, else the row width of a 2-D one. The first column is the
// reference the others' row counts are checked against.
#pragma once
#include <hdf5.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "core/run_result.hpp"
#include "run/run_file_io.hpp"

namespace rlsim::runfile {

// ---- the columns of each run table --------------------------------------------------

// Each table's columns in file order, as f(name, column, width): width 0 for a 1-D column,
// else the row width of a 2-D one. One list per table serves the validation before
// writing, the writer and the reader, so the three cannot disagree. The first column is
// the reference the others' row counts are checked against. The steps table's `env`
// column is not listed: it may be empty in memory (every row copy 0) and is absent from
// format 1 files, so each of the three handles it on its own.
inline constexpr auto episode_columns = [](auto& t, auto&& f) {
  f("return", t.returns, 0);
  f("length", t.lengths, 0);
  f("end_step", t.end_steps, 0);
  f("terminated", t.terminated, 0);
  f("truncated", t.truncated, 0);
  f("success", t.success, 0);
};

inline constexpr auto step_columns = [](auto& t, auto&& f) {
  f("reward", t.reward, 0);
  f("episode", t.episode, 0);
  f("t", t.t, 0);
  if (t.obs_discrete)
    f("obs_index", t.obs_index, 0);
  else
    f("obs", t.obs, static_cast<hsize_t>(t.obs_dim));
  if (t.action_discrete)
    f("action_index", t.action_index, 0);
  else
    f("action", t.action, static_cast<hsize_t>(t.action_dim));
  f("terminated", t.terminated, 0);
  f("truncated", t.truncated, 0);
  f("probability", t.probability, 0);
  f("log_prob", t.log_prob, 0);
  // The env's step info, for envs that report it (attributes info_prob and mask_dim).
  if (t.has_prob) f("prob", t.info_prob, 0);
  if (t.mask_dim > 0) f("action_mask", t.action_mask, static_cast<hsize_t>(t.mask_dim));
};

inline constexpr auto regret_columns = [](auto& t, auto&& f) {
  f("step", t.step, 0);
  f("pseudo_regret", t.pseudo_regret, 0);
  f("realised_regret", t.realised_regret, 0);
  f("optimal_pulls", t.optimal_pulls, 0);
};

// Columns added to a table after its format came out: files written before lack them.
// Readers fill such a column with added_column_fill (the value that means "unknown", e.g.
// kUnknownOptimalPulls); the writer, appending to such a file (--resume, --continue), adds
// the column filled with it. An added column is 1-D, integer, and never a table's first.
inline bool added_column(const char* name) {
  return std::string_view(name) == "optimal_pulls";
}
inline constexpr std::int64_t added_column_fill = kUnknownOptimalPulls;

inline constexpr auto eval_columns = [](auto& t, auto&& f) {
  f("step", t.step, 0);
  f("return", t.returns, 0);
  f("length", t.lengths, 0);
};

// Rows of a column of the given width (0: 1-D).
template <class T>
std::size_t rows_of(const std::vector<T>& column, hsize_t width) {
  return width == 0 ? column.size() : column.size() / static_cast<std::size_t>(width);
}

// Reads every column that `columns` lists for table t from `group` (path `where`, table
// name `table` in messages), checking that all have the first column's row count.
template <class Table, class Columns>
void read_table(hid_t group, Table& t, Columns columns, const std::string& table,
                const std::string& where, const ReadLimits& lim) {
  std::string ref;
  std::size_t ref_rows = 0;
  columns(t, [&](const char* name, auto& column, hsize_t width) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (!ref.empty() && added_column(name) && !link_exists(group, name, where)) {
      column.assign(ref_rows, static_cast<T>(added_column_fill));
      return;
    }
    column = read_column<T>(group, name, width, where, lim);
    const std::size_t rows = rows_of(column, width);
    if (ref.empty()) {
      ref = table + "/" + name;
      ref_rows = rows;
    } else if (rows != ref_rows) {
      throw Error(where + ": dataset " + table + "/" + name + " has " + std::to_string(rows) +
                  " rows but " + ref + " has " + std::to_string(ref_rows) +
                  ": the file is damaged");
    }
  });
}

// ---- experiment-wide tables (format 3) ---------------------------------------------

// The rows of /run_table, as columns.
struct RunRows {
  std::vector<std::int64_t> run_index, group, seed_index;
  std::vector<std::uint64_t> env_seed, agent_seed;
  std::vector<std::int64_t> total_steps;
  std::vector<double> seconds;
  std::size_t size() const { return run_index.size(); }
};

inline constexpr auto run_table_columns = [](auto& t, auto&& f) {
  f("run_index", t.run_index, 0);
  f("group", t.group, 0);
  f("seed_index", t.seed_index, 0);
  f("env_seed", t.env_seed, 0);
  f("agent_seed", t.agent_seed, 0);
  f("total_steps", t.total_steps, 0);
  f("seconds", t.seconds, 0);
};

// A table of every run's rows (episodes, regret or eval): the `run` column, then the
// table's own columns.
template <class Table>
struct Rows {
  std::vector<std::int64_t> run;
  Table t;
  std::size_t size() const { return run.size(); }
};

template <class Columns>
constexpr auto with_run(Columns columns) {
  return [columns](auto& rows, auto&& f) {
    f("run", rows.run, 0);
    columns(rows.t, f);
  };
}

// Appends rows [start, start + count) of `from` to `to`, column by column (1-D columns).
template <class Table, class Columns>
void append_rows(Table& to, const Table& from, Columns columns, std::size_t start,
                 std::size_t count) {
  std::array<const void*, 16> source{};
  std::size_t k = 0;
  columns(from, [&](const char*, const auto& column, hsize_t) { source.at(k++) = &column; });
  k = 0;
  columns(to, [&](const char*, auto& column, hsize_t) {
    using V = std::decay_t<decltype(column)>;
    const V& src = *static_cast<const V*>(source.at(k++));
    column.insert(column.end(), src.begin() + static_cast<std::ptrdiff_t>(start),
                  src.begin() + static_cast<std::ptrdiff_t>(start + count));
  });
}

// Bytes of one row of a table (for the writer's bound on rows held in memory).
template <class Table, class Columns>
std::size_t row_bytes(Columns columns) {
  Table t;
  std::size_t bytes = 0;
  columns(t, [&](const char*, auto& column, hsize_t) {
    bytes += sizeof(typename std::decay_t<decltype(column)>::value_type);
  });
  return bytes;
}

// The experiment-wide tables of format 3 with their `run` column first.
inline constexpr auto episode_rows = with_run(episode_columns);
inline constexpr auto regret_rows = with_run(regret_columns);
inline constexpr auto eval_rows = with_run(eval_columns);

}  // namespace rlsim::runfile
