// The writer lock of a run file, declared in run/write_lock.hpp.
#include "run/write_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <utility>

#include "core/error.hpp"
#include "core/hdf5_util.hpp"

namespace rlsim::runfile {

namespace {

using hdf5::in_quotes;

// What the holder wrote into the lock file ("pid P on host H since T"), or "".
std::string holder_of(int fd) {
  char buf[512] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

std::string this_holder() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "?");
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return "pid " + std::to_string(::getpid()) + " on host " + host + " since " + when + "\n";
}

}  // namespace

std::string WriteLock::lock_path(const std::string& run_file) {
  // Through a symbolic link, the lock of the file it names: every path to it shares one.
  std::error_code ec;
  if (std::filesystem::is_symlink(run_file, ec)) {
    const std::filesystem::path target = std::filesystem::canonical(run_file, ec);
    if (!ec) return target.string() + ".lock";
  }
  return run_file + ".lock";
}

WriteLock::WriteLock(const std::string& run_file) {
  const std::string lock = lock_path(run_file);
  // A few tries: the file we locked may have been removed by a holder that just finished
  // (it removes its lock file before releasing the lock); then lock the new one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw Error("cannot lock run file " + in_quotes(run_file) + " for writing: cannot create " +
                  "its lock file " + in_quotes(lock) + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const std::string holder = holder_of(fd);
        ::close(fd);
        throw Error(
            "run file " + in_quotes(run_file) + " is being written by another rlsim process (" +
            (holder.empty() ? std::string("its pid is not recorded yet") : holder) +
            "; lock file " + in_quotes(lock) + "): wait for it to end, or write to another file");
      }
      ::close(fd);
      if (err == ENOLCK || err == ENOSYS || err == EOPNOTSUPP || err == EINVAL) {
        std::cerr << "rlsim: warning: cannot lock run file " << in_quotes(run_file)
                  << " (the file system of " << in_quotes(lock)
                  << " has no locks: " << std::strerror(err)
                  << "); make sure no other rlsim process writes it at the same time\n";
        return;
      }
      throw Error("cannot lock run file " + in_quotes(run_file) + " for writing: flock on " +
                  in_quotes(lock) + " failed: " + std::strerror(err));
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(fd, &locked) == 0 && ::stat(lock.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino) {
      fd_ = fd;
      lock_path_ = lock;
      // Who holds it, for the message of a refused writer (best effort: a full disk may
      // refuse these bytes, and the lock holds without them).
      const std::string holder = this_holder();
      if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t n = ::pwrite(fd, holder.data(), holder.size(), 0);
      }
      return;
    }
    ::close(fd);  // removed or replaced since we opened it: try again
  }
  throw Error("cannot lock run file " + in_quotes(run_file) + " for writing: its lock file " +
              in_quotes(lock) + " keeps being replaced");
}

void WriteLock::release() noexcept {
  if (fd_ < 0) return;
  // Remove the lock file while still holding the lock: a writer waiting on this file finds
  // it removed after it gets the lock, and locks a new one.
  ::unlink(lock_path_.c_str());
  ::close(fd_);
  fd_ = -1;
}

WriteLock::~WriteLock() {
  release();
}

WriteLock::WriteLock(WriteLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), lock_path_(std::move(other.lock_path_)) {}

WriteLock& WriteLock::operator=(WriteLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    lock_path_ = std::move(other.lock_path_);
  }
  return *this;
}

}  // namespace rlsim::runfile
