// WorkerPool: a fixed set of threads, created once, that share one job per call of run(), for
// VectorEnv (run/vector_env.hpp, behind the runner's env copies and rlsim.make_vec), which
// calls it once per step when it steps its copies in parallel.
//
// Contract: run(job) calls job(b) once for every block b in [0, size()), on the calling
// thread and the workers, and returns when every call has returned. Block 0 is the caller's;
// block k >= 1 is worker k's, unless the worker has not claimed it by the time the caller has
// finished block 0: then the caller runs it (the machine is busy, or the worker is still
// waking up), so a step never waits for a thread that has not started its share; it waits
// only for blocks already claimed. Which thread runs a block is therefore not fixed: jobs
// must write only their own block's data. Jobs must not throw (the caller catches inside the
// job). Not reentrant: one run() at a time (its VectorEnv is stepped by one thread at a time).
// run(job, false) never steals: block k always runs on worker k (for tests of the workers'
// path, which a busy machine would otherwise leave to the caller).
//
// The hand-off is as cheap as one cache line per worker makes it (issue 18): worker k owns a
// cache-line-padded slot whose `state` word holds the call's sequence number and a phase
// (posted, claimed, done). The caller posts a call by storing into each slot; the worker,
// spinning on its own line, claims the call with one compare-exchange on that line, runs its
// block and stores "done"; the caller, after its own block, steals any slot still "posted"
// (the same compare-exchange) and spins on the others until they read "done". So a call
// moves each worker's line to the worker and back, nothing else: no shared counter that every
// thread increments (the previous pool's ticket and done counter, each a contended line).
// The floor is the round trip of one cache line between two cores (bench/python_env_bench.py
// measures it beside make_vec: rlsim._rlsim.bench_ping_pong_ns).
//
// Idle threads sleep: a worker spins on its slot for at most kSpin (100 µs: a step from a
// tight Python loop arrives within microseconds) and then sleeps on a futex (std::atomic::wait
// on its slot's `bell`); the caller rings the bell only if the worker said it sleeps, so a
// call to awake workers makes no system call. The caller waiting for a claimed block spins for
// at most kSpin too, then sleeps on the pool's own bell, which a worker rings after "done"
// only if the caller said it sleeps. Both sleep protocols are Dekker-style: the sleeper stores
// its flag and then re-reads the state, the waker stores the state and then reads the flag,
// all sequentially consistent, so at least one of them sees the other and no wake-up is lost.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace rlsim {

class WorkerPool {
 public:
  // `threads` >= 1 counts the caller: threads - 1 workers are started.
  explicit WorkerPool(int threads)
      : count_(threads > 1 ? static_cast<std::size_t>(threads - 1) : 0),
        slots_(std::make_unique<Slot[]>(count_)) {
    for (std::size_t k = 0; k < count_; ++k)
      workers_.emplace_back([this, k] { work(slots_[k], static_cast<std::uint32_t>(k + 1)); });
  }
  ~WorkerPool() {
    const std::uint64_t stop = (++calls_ << 2) | kStop;
    for (std::size_t k = 0; k < count_; ++k) post(slots_[k], stop);
    for (std::thread& t : workers_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Blocks of a call: the caller and its workers.
  int size() const { return static_cast<int>(count_) + 1; }

  template <class Job>
  void run(const Job& job, bool steal = true) {
    if (count_ == 0) {
      job(0);
      return;
    }
    // Type-erased without std::function (which could allocate per call), and written into
    // each slot, on the line its worker reads anyway: published by the sequentially
    // consistent store of the slot's state, read by the worker after its acquiring claim.
    const auto call = [](const void* j, std::uint32_t b) { (*static_cast<const Job*>(j))(b); };
    const std::uint64_t seq = ++calls_ << 2;
    for (std::size_t k = 0; k < count_; ++k) {
      slots_[k].job = &job;
      slots_[k].call = call;
      post(slots_[k], seq | kPosted);
    }
    job(0);
    // Blocks not claimed yet are the caller's (their worker is not running); then wait for
    // the claimed ones.
    for (std::size_t k = 0; k < count_ && steal; ++k) {
      std::uint64_t expected = seq | kPosted;
      if (slots_[k].state.compare_exchange_strong(expected, seq | kClaimed,
                                                  std::memory_order_acquire)) {
        job(static_cast<std::uint32_t>(k + 1));
        slots_[k].state.store(seq | kDone, std::memory_order_relaxed);
      }
    }
    for (std::size_t k = 0; k < count_; ++k) wait_done(slots_[k], seq | kDone);
  }

 private:
  enum : std::uint64_t { kDone = 0, kPosted = 1, kClaimed = 2, kStop = 3 };
  static constexpr std::chrono::nanoseconds kSpin{100'000};

  struct alignas(64) Slot {
    std::atomic<std::uint64_t> state{0};  // call << 2 | phase (kDone, kPosted, kClaimed, kStop)
    std::atomic<std::uint32_t> bell{0};   // futex word the sleeping worker waits on
    std::atomic<std::uint32_t> sleeping{0};
    const void* job = nullptr;  // the call's job, written by the caller before it posts
    void (*call)(const void*, std::uint32_t) = nullptr;
  };

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  // Spins (with the CPU's pause hint) while `pred()` is false, for at most kSpin; returns
  // whether it became true. The clock is read every 64 pauses (a few µs).
  template <class Pred>
  static bool spin(const Pred& pred) {
    const auto start = std::chrono::steady_clock::now();
    for (std::uint32_t i = 1;; ++i) {
      if (pred()) return true;
      pause();
      if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kSpin) return false;
    }
  }

  static void post(Slot& s, std::uint64_t state) {
    s.state.store(state, std::memory_order_seq_cst);
    if (s.sleeping.load(std::memory_order_seq_cst)) {
      s.bell.fetch_add(1, std::memory_order_release);
      s.bell.notify_one();
    }
  }

  // Returns the slot's state once it differs from `seen`: spins, then sleeps.
  static std::uint64_t wait_change(Slot& s, std::uint64_t seen) {
    std::uint64_t now = seen;
    if (spin([&] { return (now = s.state.load(std::memory_order_acquire)) != seen; })) return now;
    for (;;) {
      const std::uint32_t bell = s.bell.load(std::memory_order_acquire);
      s.sleeping.store(1, std::memory_order_seq_cst);
      if (s.state.load(std::memory_order_seq_cst) == seen)
        s.bell.wait(bell, std::memory_order_acquire);
      s.sleeping.store(0, std::memory_order_relaxed);
      if ((now = s.state.load(std::memory_order_acquire)) != seen) return now;
    }
  }

  // The caller's wait for worker's block: spins, then sleeps on the pool's bell.
  void wait_done(Slot& s, std::uint64_t done) {
    if (spin([&] { return s.state.load(std::memory_order_acquire) == done; })) return;
    for (;;) {
      const std::uint32_t bell = caller_bell_.load(std::memory_order_acquire);
      caller_sleeping_.store(1, std::memory_order_seq_cst);
      if (s.state.load(std::memory_order_seq_cst) == done) break;
      caller_bell_.wait(bell, std::memory_order_acquire);
    }
    caller_sleeping_.store(0, std::memory_order_relaxed);
  }

  void work(Slot& s, std::uint32_t block) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t now = wait_change(s, seen);
      // Claim a posted call. A failed claim reloads `now`: the caller took the call over and
      // may already have posted the next one, which is then tried in turn (taking the
      // reloaded value as seen would leave the worker waiting for a change that never comes
      // while the caller waits for it: found by a stress test with stealing off).
      while ((now & 3) == kPosted &&
             !s.state.compare_exchange_weak(now, (now & ~std::uint64_t{3}) | kClaimed,
                                            std::memory_order_acquire)) {
      }
      if ((now & 3) == kStop) return;
      if ((now & 3) == kPosted) {  // claimed
        s.call(s.job, block);
        now = now & ~std::uint64_t{3};  // kDone
        s.state.store(now, std::memory_order_seq_cst);
        if (caller_sleeping_.load(std::memory_order_seq_cst)) {
          caller_bell_.fetch_add(1, std::memory_order_release);
          caller_bell_.notify_one();
        }
      }
      seen = now;
    }
  }

  const std::size_t count_;  // workers
  std::unique_ptr<Slot[]> slots_;
  std::vector<std::thread> workers_;
  std::uint64_t calls_ = 0;  // the caller's count of run() calls
  alignas(64) std::atomic<std::uint32_t> caller_bell_{0};
  std::atomic<std::uint32_t> caller_sleeping_{0};
};

}  // namespace rlsim
