// The process-wide HDF5 lock and error helpers declared in core/hdf5_handles.hpp.
#include "core/hdf5_handles.hpp"

#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace hdf5 {

std::recursive_mutex& mutex() {
  static std::recursive_mutex m;
  return m;
}

Lock::Lock() : guard_(mutex()) {
  static bool started = false;
  if (!started) {
    // No flush of files left open at exit: a writer that hit a write error leaves its file
    // open on purpose, so that the last good flush stays what is on disk (the first HDF5
    // call of the process, so that it takes effect).
    H5dont_atexit();
    started = true;
  }
  // Automatic error printing is a setting of each thread's error stack when HDF5 is built
  // thread-safe (Debian's is): turn it off in every thread that calls HDF5 (OpenMP workers
  // and the run-file flusher write too), else their failures print HDF5's error dump.
  thread_local bool quiet = false;
  if (!quiet) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    quiet = true;
  }
}

namespace {
herr_t innermost_error(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err && err->desc) {
    // One line: HDF5's descriptions may hold ctime()'s newline.
    std::string desc = err->desc;
    for (char& c : desc)
      if (c == '\n' || c == '\r') c = ' ';
    // The sec2 driver's I/O failures ("file write failed: time = …, filename = …, errno = 28,
    // error message = 'No space left on device', buf = 0x…, …") keep only what a user can act
    // on: "file write failed: No space left on device".
    const std::string key = "error message = '";
    const auto at = desc.find(key), head = desc.find(": time = ");
    if (at != std::string::npos && head != std::string::npos) {
      const auto from = at + key.size(), to = desc.find('\'', from);
      if (to != std::string::npos)
        desc = desc.substr(0, head) + ": " + desc.substr(from, to - from);
    }
    *static_cast<std::string*>(data) = desc;
  }
  return 0;
}
}  // namespace

std::string error_detail() {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_error, &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail;
}

void fail(const std::string& what) {
  const std::string detail = error_detail();
  if (detail.empty()) throw Error(what);
  throw Error(what + " (HDF5: " + detail + ")");
}

}  // namespace hdf5

}  // namespace rlsim
