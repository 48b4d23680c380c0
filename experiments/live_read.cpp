// writer_active and print_live_runs (experiments/live_read.hpp).
#include "experiments/live_read.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "experiments/progress.hpp"
#include "run/write_lock.hpp"

namespace rlsim {

bool writer_active(const std::string& run_file) {
  std::ifstream lock(runfile::WriteLock::lock_path(run_file));
  if (!lock) return false;  // no lock file: no writer (or one that closed the file)
  // "pid P on host H since T" (run/write_lock.cpp).
  std::string word, host;
  long pid = -1;
  while (lock >> word) {
    if (word == "pid") lock >> pid;
    if (word == "host") lock >> host;
  }
  if (pid <= 0) return true;  // being written right now, or unknown: assume alive
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || host != name) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

void print_live_runs(std::ostream& os, const std::vector<LiveRun>& runs) {
  for (const LiveRun& r : runs) {
    std::ostringstream line;
    line << "  run " << r.run_index << ": " << format_rate(static_cast<double>(r.steps))
         << " steps";
    const EvalTable& ev = r.evaluations;
    if (ev.size() > 0) {
      const std::int64_t at = ev.step.back();
      double sum = 0;
      std::int64_t n = 0;
      for (std::size_t i = ev.size(); i > 0 && ev.step[i - 1] == at; --i, ++n)
        sum += ev.returns[i - 1];
      line << ", eval " << std::setprecision(4) << sum / static_cast<double>(n) << " at step " << at
           << " (" << n << " episode" << (n == 1 ? "" : "s") << ")";
    }
    const DiagnosticsTable& d = r.diagnostics;
    if (d.size() > 0) {
      const std::size_t cols = d.names.size(), last = d.size() - 1;
      for (std::size_t c = 0; c < cols; ++c)
        line << (c == 0 ? ", " : " ") << d.names[c] << " " << std::setprecision(4)
             << d.values[last * cols + c];
    }
    os << line.str() << "\n";
  }
}

}  // namespace rlsim
