// Private helpers for rlsim's use of the HDF5 C API (run/hdf5_log.cpp): the process-wide
// lock, RAII owners for hid_t identifiers, and conversion of HDF5 failures into
// rlsim::Error.
//
// Contract: every HDF5 call in rlsim is made while an hdf5::Lock is held, because libhdf5
// may be built without thread safety (Debian's 1.10 serial build has it; rlsim does not
// rely on it). Taking the lock also switches off HDF5's automatic error printing
// (H5Eset_auto2, in the calling thread), so failures reach the user only as
// rlsim::Error messages that name the file and object, with HDF5's own innermost error
// description appended. Handles close their identifier on destruction; destroy them while
// the lock is still held (declare them inside the locked scope).
// Reference: HDF5 1.10 reference manual (H5E, H5I, H5F/H5G/H5D/H5A/H5S/H5T/H5P close calls).
#pragma once
#include <hdf5.h>

#include <mutex>
#include <string>
#include <utility>

namespace rlsim::hdf5 {

// The one lock around all HDF5 use in the process. Recursive, so helpers that lock may call
// each other.
std::recursive_mutex& mutex();

// Holds mutex() for its lifetime; the first Lock in each thread turns off HDF5's automatic
// error printing for that thread.
class Lock {
 public:
  Lock();
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  std::lock_guard<std::recursive_mutex> guard_;
};

// HDF5's innermost error description on the current error stack (e.g. "truncated file:
// eof = 1024, ..."), or "" when the stack is empty; clears the stack. Call under a Lock.
std::string error_detail();

// Throws rlsim::Error(what + HDF5's error detail, if any). Call under a Lock.
[[noreturn]] void fail(const std::string& what);

// Returns id, or throws fail(what) when id < 0.
inline hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}
// Throws fail(what) when an herr_t/htri_t status is negative.
inline void check_status(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

// Owner of one HDF5 identifier, closed with Close. Move-only.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  // Takes `id`, throwing fail(what) if it is negative (the failed call's result).
  Handle(hid_t id, const std::string& what) : id_(check(id, what)) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, -1)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, -1);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  // Gives up ownership without closing (the identifier stays open until the process ends).
  hid_t release() { return std::exchange(id_, -1); }
  explicit operator bool() const { return id_ >= 0; }
  // Closes now; returns false if HDF5 reported an error while closing.
  bool reset() {
    bool ok = true;
    if (id_ >= 0) ok = Close(id_) >= 0;
    id_ = -1;
    return ok;
  }

 private:
  hid_t id_ = -1;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Attribute = Handle<H5Aclose>;
using Datatype = Handle<H5Tclose>;
using PropList = Handle<H5Pclose>;

}  // namespace rlsim::hdf5
