// LiveRowBuffer (run/live_rows.hpp): the rows of runs in progress, held in memory.
#include "run/live_rows.hpp"

#include <cstdlib>
#include <thread>

#include "core/error.hpp"

namespace rlsim {

LiveRowBuffer::LiveRowBuffer(double min_seconds) : min_seconds_(min_seconds) {
  const char* text = std::getenv("RLSIM_TEST_LIVE_CRASH");
  if (!text || !*text) return;
  for (const char* p = text;; ++p) {
    char* end = nullptr;
    const long long v = std::strtoll(p, &end, 10);
    if (end == p || v < 0 || (*end != '\0' && *end != ','))
      throw Error("environment variable RLSIM_TEST_LIVE_CRASH is '" + std::string(text) +
                  "': expected run indices separated by commas, such as 1 or 0,1 (a test hook: "
                  "see run/live_rows.hpp), or leave it unset");
    crash_runs_.insert(v);
    p = end;
    if (*p == '\0') break;
  }
}

void LiveRowBuffer::update(const RunInfo& run, std::int64_t steps, const EvalTable& evaluations,
                           const DiagnosticsTable* diagnostics) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    copy_new_rows(run, steps, evaluations, diagnostics, std::chrono::steady_clock::now());
  }
  if (crash_runs_.count(run.run_index) == 0 || evaluations.size() == 0) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!crash_held_.insert(run.run_index).second) return;  // held once
  }
  // The test hook: the run stops here, once (for at most 60 s, then goes on, and the test
  // that expected the crash fails), becoming live after min_seconds; its process is killed
  // meanwhile (the writer's after_flush(), or mpirun when rank 0 dies).
  for (int i = 0; i < 1200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::lock_guard<std::mutex> lock(mutex_);
    copy_new_rows(run, steps, evaluations, diagnostics, std::chrono::steady_clock::now());
  }
}

void LiveRowBuffer::copy_new_rows(const RunInfo& run, std::int64_t steps,
                                  const EvalTable& evaluations, const DiagnosticsTable* diagnostics,
                                  std::chrono::steady_clock::time_point now) {
  auto [it, added] = runs_.try_emplace(run.run_index);
  Run& r = it->second;
  if (added) r.first_seen = now;
  if (!r.live) {
    if (std::chrono::duration<double>(now - r.first_seen).count() < min_seconds_) return;
    r.live = true;
    r.info = run;
  }
  if (steps != r.steps) {
    r.steps = steps;
    r.steps_changed = true;
  }
  for (std::size_t i = r.eval_seen; i < evaluations.size(); ++i) {
    r.eval.step.push_back(evaluations.step[i]);
    r.eval.returns.push_back(evaluations.returns[i]);
    r.eval.lengths.push_back(evaluations.lengths[i]);
  }
  r.eval_seen = evaluations.size();
  if (diagnostics && !diagnostics->names.empty()) {
    if (r.diag.names.empty()) r.diag.names = diagnostics->names;
    const std::size_t cols = diagnostics->names.size();
    for (std::size_t i = r.diag_seen; i < diagnostics->size(); ++i) {
      r.diag.step.push_back(diagnostics->step[i]);
      r.diag.values.insert(
          r.diag.values.end(), diagnostics->values.begin() + static_cast<std::ptrdiff_t>(i * cols),
          diagnostics->values.begin() + static_cast<std::ptrdiff_t>((i + 1) * cols));
    }
    r.diag_seen = diagnostics->size();
  }
  pending_.store(true, std::memory_order_relaxed);
}

std::vector<LiveRows> LiveRowBuffer::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<LiveRows> out;
  if (!pending_.load(std::memory_order_relaxed)) return out;
  for (auto& [index, r] : runs_) {
    if (!has_news(r)) continue;
    LiveRows rows;
    rows.info = r.info;
    rows.steps = r.steps;
    rows.eval = std::move(r.eval);
    rows.diag.names = r.diag.names;
    rows.diag.step = std::move(r.diag.step);
    rows.diag.values = std::move(r.diag.values);
    r.eval = EvalTable{};
    r.diag.step.clear();
    r.diag.values.clear();
    r.steps_changed = false;
    r.in_file = true;  // here: handed over once (the next take() sends changes only)
    out.push_back(std::move(rows));
  }
  pending_.store(false, std::memory_order_relaxed);
  return out;
}

void LiveRowBuffer::add(const LiveRows& rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, added] = runs_.try_emplace(rows.info.run_index);
  Run& r = it->second;
  if (added) r.first_seen = std::chrono::steady_clock::now();
  if (!r.live) {
    r.live = true;
    r.info = rows.info;
  }
  if (rows.steps != r.steps) {
    r.steps = rows.steps;
    r.steps_changed = true;
  }
  r.eval.step.insert(r.eval.step.end(), rows.eval.step.begin(), rows.eval.step.end());
  r.eval.returns.insert(r.eval.returns.end(), rows.eval.returns.begin(), rows.eval.returns.end());
  r.eval.lengths.insert(r.eval.lengths.end(), rows.eval.lengths.begin(), rows.eval.lengths.end());
  if (!rows.diag.names.empty()) {
    if (r.diag.names.empty()) r.diag.names = rows.diag.names;
    if (rows.diag.names != r.diag.names ||
        rows.diag.values.size() != rows.diag.step.size() * rows.diag.names.size())
      throw Error("live rows of run " + std::to_string(rows.info.run_index) +
                  " came with other diagnostics columns than before (a bug: please report it)");
    r.diag.step.insert(r.diag.step.end(), rows.diag.step.begin(), rows.diag.step.end());
    r.diag.values.insert(r.diag.values.end(), rows.diag.values.begin(), rows.diag.values.end());
  }
  pending_.store(true, std::memory_order_relaxed);
}

void LiveRowBuffer::forget(std::int64_t run_index) {
  std::lock_guard<std::mutex> lock(mutex_);
  runs_.erase(run_index);
}

}  // namespace rlsim
