// Tests of the run tables added to the HDF5 run files (run/hdf5_log.hpp): evaluation,
// diagnostics and the agent's final state round trip through ExperimentWriter and
// ExperimentReader; bad tables are refused before anything is written; append mode (used by
// `rlsim run --resume`) keeps complete runs and drops incomplete ones.
#include <hdf5.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "run/hdf5_log.hpp"
#include "tests/run/hdf5_test_runs.hpp"

namespace fs = std::filesystem;
using rlsim::Error;
using rlsim_test::base_run;
using rlsim_test::full_run;
using rlsim_test::tables_meta;

namespace {

struct TablesTempDir {
  fs::path dir;
  TablesTempDir() {
    std::string templ = (fs::temp_directory_path() / "rlsim_tables_XXXXXX").string();
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    dir = templ;
  }
  ~TablesTempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

void check_same(const rlsim::StoredRun& got, const rlsim::RunResult& want) {
  CHECK(got.complete);
  CHECK(got.episodes.returns == want.episodes.returns);
  CHECK(got.evaluations.step == want.evaluations.step);
  CHECK(got.evaluations.returns == want.evaluations.returns);
  CHECK(got.evaluations.lengths == want.evaluations.lengths);
  CHECK(got.diagnostics.names == want.diagnostics.names);
  CHECK(got.diagnostics.step == want.diagnostics.step);
  REQUIRE(got.diagnostics.values.size() == want.diagnostics.values.size());
  for (std::size_t i = 0; i < want.diagnostics.values.size(); ++i)
    CHECK(got.diagnostics.values[i] == want.diagnostics.values[i]);  // bitwise, incl. -inf
  CHECK(got.has_agent_state == want.has_agent_state);
  REQUIRE(got.agent_state.size() == want.agent_state.size());
  for (const auto& [name, rec] : want.agent_state) {
    INFO(name);
    REQUIRE(got.agent_state.count(name) == 1);
    CHECK(got.agent_state.at(name).shape == rec.shape);
    CHECK(got.agent_state.at(name).data == rec.data);
  }
}

}  // namespace

TEST_CASE("hdf5 tables: eval, diagnostics and agent state round trip", "[hdf5-tables]") {
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  const rlsim::RunResult a = full_run(0), b = base_run(1);
  {
    rlsim::ExperimentWriter w(path, tables_meta());
    w.write_run(a);
    w.write_run(b);
    w.finish();
  }
  rlsim::ExperimentReader r(path);
  check_same(r.read_run(0), a);
  check_same(rlsim::ExperimentReader(path, 0).read_run(0), a);  // read run by run
  const rlsim::StoredRun rb = r.read_run(1);
  CHECK(rb.evaluations.size() == 0);
  CHECK(rb.diagnostics.names.empty());
  CHECK(rb.diagnostics.size() == 0);
  CHECK_FALSE(rb.has_agent_state);
  CHECK(rb.agent_state.empty());

  // The layout h5py users see: one 1-D float64 dataset per diagnostics column, named as the
  // column, and the column order in the attribute `columns`.
  rlsim::hdf5::Lock lock;
  rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  for (const char* name :
       {"runs/000000/diagnostics/loss", "runs/000000/diagnostics/entropy",
        "runs/000000/diagnostics/step", "eval/return", "eval/run", "runs/000000/agent/q/weight"})
    CHECK(H5Lexists(f.get(), name, H5P_DEFAULT) > 0);
  CHECK(H5Lexists(f.get(), "runs/000001", H5P_DEFAULT) == 0);  // nothing of its own
  rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), "runs/000000/diagnostics/epsilon", H5P_DEFAULT), "ds");
  std::vector<double> eps(5);
  REQUIRE(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, eps.data()) >= 0);
  CHECK(eps[2] == 0.1 * 2);
  CHECK(std::isinf(eps[4]));
}

TEST_CASE("hdf5 tables: a diagnostics table with names and no rows round trips", "[hdf5-tables]") {
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  rlsim::RunResult a = base_run(0);
  a.diagnostics.names = {"loss"};
  a.has_agent_state = true;  // an empty state dict is still a saved state
  {
    rlsim::ExperimentWriter w(path, tables_meta());
    w.write_run(a);
    w.finish();
  }
  rlsim::ExperimentReader r(path);
  const rlsim::StoredRun got = r.read_run(0);
  CHECK(got.diagnostics.names == std::vector<std::string>{"loss"});
  CHECK(got.diagnostics.size() == 0);
  CHECK(got.has_agent_state);
  CHECK(got.agent_state.empty());
}

TEST_CASE("hdf5 tables: inconsistent tables are refused before anything is written",
          "[hdf5-tables]") {
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  rlsim::ExperimentWriter w(path, tables_meta());
  rlsim::RunResult bad = full_run(0);
  bad.evaluations.lengths.pop_back();
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("eval/length"));
  bad = full_run(0);
  bad.diagnostics.values.pop_back();
  CHECK_THROWS_AS(w.write_run(bad), Error);
  for (const char* name : {"step", "", "a/b", "."}) {
    bad = full_run(0);
    bad.diagnostics.names[1] = name;
    CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("diagnostics column"));
  }
  bad = full_run(0);
  bad.diagnostics.names[2] = "loss";
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("twice"));
  // Step tables: every column has the reward column's rows; env is empty or one per row.
  bad = full_run(0);
  for (int i = 0; i < 3; ++i) {
    bad.steps.env.push_back(i);
    bad.steps.episode.push_back(0);
    bad.steps.t.push_back(i);
    bad.steps.obs_index.push_back(0);
    bad.steps.action_index.push_back(1);
    bad.steps.reward.push_back(0.5);
    bad.steps.terminated.push_back(0);
    bad.steps.truncated.push_back(0);
    bad.steps.probability.push_back(1.0);
    bad.steps.log_prob.push_back(0.0);
  }
  rlsim::RunResult good_steps = bad;
  bad.steps.env.pop_back();
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("steps/env"));
  bad = good_steps;
  bad.steps.env[1] = -1;
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("env copy index -1"));
  bad = good_steps;
  bad.steps.t.pop_back();
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("steps/t has 2 values") &&
                                          Catch::Contains("steps/reward implies 3"));
  bad = good_steps;
  bad.steps.obs_discrete = false;
  bad.steps.obs_dim = 2;
  bad.steps.obs = {1, 2, 3, 4, 5};
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("steps/obs has 5 values"));
  bad = full_run(0);
  bad.agent_state["q"] = {{1}, {0}};  // clashes with q/weight
  CHECK_THROWS_WITH(w.write_run(bad), Catch::Contains("clash"));
  // Nothing was written, and the writer still works.
  w.write_run(full_run(0));
  w.finish();
  rlsim::ExperimentReader r(path);
  CHECK(r.run_indices() == std::vector<std::int64_t>{0});
  check_same(r.read_run(0), full_run(0));
}

TEST_CASE("hdf5 tables: append mode keeps whole runs, drops unfinished ones, adds new ones",
          "[hdf5-tables]") {
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  {
    rlsim::ExperimentMeta meta = tables_meta();
    meta.planned_runs = 6;  // run indices 0 to 5
    rlsim::ExperimentWriter w(path, meta);
    w.write_run(full_run(0));
    w.write_run(base_run(1));
    // Not finished: the root `complete` stays 0.
  }
  {
    // Make run 5 look interrupted: eval rows and a run group that a killed writer wrote
    // but whose run_table row did not reach the file.
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    for (const char* col : {"eval/run", "eval/step", "eval/return", "eval/length"}) {
      rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), col, H5P_DEFAULT), "open");
      const hsize_t rows = 8 + 3;  // run 0's 8 rows, then 3 of run 5
      REQUIRE(H5Dset_extent(ds.get(), &rows) >= 0);
      rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
      const hsize_t start = 8, count = 3;
      REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) >=
              0);
      rlsim::hdf5::Dataspace memory(H5Screate_simple(1, &count, nullptr), "space");
      const std::int64_t five[3] = {5, 5, 5};
      REQUIRE(H5Dwrite(ds.get(), H5T_NATIVE_INT64, memory.get(), space.get(), H5P_DEFAULT, five) >=
              0);
    }
    rlsim::hdf5::Group g(H5Gcreate2(f.get(), "runs/000005", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "group");
  }
  {
    rlsim::ExperimentReader r(path);
    CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1});
    CHECK(r.run_indices() == std::vector<std::int64_t>{0, 1});
    check_same(r.read_run(0), full_run(0));
  }
  rlsim::ExperimentMeta ignored;
  ignored.config_text = "must not replace the stored config";
  {
    rlsim::ExperimentWriter w(path, ignored, rlsim::WriteMode::append);
    CHECK(w.removed_runs() == std::vector<std::int64_t>{5});
    CHECK_THROWS_WITH(w.write_run(full_run(0)), Catch::Contains("already there"));
    CHECK_THROWS_WITH(w.write_run(full_run(1)), Catch::Contains("already there"));
    w.write_run(full_run(5));
    w.write_run(full_run(2));
    w.finish();
  }
  rlsim::ExperimentReader r(path);
  CHECK(r.meta().complete);
  CHECK(r.meta().config_text == tables_meta().config_text);
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1, 2, 5});
  check_same(r.read_run(1), base_run(1));
  for (std::int64_t i : {0, 2, 5}) check_same(r.read_run(i), full_run(i));
}

TEST_CASE("hdf5 tables: append mode sets aside an unfinished run's group a kill left unreadable",
          "[hdf5-tables]") {
  // A kill inside a flush can leave /runs linking to a run group whose object header never
  // reached the disk; HDF5 cannot delete that link, so /runs is rebuilt without it and the
  // old group goes to /damaged (run/run_file_io.hpp).
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  {
    rlsim::ExperimentMeta meta = tables_meta();
    meta.planned_runs = 6;
    rlsim::ExperimentWriter w(path, meta);
    w.write_run(full_run(0));
    w.write_run(base_run(1));
  }
  haddr_t addr = 0;
  {
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    rlsim::hdf5::Group g(H5Gcreate2(f.get(), "runs/000005", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "group");
    rlsim::hdf5::Group child(H5Gcreate2(g.get(), "steps", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             "child");
    H5O_info_t info;
    REQUIRE(H5Oget_info2(g.get(), &info, H5O_INFO_BASIC) >= 0);
    addr = info.addr;
  }
  {
    std::fstream io(path, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(addr));
    io.write("XXXXXXXX", 8);  // the header's signature and version: unreadable
    REQUIRE(io.good());
  }
  {
    rlsim::ExperimentWriter w(path, tables_meta(), rlsim::WriteMode::append);
    CHECK(w.removed_runs() == std::vector<std::int64_t>{5});
    w.write_run(full_run(5));
    w.write_run(full_run(2));
    w.finish();
  }
  {
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
    CHECK(H5Lexists(f.get(), "damaged", H5P_DEFAULT) > 0);
    CHECK(H5Lexists(f.get(), "damaged/runs-1", H5P_DEFAULT) > 0);
  }
  rlsim::ExperimentReader r(path);
  CHECK(r.meta().complete);
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1, 2, 5});
  check_same(r.read_run(1), base_run(1));
  for (std::int64_t i : {0, 2, 5}) check_same(r.read_run(i), full_run(i));
}

TEST_CASE("hdf5 tables: a file without regret/optimal_pulls reads it as unknown; append adds it",
          "[hdf5-tables]") {
  // Files written before rlsim counted the pulls of the best arm have no such column: the
  // readers give kUnknownOptimalPulls for each of their rows, and --resume adds the column.
  TablesTempDir tmp;
  const std::string path = tmp.file("t.h5");
  auto bandit_run = [](std::int64_t i) {
    return rlsim_test::make_run(i, 3, 0, false, false, static_cast<std::size_t>(4 + i));
  };
  {
    rlsim::ExperimentMeta meta = tables_meta();
    meta.planned_runs = 3;
    rlsim::ExperimentWriter w(path, meta);
    w.write_run(bandit_run(0));
    w.write_run(bandit_run(1));
  }
  {
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    REQUIRE(H5Ldelete(f.get(), "regret/optimal_pulls", H5P_DEFAULT) >= 0);
  }
  auto check_old = [](const rlsim::StoredRun& got, const rlsim::RunResult& want) {
    CHECK(got.regret.step == want.regret.step);
    CHECK(got.regret.pseudo_regret == want.regret.pseudo_regret);
    CHECK(got.regret.optimal_pulls ==
          std::vector<std::int64_t>(want.regret.size(), rlsim::kUnknownOptimalPulls));
  };
  for (const std::size_t cached : {std::size_t{1} << 20, std::size_t{0}}) {
    INFO("rows cached " << cached);  // 0: each run's rows are read from the file
    rlsim::ExperimentReader r(path, cached);
    for (std::int64_t i : {0, 1}) check_old(r.read_run(i), bandit_run(i));
  }
  {
    rlsim::ExperimentWriter w(path, tables_meta(), rlsim::WriteMode::append);
    w.write_run(bandit_run(2));
    w.finish();
  }
  for (const std::size_t cached : {std::size_t{1} << 20, std::size_t{0}}) {
    INFO("rows cached " << cached);
    rlsim::ExperimentReader r(path, cached);
    CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1, 2});
    for (std::int64_t i : {0, 1}) check_old(r.read_run(i), bandit_run(i));
    const rlsim::StoredRun two = r.read_run(2);
    CHECK(two.regret.step == bandit_run(2).regret.step);
    CHECK(two.regret.optimal_pulls == bandit_run(2).regret.optimal_pulls);
  }
}

TEST_CASE("hdf5 tables: append mode refuses files that are not rlsim run files", "[hdf5-tables]") {
  TablesTempDir tmp;
  rlsim::ExperimentMeta m;
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(tmp.file("missing.h5"), m, rlsim::WriteMode::append),
                    Catch::Contains("no such file"));
  const std::string state = tmp.file("state.h5");
  rlsim::write_state_dict(state, "agent", {{"x", {{1}, {1.0}}}});
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(state, m, rlsim::WriteMode::append),
                    Catch::Contains("not an rlsim run file"));
}

namespace {

// Replaces the string attribute `name` of obj by a variable-length UTF-8 one holding the
// same text, as format version 1 wrote it.
void make_variable_length(hid_t obj, const char* name, const std::string& value) {
  REQUIRE(H5Adelete(obj, name) >= 0);
  rlsim::hdf5::Datatype t(H5Tcopy(H5T_C_S1), "type");
  REQUIRE(H5Tset_size(t.get(), H5T_VARIABLE) >= 0);
  REQUIRE(H5Tset_cset(t.get(), H5T_CSET_UTF8) >= 0);
  rlsim::hdf5::Dataspace s(H5Screate(H5S_SCALAR), "space");
  rlsim::hdf5::Attribute a(H5Acreate2(obj, name, t.get(), s.get(), H5P_DEFAULT, H5P_DEFAULT),
                           "attr");
  const char* text = value.c_str();
  REQUIRE(H5Awrite(a.get(), t.get(), &text) >= 0);
}

// The string attribute `name` of obj: {is variable-length, size in bytes}.
std::pair<bool, std::size_t> string_type_of(hid_t obj, const char* name) {
  rlsim::hdf5::Attribute a(H5Aopen(obj, name, H5P_DEFAULT), "attr");
  rlsim::hdf5::Datatype t(H5Aget_type(a.get()), "type");
  REQUIRE(H5Tget_class(t.get()) == H5T_STRING);
  return {H5Tis_variable_str(t.get()) > 0, H5Tget_size(t.get())};
}

}  // namespace

TEST_CASE("hdf5 tables: strings are fixed-length (formats 2 and 3)", "[hdf5-tables]") {
  TablesTempDir tmp;
  const std::string path = tmp.file("v.h5");
  rlsim::ExperimentMeta meta = tables_meta();
  meta.command_line = "";  // an empty string is stored as 1 NUL byte
  {
    rlsim::ExperimentWriter w(path, meta);
    w.write_run(full_run(0));
    w.finish();
  }
  {
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
    CHECK(string_type_of(f.get(), "config") ==
          std::pair<bool, std::size_t>{false, meta.config_text.size()});
    CHECK(string_type_of(f.get(), "command_line") == std::pair<bool, std::size_t>{false, 1});
    rlsim::hdf5::Group g(H5Gopen2(f.get(), "groups/000000", H5P_DEFAULT), "group");
    CHECK(string_type_of(g.get(), "group") ==
          std::pair<bool, std::size_t>{false, full_run(0).info.group.size()});
    rlsim::hdf5::Group d(H5Gopen2(f.get(), "runs/000000/diagnostics", H5P_DEFAULT), "diagnostics");
    CHECK(string_type_of(d.get(), "columns") == std::pair<bool, std::size_t>{false, 7});
  }
  rlsim::ExperimentReader r(path);
  CHECK(r.meta().format_version == 3);
  CHECK(r.meta().command_line.empty());
  CHECK(r.meta().config_text == meta.config_text);
  check_same(r.read_run(0), full_run(0));
  CHECK(r.read_run(0).group == full_run(0).info.group);
}

TEST_CASE("hdf5 tables: files of formats 1 and 2 stay readable, and are not appended to",
          "[hdf5-tables]") {
  // tests/data/format2.h5 was written by the format 2 writer (tests/data/make_format2_fixture.cpp)
  // with the runs of tests/run/hdf5_test_runs.hpp, plus a half-written run 4.
  TablesTempDir tmp;
  const std::string path = tmp.file("v2.h5");
  fs::copy_file(std::string(RLSIM_TEST_DATA_DIR) + "/format2.h5", path);
  const rlsim::RunResult r0 = rlsim_test::make_run(0, 40, 300, false, false, 25);
  const rlsim::RunResult r1 = rlsim_test::make_run(1, 5, 30, true, true, 0);
  {
    rlsim::ExperimentReader r(path);
    CHECK(r.meta().format_version == 2);
    CHECK(r.meta().complete);
    CHECK(r.meta().config_text == tables_meta().config_text);
    CHECK(r.run_indices() == std::vector<std::int64_t>{0, 1, 2, 3, 4});
    CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1, 2, 3});
    const rlsim::StoredRun a = r.read_run(0, true);
    CHECK(a.complete);
    CHECK(a.group == r0.info.group);
    CHECK(a.env_seed == r0.info.env_seed);
    CHECK(a.total_steps == r0.total_steps);
    CHECK(a.episodes.returns == r0.episodes.returns);
    CHECK(a.episodes.success == r0.episodes.success);
    CHECK(a.regret.pseudo_regret == r0.regret.pseudo_regret);
    REQUIRE(a.has_steps);
    CHECK(a.steps.reward == r0.steps.reward);
    CHECK(a.steps.obs_index == r0.steps.obs_index);
    CHECK(a.steps.env == std::vector<std::int32_t>(300, 0));
    const rlsim::StoredRun b = r.read_run(1, true);
    CHECK(b.steps.obs == r1.steps.obs);
    CHECK(b.steps.action == r1.steps.action);
    CHECK(b.steps.env == r1.steps.env);
    check_same(r.read_run(2), full_run(2));
    CHECK(r.read_run(3).episodes.size() == 0);
    rlsim::StoredRun partial;
    REQUIRE_NOTHROW(partial = r.read_run(4, true));
    CHECK_FALSE(partial.complete);
    CHECK(partial.run_index == 4);
  }
  rlsim::ExperimentMeta ignored;
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(path, ignored, rlsim::WriteMode::append),
                    Catch::Contains("rlsim_format_version is 2") &&
                        Catch::Contains("writes version 3") && Catch::Contains("new file"));

  const std::string v1 = tmp.file("v1.h5");
  const std::string forged = tmp.file("forged.h5");
  fs::copy_file(path, v1);
  fs::copy_file(path, forged);
  {  // v1: the layout of format version 1 (variable-length strings, version attribute 1).
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(v1.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    make_variable_length(f.get(), "config", tables_meta().config_text);
    rlsim::hdf5::Group g(H5Gopen2(f.get(), "runs/000002", H5P_DEFAULT), "group");
    make_variable_length(g.get(), "group", "a format 1 group");
    rlsim::hdf5::Attribute a(H5Aopen(f.get(), "rlsim_format_version", H5P_DEFAULT), "attr");
    const std::int32_t one = 1;
    REQUIRE(H5Awrite(a.get(), H5T_NATIVE_INT32, &one) >= 0);
    // forged: version 2 but a variable-length string, which version 2 never writes.
    rlsim::hdf5::File f2(H5Fopen(forged.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    rlsim::hdf5::Group g2(H5Gopen2(f2.get(), "runs/000002", H5P_DEFAULT), "group");
    make_variable_length(g2.get(), "group", "x");
  }
  {
    rlsim::ExperimentReader r(v1);
    CHECK(r.meta().format_version == 1);
    CHECK(r.meta().config_text == tables_meta().config_text);
    const rlsim::StoredRun run = r.read_run(2);
    CHECK(run.group == "a format 1 group");
    check_same(run, full_run(2));
  }
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(v1, ignored, rlsim::WriteMode::append),
                    Catch::Contains("rlsim_format_version is 1") &&
                        Catch::Contains("writes version 3") && Catch::Contains("new file"));
  rlsim::ExperimentReader r(forged);
  CHECK_THROWS_WITH(r.read_run(2), Catch::Contains("variable-length string") &&
                                       Catch::Contains("attribute 'group'") &&
                                       Catch::Contains("damaged"));
}
