// Tests of the HDF5 run files (run/hdf5_log.hpp): writer → reader round trips, crash
// safety of a killed writer, clear errors for damaged or foreign files, state dicts, and
// concurrent writes from OpenMP threads.
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/version.hpp"
#include "run/hdf5_log.hpp"
#include "tests/run/hdf5_test_runs.hpp"
#include "tests/test_util.hpp"

using rlsim::test::TempDir;

namespace fs = std::filesystem;
using rlsim::Error;
using rlsim_test::make_meta;
using rlsim_test::make_run;

namespace {

// A fresh directory under the system temp dir, removed with its contents at scope exit.

void check_same(const rlsim::StoredRun& got, const rlsim::RunResult& want, bool with_steps) {
  CHECK(got.run_index == want.info.run_index);
  CHECK(got.env_id == want.info.env_id);
  CHECK(got.agent_id == want.info.agent_id);
  CHECK(got.env_params == want.info.env_params.to_text());
  CHECK(got.agent_params == want.info.agent_params.to_text());
  CHECK(got.group == want.info.group);
  CHECK(got.seed_index == want.info.seed_index);
  CHECK(got.env_seed == want.info.env_seed);
  CHECK(got.agent_seed == want.info.agent_seed);
  CHECK(got.total_steps == want.total_steps);
  CHECK(got.complete);
  CHECK(got.episodes.returns == want.episodes.returns);
  CHECK(got.episodes.lengths == want.episodes.lengths);
  CHECK(got.episodes.end_steps == want.episodes.end_steps);
  CHECK(got.episodes.terminated == want.episodes.terminated);
  CHECK(got.episodes.truncated == want.episodes.truncated);
  CHECK(got.episodes.success == want.episodes.success);
  CHECK(got.regret.step == want.regret.step);
  CHECK(got.regret.pseudo_regret == want.regret.pseudo_regret);
  CHECK(got.regret.realised_regret == want.regret.realised_regret);
  CHECK(got.regret.optimal_pulls == want.regret.optimal_pulls);
  const bool expect_steps = with_steps && want.steps.size() > 0;
  REQUIRE(got.has_steps == expect_steps);
  if (!expect_steps) {
    CHECK(got.steps.size() == 0);
    return;
  }
  const rlsim::StepTable& g = got.steps;
  const rlsim::StepTable& w = want.steps;
  CHECK(g.obs_discrete == w.obs_discrete);
  CHECK(g.action_discrete == w.action_discrete);
  CHECK(g.obs_dim == w.obs_dim);
  CHECK(g.action_dim == w.action_dim);
  CHECK(g.env == (w.env.empty() ? std::vector<std::int32_t>(w.size(), 0) : w.env));
  CHECK(g.episode == w.episode);
  CHECK(g.t == w.t);
  CHECK(g.obs_index == w.obs_index);
  CHECK(g.obs == w.obs);
  CHECK(g.action_index == w.action_index);
  CHECK(g.action == w.action);
  CHECK(g.reward == w.reward);
  CHECK(g.terminated == w.terminated);
  CHECK(g.truncated == w.truncated);
  CHECK(g.probability == w.probability);
  CHECK(g.log_prob == w.log_prob);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("hdf5 log: writer to reader round trip of meta, episodes, steps and regret", "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("run.h5");
  rlsim::ExperimentMeta meta = make_meta();
  meta.planned_runs = 13;  // run indices 0 to 12
  // Discrete steps over two chunks (> 65536 rows), Box steps, and a run with empty tables.
  const rlsim::RunResult discrete = make_run(0, 40, 70000, false, false, 25);
  const rlsim::RunResult box = make_run(1, 5, 300, true, true, 0);
  rlsim::RunResult mixed = make_run(7, 3, 20, true, false, 3);
  // A run attribute of more than 64 KiB: too large for the compact attribute storage that run
  // groups use, so HDF5 moves that group's attributes to dense storage; both read back.
  mixed.info.group = "long group " + std::string(70000, 'g');
  const rlsim::RunResult empty = make_run(12, 0, 0, false, false, 0);
  {
    rlsim::ExperimentWriter w(path, meta);
    CHECK(w.path() == path);
    w.write_run(box);
    w.write_run(discrete);
    w.write_run(mixed);
    w.write_run(empty);
    REQUIRE_THROWS_AS(w.write_run(box), Error);  // an index is written once
    w.finish();
    REQUIRE_THROWS_AS(w.write_run(make_run(3, 1, 0, false, false, 0)), Error);
    w.finish();  // a second finish does nothing
  }
  rlsim::ExperimentReader r(path);
  const rlsim::ExperimentMeta& m = r.meta();
  CHECK(m.format_version == rlsim::kLogFormatVersion);
  CHECK(m.config_text == meta.config_text);
  CHECK(m.command_line == meta.command_line);
  CHECK(m.master_seed == meta.master_seed);
  CHECK(m.planned_runs == meta.planned_runs);
  CHECK(m.rlsim_version == rlsim::version());
  CHECK(m.git_commit == rlsim::git_commit());
  CHECK(std::regex_match(m.created, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  CHECK(m.complete);
  CHECK(r.run_indices() == std::vector<std::int64_t>{0, 1, 7, 12});
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1, 7, 12});

  check_same(r.read_run(0, true), discrete, true);
  check_same(r.read_run(1, true), box, true);
  check_same(r.read_run(7, true), mixed, true);
  check_same(r.read_run(12, true), empty, true);
  check_same(r.read_run(0), discrete, false);
  REQUIRE_THROWS_WITH(r.read_run(5), Catch::Contains("has no run 5") && Catch::Contains(path));
  {
    // Tables longer than the reader's cache limit are read run by run: same results.
    rlsim::ExperimentReader sliced(path, 0);
    check_same(sliced.read_run(0, true), discrete, true);
    check_same(sliced.read_run(1, true), box, true);
    check_same(sliced.read_run(7, true), mixed, true);
    check_same(sliced.read_run(12, true), empty, true);
  }

  // Layout details an h5py user relies on: group names, chunked + shuffle + deflate columns.
  rlsim::hdf5::Lock lock;
  rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), "/runs/000000/steps/reward", H5P_DEFAULT), "open");
  rlsim::hdf5::PropList dcpl(H5Dget_create_plist(ds.get()), "plist");
  CHECK(H5Pget_layout(dcpl.get()) == H5D_CHUNKED);
  REQUIRE(H5Pget_nfilters(dcpl.get()) == 2);
  unsigned flags = 0, values[4] = {0, 0, 0, 0};
  size_t nvalues = 4;
  CHECK(H5Pget_filter2(dcpl.get(), 0, &flags, &nvalues, values, 0, nullptr, nullptr) ==
        H5Z_FILTER_SHUFFLE);
  nvalues = 4;
  CHECK(H5Pget_filter2(dcpl.get(), 1, &flags, &nvalues, values, 0, nullptr, nullptr) ==
        H5Z_FILTER_DEFLATE);
  CHECK(values[0] == 1);  // step tables: deflate level 1
  {
    // The experiment-wide tables: chunked, uncompressed (docs/log-format.md, Storage).
    rlsim::hdf5::Dataset ep(H5Dopen2(f.get(), "/episodes/return", H5P_DEFAULT), "open");
    rlsim::hdf5::PropList ep_dcpl(H5Dget_create_plist(ep.get()), "plist");
    CHECK(H5Pget_layout(ep_dcpl.get()) == H5D_CHUNKED);
    CHECK(H5Pget_nfilters(ep_dcpl.get()) == 0);
  }
  // rlsim compresses the chunks itself (H5Dwrite_chunk, with libdeflate); they must decode
  // to the data through HDF5's own pipeline, and each stored chunk, inflated by zlib and
  // unshuffled, must be the chunk's raw bytes (the edge chunk, 70 000 rows in chunks of
  // 65 536, padded with zeros). A wrong shuffle, stream or padding fails one of the two.
  {
    std::vector<double> reward(70000);
    REQUIRE(H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, reward.data()) >=
            0);
    CHECK(reward == discrete.steps.reward);
    const std::size_t chunk_rows = 65536, elem = sizeof(double);
    for (hsize_t row : {hsize_t{0}, hsize_t{65536}}) {
      INFO("chunk at row " << row);
      const hsize_t offset[1] = {row};
      hsize_t stored = 0;
      REQUIRE(H5Dget_chunk_storage_size(ds.get(), offset, &stored) >= 0);
      std::vector<unsigned char> z(stored);
      uint32_t mask = 1;
      REQUIRE(H5Dread_chunk(ds.get(), H5P_DEFAULT, offset, &mask, z.data()) >= 0);
      CHECK(mask == 0);  // every filter applied
      std::vector<unsigned char> shuffled(chunk_rows * elem + 1);
      uLongf got = static_cast<uLongf>(shuffled.size());
      REQUIRE(uncompress(shuffled.data(), &got, z.data(), static_cast<uLong>(z.size())) == Z_OK);
      REQUIRE(got == chunk_rows * elem);
      std::vector<double> want(chunk_rows, 0.0);
      const std::size_t have = std::min<std::size_t>(chunk_rows, reward.size() - row);
      std::copy_n(reward.begin() + static_cast<std::ptrdiff_t>(row), have, want.begin());
      const auto* raw = reinterpret_cast<const unsigned char*>(want.data());
      bool same = true;
      for (std::size_t i = 0; i < chunk_rows && same; ++i)
        for (std::size_t j = 0; j < elem; ++j)
          same = same && shuffled[j * chunk_rows + i] == raw[i * elem + j];
      CHECK(same);
    }
  }
  // Storage choices of the writer (docs/log-format.md, Storage): chunk index nodes of
  // istore K = 8, a group's attributes in its object header (compact), no time stamps on
  // groups and datasets.
  {
    rlsim::hdf5::PropList fcpl(H5Fget_create_plist(f.get()), "plist");
    unsigned ik = 0;
    REQUIRE(H5Pget_istore_k(fcpl.get(), &ik) >= 0);
    CHECK(ik == 8);
    constexpr std::uint64_t kAttributeMessage = std::uint64_t{1} << 0x000C;  // H5O spec
    H5O_info_t info;
    REQUIRE(H5Oget_info_by_name2(f.get(), "/runs/000000", &info, H5O_INFO_ALL, H5P_DEFAULT) >= 0);
    CHECK(info.num_attrs == 0);  // format 3: a run's strings and numbers are in the tables
    CHECK(info.mtime == 0);
    // Groups in the order first written: run 1 (CartPole), run 0 (FrozenLake), run 7 (its
    // group string is 70 KB); run 12 is FrozenLake again.
    int compact = 0, dense = 0;
    for (const char* g : {"/groups/000000", "/groups/000001", "/groups/000002"}) {
      INFO(g);
      REQUIRE(H5Oget_info_by_name2(f.get(), g, &info, H5O_INFO_ALL, H5P_DEFAULT) >= 0);
      CHECK(info.num_attrs == 5);
      ((info.hdr.mesg.present & kAttributeMessage) != 0 ? compact : dense) += 1;
    }
    CHECK(compact == 2);  // attributes as messages in the object header
    CHECK(dense == 1);    // the 70 KB attribute: dense storage
    CHECK(H5Lexists(f.get(), "/groups/000003", H5P_DEFAULT) == 0);  // run 12 is in group 1
    CHECK(H5Lexists(f.get(), "/runs/000012", H5P_DEFAULT) == 0);    // no steps: no run group
    REQUIRE(H5Oget_info_by_name2(f.get(), "/episodes/return", &info, H5O_INFO_ALL, H5P_DEFAULT) >=
            0);
    CHECK(info.mtime == 0);
    CHECK(info.ctime == 0);
    // The run table in write order, and each run's episodes contiguous in that order.
    std::vector<std::int64_t> order(4), run(40 + 5 + 3);
    rlsim::hdf5::Dataset ri(H5Dopen2(f.get(), "/run_table/run_index", H5P_DEFAULT), "open");
    REQUIRE(H5Dread(ri.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, order.data()) >= 0);
    CHECK(order == std::vector<std::int64_t>{1, 0, 7, 12});
    rlsim::hdf5::Dataset er(H5Dopen2(f.get(), "/episodes/run", H5P_DEFAULT), "open");
    REQUIRE(H5Dread(er.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, run.data()) >= 0);
    std::vector<std::int64_t> want(5, 1);
    want.insert(want.end(), 40, 0);
    want.insert(want.end(), 3, 7);
    CHECK(run == want);
  }
  rlsim::hdf5::Dataset obs(H5Dopen2(f.get(), "/runs/000001/steps/obs", H5P_DEFAULT), "open");
  rlsim::hdf5::Dataspace space(H5Dget_space(obs.get()), "space");
  hsize_t dims[2] = {0, 0};
  REQUIRE(H5Sget_simple_extent_ndims(space.get()) == 2);
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  CHECK(dims[0] == 300);
  CHECK(dims[1] == 4);
  CHECK(H5Lexists(f.get(), "/runs/000001/regret", H5P_DEFAULT) == 0);  // regret: /regret
}

TEST_CASE("hdf5 log: a killed writer leaves a readable file with its finished runs", "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("killed.h5");
  const rlsim::RunResult a = make_run(0, 30, 500, false, false, 10);
  const rlsim::RunResult b = make_run(1, 20, 200, true, true, 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: write two runs, flush, then die without closing the file or running exit
    // handlers.
    try {
      auto* w = new rlsim::ExperimentWriter(path, make_meta());
      w->write_run(a);
      w->write_run(b);
      w->flush();
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  rlsim::ExperimentReader r(path);
  CHECK_FALSE(r.meta().complete);
  CHECK(r.meta().master_seed == make_meta().master_seed);
  CHECK(r.run_indices() == std::vector<std::int64_t>{0, 1});
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0, 1});
  check_same(r.read_run(0, true), a, true);
  check_same(r.read_run(1, true), b, true);
}

TEST_CASE("hdf5 log: a kill between flushes loses only the runs written since the last flush",
          "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("unflushed.h5");
  const rlsim::RunResult a = make_run(0, 30, 500, false, false, 10);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Child: one run flushed, then enough unflushed runs (metadata of more than HDF5's
    // default 2 MiB metadata cache, so a cache that evicted would have written some of it,
    // but less than the 4 MiB at which the writer flushes early), then die. The interval
    // is long enough that no timed flush happens.
    try {
      ::setenv("RLSIM_FLUSH_SECONDS", "3600", 1);
      rlsim::ExperimentMeta meta = make_meta();
      meta.planned_runs = 71;
      auto* w = new rlsim::ExperimentWriter(path, meta);
      w->write_run(a);
      w->flush();
      for (std::int64_t i = 1; i <= 70; ++i) w->write_run(make_run(i, 20, 50, false, false, 3));
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  rlsim::ExperimentReader r(path);
  CHECK_FALSE(r.meta().complete);
  // Not even an incomplete group of the unflushed runs is on disk.
  CHECK(r.run_indices() == std::vector<std::int64_t>{0});
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0});
  check_same(r.read_run(0, true), a, true);
}

TEST_CASE("hdf5 log: RLSIM_FLUSH_SECONDS=0 flushes every run; a bad value is refused", "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("every.h5");
  const rlsim::RunResult a = make_run(0, 30, 500, false, false, 10);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      ::setenv("RLSIM_FLUSH_SECONDS", "0", 1);
      auto* w = new rlsim::ExperimentWriter(path, make_meta());
      w->write_run(a);
      ::_exit(0);  // no flush(), no close
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  {
    rlsim::ExperimentReader r(path);
    CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0});
    check_same(r.read_run(0, true), a, true);
  }

  const char* old = std::getenv("RLSIM_FLUSH_SECONDS");
  const std::string saved = old ? old : "";
  ::setenv("RLSIM_FLUSH_SECONDS", "soon", 1);
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(tmp.file("bad.h5"), make_meta()),
                    Catch::Contains("RLSIM_FLUSH_SECONDS") && Catch::Contains("'soon'"));
  if (old)
    ::setenv("RLSIM_FLUSH_SECONDS", saved.c_str(), 1);
  else
    ::unsetenv("RLSIM_FLUSH_SECONDS");
}

TEST_CASE("hdf5 log: runs written without an explicit flush reach the disk within the interval",
          "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("timed.h5");
  const rlsim::RunResult a = make_run(0, 30, 500, false, false, 10);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The background flusher writes the run although no other write_run follows.
    try {
      ::setenv("RLSIM_FLUSH_SECONDS", "0.05", 1);
      auto* w = new rlsim::ExperimentWriter(path, make_meta());
      w->write_run(a);
      // 60 intervals: the flusher runs even on a loaded machine (the test waits, it does
      // not time anything).
      ::usleep(3000 * 1000);
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  rlsim::ExperimentReader r(path);
  CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0});
  check_same(r.read_run(0, true), a, true);
}

TEST_CASE("hdf5 log: rows and groups of a run missing from run_table are not a run", "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("partial.h5");
  const rlsim::RunResult a = make_run(0, 5, 0, false, false, 0);
  {
    rlsim::ExperimentWriter w(path, rlsim::ExperimentMeta{});
    w.write_run(a);
  }
  {
    // What a kill during a flush could leave: episode rows and a /runs group of run 1, whose
    // run_table row did not reach the file.
    rlsim::hdf5::Lock lock;
    rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
    for (const char* col :
         {"run", "return", "length", "end_step", "terminated", "truncated", "success"}) {
      rlsim::hdf5::Dataset ds(
          H5Dopen2(f.get(), (std::string("/episodes/") + col).c_str(), H5P_DEFAULT), "open");
      const hsize_t rows = 7, start = 5, count = 2;
      REQUIRE(H5Dset_extent(ds.get(), &rows) >= 0);
      rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
      REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) >=
              0);
      rlsim::hdf5::Dataspace memory(H5Screate_simple(1, &count, nullptr), "space");
      const std::int64_t ones[2] = {1, 1};
      REQUIRE(H5Dwrite(ds.get(), H5T_NATIVE_INT64, memory.get(), space.get(), H5P_DEFAULT, ones) >=
              0);
    }
    rlsim::hdf5::Group g(H5Gcreate2(f.get(), "/runs/000001", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "create");
  }
  {
    rlsim::ExperimentReader r(path);
    CHECK_FALSE(r.meta().complete);
    CHECK(r.run_indices() == std::vector<std::int64_t>{0});
    CHECK(r.complete_run_indices() == std::vector<std::int64_t>{0});
    CHECK_THROWS_WITH(r.read_run(1), Catch::Contains("has no run 1"));
    check_same(r.read_run(0), a, false);
  }
  {
    // Appending drops them, and the next run's rows follow run 0's.
    rlsim::ExperimentWriter w(path, rlsim::ExperimentMeta{}, rlsim::WriteMode::append);
    CHECK(w.removed_runs() == std::vector<std::int64_t>{1});
    w.write_run(make_run(2, 3, 0, false, false, 0));
    w.finish();
  }
  rlsim::ExperimentReader r(path);
  CHECK(r.run_indices() == std::vector<std::int64_t>{0, 2});
  check_same(r.read_run(0), a, false);
  check_same(r.read_run(2), make_run(2, 3, 0, false, false, 0), false);
  rlsim::hdf5::Lock lock;
  rlsim::hdf5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  CHECK(H5Lexists(f.get(), "/runs/000001", H5P_DEFAULT) == 0);
}

TEST_CASE("hdf5 log: damaged, truncated and foreign files give rlsim::Error", "[hdf5]") {
  TempDir tmp;
  const std::string good = tmp.file("good.h5");
  {
    rlsim::ExperimentWriter w(good, make_meta());
    for (int i = 0; i < 4; ++i) w.write_run(make_run(i, 2000, 3000, false, false, 50));
    w.finish();
  }
  REQUIRE_NOTHROW(rlsim::ExperimentReader(good));

  SECTION("missing file") {
    const std::string missing = tmp.file("missing.h5");
    REQUIRE_THROWS_AS(rlsim::ExperimentReader(missing), Error);
    REQUIRE_THROWS_WITH(rlsim::ExperimentReader(missing),
                        Catch::Contains(missing) && Catch::Contains("no such file"));
  }
  SECTION("truncated copy") {
    const std::string bytes = read_bytes(good);
    REQUIRE(bytes.size() > 1000);
    const std::string cut = tmp.file("cut.h5");
    write_bytes(cut, bytes.substr(0, bytes.size() / 2));
    REQUIRE_THROWS_AS(rlsim::ExperimentReader(cut), Error);
    REQUIRE_THROWS_WITH(rlsim::ExperimentReader(cut),
                        Catch::Contains(cut) && Catch::Contains("truncated"));
  }
  SECTION("text file") {
    const std::string text = tmp.file("notes.h5");
    write_bytes(text, "this is not an HDF5 file\n");
    REQUIRE_THROWS_AS(rlsim::ExperimentReader(text), Error);
    REQUIRE_THROWS_WITH(rlsim::ExperimentReader(text),
                        Catch::Contains(text) && Catch::Contains("not an HDF5 file"));
  }
  SECTION("HDF5 file that is not a run file") {
    const std::string other = tmp.file("other.h5");
    rlsim::write_state_dict(other, "agent", {{"w", {{2}, {1.0, 2.0}}}});
    REQUIRE_THROWS_AS(rlsim::ExperimentReader(other), Error);
    REQUIRE_THROWS_WITH(rlsim::ExperimentReader(other),
                        Catch::Contains(other) && Catch::Contains("not an rlsim run file"));
  }
  SECTION("inconsistent experiment-wide tables") {
    // Each edit is a damage the reader must name (file, table, what is wrong), not misread.
    struct Case {
      const char* dataset;
      hsize_t row;
      std::int64_t value;
      const char* message;
      bool at_open;  // found when the file is opened (run_table) or at the first read_run
    };
    const Case cases[] = {
        {"/run_table/group", 2, 7, "which /groups does not hold", true},
        {"/run_table/run_index", 3, 1, "repeats run_index 1", true},
        {"/run_table/run_index", 0, -4, "expected >= 0", true},
        {"/run_table/total_steps", 1, -1, "total_steps -1", true},
        {"/episodes/run", 2500, 3, "are not contiguous", false},
        {"/episodes/run", 10, 9, "which run_table does not list", false},
    };
    for (const Case& c : cases) {
      INFO(c.dataset << " row " << c.row << " = " << c.value);
      const std::string bad = tmp.file("bad_table.h5");
      fs::copy_file(good, bad, fs::copy_options::overwrite_existing);
      {
        rlsim::hdf5::Lock lock;
        rlsim::hdf5::File f(H5Fopen(bad.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
        rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), c.dataset, H5P_DEFAULT), "open");
        rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
        const hsize_t one = 1;
        REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, &c.row, nullptr, &one, nullptr) >=
                0);
        rlsim::hdf5::Dataspace memory(H5Screate_simple(1, &one, nullptr), "space");
        REQUIRE(H5Dwrite(ds.get(), H5T_NATIVE_INT64, memory.get(), space.get(), H5P_DEFAULT,
                         &c.value) >= 0);
      }
      if (c.at_open) {
        REQUIRE_THROWS_WITH(rlsim::ExperimentReader(bad), Catch::Contains(bad) &&
                                                              Catch::Contains(c.message) &&
                                                              Catch::Contains("damaged"));
      } else {
        for (std::size_t cached : {rlsim::kReaderCachedRows, std::size_t{0}}) {
          rlsim::ExperimentReader r(bad, cached);
          REQUIRE_THROWS_WITH(r.read_run(0), Catch::Contains(bad) && Catch::Contains("/episodes") &&
                                                 Catch::Contains(c.message) &&
                                                 Catch::Contains("damaged"));
        }
      }
    }
  }
  SECTION("a flipped byte in run_table/run_index") {
    // The column is stored uncompressed and without a checksum: a flipped bit there is read
    // as it is. Every such flip must still be named as damage, through the run indices'
    // range (planned_runs is 12 here), their uniqueness, or the rows of the other tables,
    // instead of the runs it touches silently disappearing.
    haddr_t addr = 0;
    hsize_t size = 0;
    {
      rlsim::hdf5::Lock lock;
      rlsim::hdf5::File f(H5Fopen(good.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
      rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), "/run_table/run_index", H5P_DEFAULT), "open");
      rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
      hsize_t offset[1] = {0};
      unsigned mask = 0;
      REQUIRE(H5Dget_chunk_info(ds.get(), space.get(), 0, offset, &mask, &addr, &size) >= 0);
    }
    const std::string bytes = read_bytes(good);
    REQUIRE(size >= 4 * 8);
    REQUIRE(addr + size <= bytes.size());
    for (std::size_t i = 0; i < 4 * 8; ++i) {  // the 4 runs' int64 values, little-endian
      for (const unsigned char bit : {0x01, 0x04, 0x10, 0x80}) {
        INFO("row " << i / 8 << ", byte " << i % 8 << ", bit mask " << int{bit});
        std::string flipped = bytes;
        flipped[addr + i] = static_cast<char>(flipped[addr + i] ^ bit);
        const std::string bad = tmp.file("flipped.h5");
        write_bytes(bad, flipped);
        std::string error;
        try {
          rlsim::ExperimentReader r(bad);
          for (std::int64_t run : r.run_indices()) r.read_run(run);
        } catch (const Error& e) {
          error = e.what();
        }
        CHECK_THAT(error, Catch::Contains(bad) && Catch::Contains("damaged"));
      }
    }
  }
  SECTION("a missing table") {
    const std::string bad = tmp.file("no_eval.h5");
    fs::copy_file(good, bad);
    {
      rlsim::hdf5::Lock lock;
      rlsim::hdf5::File f(H5Fopen(bad.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "open");
      REQUIRE(H5Ldelete(f.get(), "/eval", H5P_DEFAULT) >= 0);
    }
    REQUIRE_THROWS_WITH(rlsim::ExperimentReader(bad),
                        Catch::Contains(bad) && Catch::Contains("no group /eval"));
    REQUIRE_THROWS_WITH(rlsim::ExperimentWriter(bad, make_meta(), rlsim::WriteMode::append),
                        Catch::Contains(bad) && Catch::Contains("no group /eval"));
  }
  SECTION("damaged chunk of one run") {
    // Overwrite the compressed bytes of run 2's steps/reward with garbage. (The
    // experiment-wide tables are stored uncompressed, without checksums: damage to their
    // values is not detectable; their metadata are checksummed.)
    haddr_t addr = 0;
    hsize_t size = 0;
    {
      rlsim::hdf5::Lock lock;
      rlsim::hdf5::File f(H5Fopen(good.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
      rlsim::hdf5::Dataset ds(H5Dopen2(f.get(), "/runs/000002/steps/reward", H5P_DEFAULT), "open");
      hsize_t offset[1] = {0};
      unsigned mask = 0;
      rlsim::hdf5::Dataspace space(H5Dget_space(ds.get()), "space");
      REQUIRE(H5Dget_chunk_info(ds.get(), space.get(), 0, offset, &mask, &addr, &size) >= 0);
    }
    REQUIRE(size > 16);
    std::string bytes = read_bytes(good);
    REQUIRE(addr + size <= bytes.size());
    for (hsize_t i = 0; i < size; ++i) bytes[addr + i] = static_cast<char>(0xFF);
    const std::string bad = tmp.file("bad_chunk.h5");
    write_bytes(bad, bytes);
    rlsim::ExperimentReader r(bad);
    REQUIRE_NOTHROW(r.read_run(1, true));
    REQUIRE_NOTHROW(r.read_run(2));  // without its steps
    REQUIRE_THROWS_AS(r.read_run(2, true), Error);
    REQUIRE_THROWS_WITH(r.read_run(2, true),
                        Catch::Contains(bad) && Catch::Contains("/runs/000002/steps/reward"));
  }
}

TEST_CASE("hdf5 log: the writer names the path when it cannot create the file", "[hdf5]") {
  TempDir tmp;
  const std::string in_missing_dir = tmp.file("no/such/dir/run.h5");
  REQUIRE_THROWS_AS(rlsim::ExperimentWriter(in_missing_dir, make_meta()), Error);
  REQUIRE_THROWS_WITH(rlsim::ExperimentWriter(in_missing_dir, make_meta()),
                      Catch::Contains(in_missing_dir) && Catch::Contains("does not exist"));
  REQUIRE_THROWS_WITH(rlsim::ExperimentWriter(tmp.dir.string(), make_meta()),
                      Catch::Contains("is a directory"));
  CHECK_FALSE(fs::exists(tmp.dir / "no"));
}

TEST_CASE("hdf5 log: state dict round trip with shapes, nested names and group replacement",
          "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("agent.h5");
  rlsim::StateDict state;
  state["q/table"] = {{3, 4}, {}};
  for (int i = 0; i < 12; ++i) state["q/table"].data.push_back(0.5 * i - 1.0);
  state["bias"] = {{}, {3.25}};  // a scalar
  state["empty"] = {{0}, {}};
  state["net/layer1/weight"] = {{2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}};
  state["net/layer1/weight"].data[5] = -1e-300;
  rlsim::write_state_dict(path, "agent", state);
  rlsim::write_state_dict(path, "/checkpoints/target", {{"w", {{1}, {42.0}}}});

  const rlsim::StateDict got = rlsim::read_state_dict(path, "agent");
  REQUIRE(got.size() == state.size());
  for (const auto& [name, rec] : state) {
    INFO(name);
    REQUIRE(got.count(name) == 1);
    CHECK(got.at(name).shape == rec.shape);
    CHECK(got.at(name).data == rec.data);
  }
  // Writing the same group again replaces it; other groups stay.
  rlsim::write_state_dict(path, "agent", {{"only", {{2}, {7.0, 8.0}}}});
  const rlsim::StateDict replaced = rlsim::read_state_dict(path, "/agent");
  REQUIRE(replaced.size() == 1);
  CHECK(replaced.at("only").data == std::vector<double>{7.0, 8.0});
  CHECK(rlsim::read_state_dict(path, "checkpoints/target").at("w").data ==
        std::vector<double>{42.0});

  REQUIRE_THROWS_WITH(rlsim::read_state_dict(path, "critic"),
                      Catch::Contains(path) && Catch::Contains("critic"));
  REQUIRE_THROWS_AS(rlsim::read_state_dict(tmp.file("none.h5"), "agent"), Error);
  // Bad input is refused before anything is written.
  REQUIRE_THROWS_WITH(rlsim::write_state_dict(path, "x", {{"w", {{2, 2}, {1, 2, 3}}}}),
                      Catch::Contains("'w'") && Catch::Contains("3 values"));
  REQUIRE_THROWS_WITH(rlsim::write_state_dict(path, "x", {{"a", {{1}, {1}}}, {"a/b", {{1}, {2}}}}),
                      Catch::Contains("clash"));
  REQUIRE_THROWS_AS(rlsim::write_state_dict(path, "", {}), Error);
  REQUIRE_THROWS_AS(rlsim::read_state_dict(path, "x"), Error);
  // A file that is not HDF5 is never overwritten.
  const std::string text = tmp.file("notes.txt");
  write_bytes(text, "keep me\n");
  REQUIRE_THROWS_WITH(rlsim::write_state_dict(text, "agent", state),
                      Catch::Contains(text) && Catch::Contains("not an HDF5 file"));
  CHECK(read_bytes(text) == "keep me\n");
}

TEST_CASE("hdf5 log: concurrent write_run from OpenMP threads keeps every run intact", "[hdf5]") {
  TempDir tmp;
  const std::string path = tmp.file("parallel.h5");
  constexpr int kRuns = 48;
  {
    rlsim::ExperimentMeta meta = make_meta();
    meta.planned_runs = kRuns;
    rlsim::ExperimentWriter w(path, meta);
#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
    for (int i = 0; i < kRuns; ++i) {
      // Every thread builds its own data (outside the HDF5 lock) and writes.
      w.write_run(make_run(i, static_cast<std::size_t>(10 + i), static_cast<std::size_t>(50 * i),
                           i % 2 == 0, i % 3 == 0, static_cast<std::size_t>(i % 5)));
    }
    w.finish();
  }
  rlsim::ExperimentReader r(path);
  REQUIRE(r.complete_run_indices().size() == kRuns);
  // Concurrent reads through one reader are serialised too.
  std::vector<int> ok(kRuns, 0);
#pragma omp parallel for num_threads(4) schedule(dynamic, 1)
  for (int i = 0; i < kRuns; ++i) {
    const rlsim::StoredRun got = r.read_run(i, true);
    const rlsim::RunResult want =
        make_run(i, static_cast<std::size_t>(10 + i), static_cast<std::size_t>(50 * i), i % 2 == 0,
                 i % 3 == 0, static_cast<std::size_t>(i % 5));
    ok[static_cast<std::size_t>(i)] =
        got.episodes.returns == want.episodes.returns && got.steps.reward == want.steps.reward &&
        got.steps.obs == want.steps.obs && got.steps.action == want.steps.action &&
        got.steps.obs_index == want.steps.obs_index && got.regret.step == want.regret.step &&
        got.env_seed == want.info.env_seed && got.has_steps == (i > 0);
  }
  for (int i = 0; i < kRuns; ++i) {
    INFO("run " << i);
    CHECK(ok[static_cast<std::size_t>(i)] == 1);
  }
}
