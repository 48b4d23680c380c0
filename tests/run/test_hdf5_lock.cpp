// Tests of rlsim's writer lock of a run file (run/write_lock.hpp) and of the writer's other
// guards: a second writer of a file being written, in this process or another one (the
// driver, with HDF5's own file locking on or off), is refused before it touches the file; a
// lock file left by a killed writer is taken over; run indices stay below planned_runs; and
// HDF5 failures in any thread come back as errors, never as HDF5's printed error dump.
#include <fcntl.h>
#include <hdf5.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/state_dict_io.hpp"
#include "run/hdf5_log.hpp"
#include "run/write_lock.hpp"
#include "tests/experiments/driver_util.hpp"
#include "tests/run/hdf5_test_runs.hpp"

namespace fs = std::filesystem;
using rlsim::Error;
using rlsim_test::make_meta;
using rlsim_test::make_run;

namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string lock_file(const std::string& path) {
  return rlsim::runfile::WriteLock::lock_path(path);
}

const std::string kHeldBy = "is being written by another rlsim process (pid ";

}  // namespace

TEST_CASE("hdf5 lock: a second writer is refused while the first writes, before it truncates",
          "[hdf5-lock]") {
  const fs::path d = rlsim_test::temp_dir("lock_writers");
  const std::string path = (d / "run.h5").string();
  const std::string pid = std::to_string(::getpid());
  {
    rlsim::ExperimentWriter first(path, make_meta());
    first.write_run(make_run(0, 10, 20, false, false, 3));
    first.flush();
    CHECK_THAT(rlsim_test::read_text(lock_file(path)),
               Catch::StartsWith("pid " + pid + " on host"));
    const std::string before = bytes_of(path);
    // A second writer in this process, creating or appending: refused, naming the holder.
    CHECK_THROWS_WITH(rlsim::ExperimentWriter(path, make_meta()),
                      Catch::Contains(path) && Catch::Contains(kHeldBy + pid) &&
                          Catch::Contains(lock_file(path)));
    CHECK_THROWS_WITH(rlsim::ExperimentWriter(path, make_meta(), rlsim::WriteMode::append),
                      Catch::Contains(kHeldBy + pid));
    // Another process: `rlsim run --overwrite` with HDF5's own locking on, and off (which
    // without rlsim's lock let it truncate the file and report success).
    for (const std::string env : {"", "HDF5_USE_FILE_LOCKING=FALSE "}) {
      INFO(env);
      const rlsim_test::Result r = rlsim_test::shell(
          env + rlsim_test::rlsim_bin() + " run episodes=5 seeds=1 -q --overwrite --out " + path);
      INFO(r.out);
      CHECK(r.code == 1);
      CHECK_THAT(r.out, Catch::Contains(kHeldBy + pid));
      CHECK_THAT(r.out, !Catch::Contains("HDF5_USE_FILE_LOCKING"));
    }
    // None of them touched the file: it is byte for byte what the first writer flushed.
    CHECK(bytes_of(path) == before);
    first.write_run(make_run(1, 5, 0, false, false, 0));
    first.finish();
  }
  CHECK_FALSE(fs::exists(lock_file(path)));  // removed with the lock
  {
    rlsim::ExperimentReader r(path);
    CHECK(r.meta().complete);
    CHECK(r.run_indices() == std::vector<std::int64_t>{0, 1});
    CHECK(r.read_run(0).episodes.size() == 10);
  }
  // Once the first writer is done, the file can be written again.
  rlsim::ExperimentWriter again(path, make_meta(), rlsim::WriteMode::append);
  again.write_run(make_run(2, 3, 0, false, false, 0));
  again.finish();
  CHECK(rlsim::ExperimentReader(path).run_indices() == std::vector<std::int64_t>{0, 1, 2});
  fs::remove_all(d);
}

TEST_CASE("hdf5 lock: a lock file left by a killed writer is taken over", "[hdf5-lock]") {
  const fs::path d = rlsim_test::temp_dir("lock_stale");
  const std::string path = (d / "run.h5").string();
  std::ofstream(lock_file(path)) << "pid 999999 on host gone since 2001-01-01T00:00:00Z\n";
  {
    rlsim::ExperimentWriter w(path, make_meta());
    CHECK_THAT(rlsim_test::read_text(lock_file(path)),
               Catch::StartsWith("pid " + std::to_string(::getpid())));
    w.write_run(make_run(0, 4, 0, false, false, 0));
    w.finish();
  }
  CHECK_FALSE(fs::exists(lock_file(path)));
  CHECK(rlsim::ExperimentReader(path).meta().complete);
  // A writer that cannot start (no such file to append to) leaves no lock file behind.
  const std::string missing = (d / "missing.h5").string();
  CHECK_THROWS_WITH(rlsim::ExperimentWriter(missing, make_meta(), rlsim::WriteMode::append),
                    Catch::Contains("no such file"));
  CHECK_FALSE(fs::exists(lock_file(missing)));
  fs::remove_all(d);
}

TEST_CASE("hdf5 lock: run indices are below planned_runs", "[hdf5-lock]") {
  const fs::path d = rlsim_test::temp_dir("lock_planned");
  const std::string path = (d / "run.h5").string();
  rlsim::ExperimentMeta meta = make_meta();
  meta.planned_runs = 3;
  {
    rlsim::ExperimentWriter w(path, meta);
    w.write_run(make_run(2, 4, 0, false, false, 0));
    CHECK_THROWS_WITH(w.write_run(make_run(3, 4, 0, false, false, 0)),
                      Catch::Contains("plans 3 runs (indices 0 to 2)"));
    w.finish();
  }
  CHECK(rlsim::ExperimentReader(path).run_indices() == std::vector<std::int64_t>{2});
  fs::remove_all(d);
}

TEST_CASE("hdf5 lock: HDF5 prints no error dump from any thread", "[hdf5-lock]") {
  // HDF5 built thread-safe keeps its automatic error printing per thread: a failure in an
  // OpenMP worker or the writer's flusher thread printed HDF5's whole error stack.
  const fs::path d = rlsim_test::temp_dir("lock_quiet");
  const std::string missing = (d / "missing.h5").string();
  const std::string captured = (d / "stderr.txt").string();
  const int saved = ::dup(2);
  REQUIRE(saved >= 0);
  const int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  ::dup2(fd, 2);
  ::close(fd);
  hid_t id = 0;
  std::thread([&] {
    rlsim::hdf5::Lock lock;
    id = H5Fopen(missing.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    rlsim::hdf5::error_detail();
  }).join();
  ::dup2(saved, 2);
  ::close(saved);
  CHECK(id < 0);
  CHECK(rlsim_test::read_text(captured).empty());
  fs::remove_all(d);
}

TEST_CASE("hdf5 lock: a failed write names the system's error in one short clause", "[hdf5-lock]") {
  // HDF5's sec2 driver describes a failed write with the time, buffer address and byte
  // counts; rlsim's message keeps "file write failed: <strerror>". A child process writes
  // under a file size limit (SIGXFSZ ignored, so the write fails with EFBIG).
  const fs::path d = rlsim_test::temp_dir("hdf5_write_failed");
  const std::string path = (d / "big.h5").string();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit lim{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    rlsim::StateDict state;
    state["w"] = rlsim::ArrayRecord{{1 << 17}, std::vector<double>(1 << 17, 1.0)};  // 1 MiB
    try {
      rlsim::write_state_dict(path, "state", state);
    } catch (const Error& e) {
      const std::string m = e.what();
      const bool short_clause = m.find("file write failed: File too large)") != std::string::npos;
      const bool no_dump =
          m.find("buf = ") == std::string::npos && m.find("time = ") == std::string::npos;
      ::_exit(short_clause && no_dump ? 0 : 2);
    }
    ::_exit(1);  // no error at all
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(d);
}
