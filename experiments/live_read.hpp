// Reading a run file that an experiment is still writing (docs/log-format.md, "Live rows"):
// whether its writer is alive, reads retried when they overlap a flush, and the lines that
// show the runs in progress. Used by `rlsim watch`, `rlsim analyze` and `rlsim plot`.
//
// Contract: readers never take or probe rlsim's writer lock (a probe could make a writer
// starting at that moment fail): writer_active() only reads the lock file's text and, on
// this host, asks whether the pid it names is alive (kill(pid, 0)). A read that overlaps a
// flush can find the file's metadata half written; read_while_written() then retries it,
// 100 ms apart, as long as a writer is active.
#pragma once
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "run/hdf5_log.hpp"

namespace rlsim {

// True when the run file's lock file (run/write_lock.hpp) is there and names a process that
// is alive (on another host: assumed alive).
bool writer_active(const std::string& run_file);

// f(), retried up to `tries` times 100 ms apart while it throws rlsim::Error and a writer
// is active; the last error is rethrown.
template <class F>
auto read_while_written(const std::string& run_file, F&& f, int tries = 20) -> decltype(f()) {
  for (int attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const Error&) {
      if (attempt >= tries || !writer_active(run_file)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

// One line per run in progress: "  run 3: 12.3k steps, eval 187.2 at step 10000 (10
// episodes), loss 0.013 ...": its steps, its last evaluation's mean return and its last
// diagnostics row.
void print_live_runs(std::ostream& os, const std::vector<LiveRun>& runs);

}  // namespace rlsim
