// File-space reservation and trimming declared in run/file_space.hpp.
#include "run/file_space.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"
#include "core/hdf5_util.hpp"

namespace rlsim::runfile {

using hdf5::check_status;
using hdf5::in_quotes;

void reserve_file_space(hid_t file, const std::string& path) {
  haddr_t eoa = 0;
  check_status(H5Fget_eoa(file, &eoa),
               "cannot read the allocated size of run file " + in_quotes(path));
  void* handle = nullptr;
  check_status(H5Fget_vfd_handle(file, H5P_DEFAULT, &handle),
               "cannot reach the file descriptor of run file " + in_quotes(path));
  const int fd = *static_cast<int*>(handle);
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(eoa + kFlushReserveBytes));
  // EINVAL/EOPNOTSUPP: the file system cannot reserve; the flush goes ahead unprotected.
  if (rc != 0 && rc != EINVAL && rc != EOPNOTSUPP)
    throw Error("cannot extend run file " + in_quotes(path) + " to " +
                std::to_string((eoa + kFlushReserveBytes) / 1024) +
                " KiB before flushing it: " + std::strerror(rc));
}

bool close_and_trim(hid_t file, const std::string& path, const std::function<bool()>& close) {
  haddr_t eoa = 0;
  const bool known = H5Fget_eoa(file, &eoa) >= 0;
  if (!close()) return false;
  std::error_code ec;
  if (known && std::filesystem::file_size(path, ec) > eoa && !ec)
    std::filesystem::resize_file(path, eoa, ec);  // best effort: the zeros are harmless
  return true;
}

}  // namespace rlsim::runfile
