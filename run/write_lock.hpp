// rlsim's own writer lock of a run file (docs/log-format.md, "Crash safety and
// concurrency"): one ExperimentWriter per run file at a time, across processes and hosts,
// whatever HDF5's own file locking is set to (HDF5_USE_FILE_LOCKING=FALSE included).
//
// The lock is an advisory flock(2) on a sidecar file, the run file's path plus ".lock"
// (`results/x.h5.lock`), which holds "pid P on host H since T" of the writer. Why a
// sidecar and not a lock on the run file itself: HDF5 flock()s the run file with its own
// descriptor, and where flock is emulated by byte-range locks (NFS) an rlsim lock on the
// same file would conflict with the writer's own HDF5 lock; a sidecar never meets HDF5's.
// The writer takes the lock before it creates, truncates or opens the run file, so a
// refused second writer has not touched the file. Readers take no lock.
//
// Contract: WriteLock(path) throws rlsim::Error naming the run file, the holder's pid and
// host and the lock file when another writer holds the lock, or when the lock file cannot
// be created. On a file system without locks (flock fails with ENOLCK, ENOSYS, EOPNOTSUPP
// or EINVAL) it prints one warning line on stderr and goes on unlocked. The lock is
// released when the WriteLock is destroyed or the process ends (kill -9 included: a lock
// file left behind is not locked, and the next writer takes it over); the destructor
// removes the lock file. Taking the lock re-checks that the locked file is still the one at
// the lock path, so a lock file removed by the previous holder is never shared.
// Reference: flock(2), open(2) O_CLOEXEC.
#pragma once
#include <string>

namespace rlsim::runfile {

class WriteLock {
 public:
  WriteLock() = default;  // holds nothing
  explicit WriteLock(const std::string& run_file);
  ~WriteLock();
  WriteLock(WriteLock&& other) noexcept;
  WriteLock& operator=(WriteLock&& other) noexcept;
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

  // The lock file of `run_file`: its path plus ".lock" (for a symbolic link, the path of the
  // file it points to plus ".lock").
  static std::string lock_path(const std::string& run_file);

 private:
  void release() noexcept;
  int fd_ = -1;
  std::string lock_path_;
};

}  // namespace rlsim::runfile
