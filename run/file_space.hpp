// File-space reservation for the run-file writer's flushes (the crash-safety design in
// run/hdf5_log.hpp and docs/architecture.md): before a flush writes metadata, the file's
// blocks are reserved with posix_fallocate, so that a full disk or the file size limit
// fails the flush before it has touched the file; when the file is closed the reserve is
// cut off again.
//
// Contract: call under an hdf5::Lock, on a file the writer has open read-write.
// reserve_file_space throws rlsim::Error naming the file when the space cannot be
// reserved (ENOSPC, EFBIG, EIO, ...); on file systems that cannot reserve (EINVAL,
// EOPNOTSUPP) it does nothing. close_and_trim never throws.
// Reference: POSIX posix_fallocate; HDF5 1.10 H5Fget_eoa, H5Fget_vfd_handle (sec2 driver).
#pragma once
#include <hdf5.h>

#include <functional>
#include <string>

namespace rlsim::runfile {

// Bytes past the end of the file's allocated space that reserve_file_space also reserves:
// room for metadata HDF5 may place there while flushing.
inline constexpr hsize_t kFlushReserveBytes = 64u << 10;

// Makes the file on disk at least as long as the space HDF5 has allocated in it, plus
// kFlushReserveBytes, with its blocks reserved (posix_fallocate). A flush overwrites some
// metadata in place (chunk indexes, object headers) and records the new end of the file
// last; if the disk filled up or the file size limit was hit half-way, the file would hold
// new metadata that point past its recorded end, and be unreadable. Reserving first makes
// "disk full" or "file too large" fail here, before the flush has touched anything, so the
// file stays the state of the last flush. HDF5 cuts the file back to its used length when
// it is closed; a killed writer leaves at most kFlushReserveBytes of zeros at the end,
// which readers ignore.
void reserve_file_space(hid_t file, const std::string& path);

// Closes the writer's file (close: closes the open objects and the file), then cuts the
// file back to the space HDF5 uses: the reserve of reserve_file_space (HDF5 does not
// truncate a file it did not extend itself). False if the close failed.
bool close_and_trim(hid_t file, const std::string& path, const std::function<bool()>& close);

}  // namespace rlsim::runfile
