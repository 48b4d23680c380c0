// WorkerPool: a fixed set of threads, created once, that share the blocks of one job per call
// of run(), for rlsim.make_vec (python/src/vector_env.cpp), which calls it once per step.
//
// Contract: run(blocks, job) calls job(b) once for every b in [0, blocks), on the calling
// thread and the workers, and returns when every call has returned. Blocks are claimed one at
// a time from a shared ticket (dynamic scheduling), and the caller claims too: when a worker
// is not running (the machine is busy, or it is still waking up), the caller steps its
// blocks instead of waiting for it, so a step never waits for a thread that has not started
// its share; it waits only for blocks already claimed. Which thread runs a block is
// therefore not fixed: jobs must write only their own block's data. Jobs must not throw (the
// caller catches inside the job).
//
// Between calls the workers wait for the next one: they spin for a short while (a step from
// Python arrives within microseconds when the loop is tight), then sleep on the epoch counter
// (std::atomic::wait, a futex on Linux), so an idle pool costs no CPU. Unlike an OpenMP
// parallel region opened per step, no thread is created or handed out per call. Not
// reentrant: one run() at a time (the Python wrapper calls it with the env held).
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace rlsim::python {

class WorkerPool {
 public:
  // `threads` >= 1 counts the caller: threads - 1 workers are started.
  explicit WorkerPool(int threads) {
    for (int k = 1; k < threads; ++k) workers_.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    stop_.store(true, std::memory_order_relaxed);
    epoch_.fetch_add(1, std::memory_order_release);
    epoch_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  template <class Job>
  void run(std::uint32_t blocks, const Job& job) {
    if (workers_.empty() || blocks <= 1) {
      for (std::uint32_t b = 0; b < blocks; ++b) job(b);
      return;
    }
    // Type-erased without std::function (which could allocate per call).
    job_ = &job;
    call_ = [](const void* j, std::uint32_t b) { (*static_cast<const Job*>(j))(b); };
    blocks_.store(blocks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    const std::uint64_t e = ++calls_;
    ticket_.store(e << 32, std::memory_order_release);  // publishes job_, call_, blocks_
    epoch_.store(e, std::memory_order_release);
    epoch_.notify_all();
    claim_blocks(e);
    for (std::uint32_t d; (d = done_.load(std::memory_order_acquire)) != blocks;)
      if (!spin_until_changed(done_, d)) done_.wait(d, std::memory_order_acquire);
  }

 private:
  // Spins (with the CPU's pause hint) until `a` no longer holds `seen`; false when it still
  // does after the spin budget (2,000 pause instructions: microseconds to 0.1 ms, by CPU),
  // when the caller should sleep.
  template <class T>
  static bool spin_until_changed(const std::atomic<T>& a, T seen) {
    for (int i = 0; i < kSpins; ++i) {
      if (a.load(std::memory_order_acquire) != seen) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    return false;
  }

  // Claims and runs blocks of call `e` until none are left (or the call is over: a worker
  // that woke late finds a newer ticket and leaves it alone).
  void claim_blocks(std::uint64_t e) {
    std::uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
      if ((t >> 32) != e) return;
      const std::uint32_t blocks = blocks_.load(std::memory_order_relaxed);
      const auto b = static_cast<std::uint32_t>(t & 0xffffffffu);
      if (b >= blocks) return;
      if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
        continue;
      call_(job_, b);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == blocks) done_.notify_one();
      t = ticket_.load(std::memory_order_acquire);
    }
  }

  void work() {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t now;
      while ((now = epoch_.load(std::memory_order_acquire)) == seen)
        if (!spin_until_changed(epoch_, seen)) epoch_.wait(seen, std::memory_order_acquire);
      seen = now;
      if (stop_.load(std::memory_order_relaxed)) return;
      claim_blocks(now);
    }
  }

  static constexpr int kSpins = 2000;
  std::vector<std::thread> workers_;
  std::uint64_t calls_ = 0;               // the caller's count of run() calls
  std::atomic<std::uint64_t> epoch_{0};   // the latest call, for sleeping workers
  std::atomic<std::uint64_t> ticket_{0};  // call << 32 | next unclaimed block
  std::atomic<std::uint32_t> blocks_{0};
  std::atomic<std::uint32_t> done_{0};  // blocks finished in the current call
  std::atomic<bool> stop_{false};
  const void* job_ = nullptr;
  void (*call_)(const void*, std::uint32_t) = nullptr;
};

}  // namespace rlsim::python
