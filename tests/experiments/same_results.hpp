// Bitwise comparison of two runs' results, for the tests that a resumed, continued, MPI or
// checkpointed run equals an uninterrupted one: RunResult (in memory) and StoredRun (read
// back from a file) alike. The tables are compared through the run-file column lists
// (run/run_file_tables.hpp), so a column added there is compared here without an edit.
#pragma once
#include <catch2/catch.hpp>

#include <string>
#include <type_traits>
#include <vector>

#include "run/run_file_tables.hpp"

namespace rlsim_test {

// Every column that `columns` lists for tables a and b is equal, bitwise (== on the values).
template <class Table, class Columns>
void check_same_table(const Table& a, const Table& b, Columns columns, const std::string& table) {
  std::vector<const void*> theirs;
  columns(b, [&](const char*, const auto& column, hsize_t) { theirs.push_back(&column); });
  std::size_t k = 0;
  columns(a, [&](const char* name, const auto& column, hsize_t) {
    using V = std::decay_t<decltype(column)>;
    INFO(table << "/" << name);
    REQUIRE(k < theirs.size());
    CHECK(column == *static_cast<const V*>(theirs[k++]));
  });
  CHECK(k == theirs.size());
}

// The results of runs a and b (RunResult or StoredRun): episodes, steps, regret,
// evaluations, diagnostics, agent state and the step count.
template <class A, class B>
void check_same_run(const A& a, const B& b) {
  namespace rf = rlsim::runfile;
  CHECK(a.total_steps == b.total_steps);
  check_same_table(a.episodes, b.episodes, rf::episode_columns, "episodes");
  CHECK(a.steps.size() == b.steps.size());
  if (a.steps.size() > 0 && b.steps.size() > 0) {
    CHECK(a.steps.obs_discrete == b.steps.obs_discrete);
    CHECK(a.steps.action_discrete == b.steps.action_discrete);
    CHECK(a.steps.has_prob == b.steps.has_prob);
    CHECK(a.steps.mask_dim == b.steps.mask_dim);
    if (a.steps.obs_discrete == b.steps.obs_discrete &&
        a.steps.action_discrete == b.steps.action_discrete &&
        a.steps.has_prob == b.steps.has_prob && a.steps.mask_dim == b.steps.mask_dim)
      check_same_table(a.steps, b.steps, rf::step_columns, "steps");
    CHECK(a.steps.env == b.steps.env);
  }
  check_same_table(a.regret, b.regret, rf::regret_columns, "regret");
  check_same_table(a.evaluations, b.evaluations, rf::eval_columns, "eval");
  CHECK(a.diagnostics.names == b.diagnostics.names);
  CHECK(a.diagnostics.step == b.diagnostics.step);
  CHECK(a.diagnostics.values == b.diagnostics.values);
  REQUIRE(a.has_agent_state == b.has_agent_state);
  REQUIRE(a.agent_state.size() == b.agent_state.size());
  for (const auto& [name, rec] : b.agent_state) {
    INFO("agent state " << name);
    REQUIRE(a.agent_state.count(name) == 1);
    CHECK(a.agent_state.at(name).shape == rec.shape);
    CHECK(a.agent_state.at(name).data == rec.data);
  }
}

}  // namespace rlsim_test
