// Writing encoded run tables (run/chunk_encoder.hpp) into a run file: the HDF5 objects the
// writer reuses from run to run, and the datasets made from encoded columns.
//
// Contract: call under an hdf5::Lock. write_encoded creates a chunked dataset whose
// filters (shuffle, deflate at the column's level; none at level 0) say how its chunks were
// encoded, and writes the chunks as they are (H5Dwrite_chunk, HDF5 >= 1.10.2): the file is what
// HDF5 would have written had it compressed the column itself. Failures throw rlsim::Error naming
// the dataset. Reference: HDF5 1.10 H5Pset_chunk/H5Pset_shuffle/H5Pset_deflate, H5Dwrite_chunk,
// H5Pset_attr_phase_change, H5Pset_obj_track_times.
#pragma once
#include <hdf5.h>

#include <array>
#include <map>
#include <string>

#include "core/hdf5_handles.hpp"
#include "run/chunk_encoder.hpp"

namespace rlsim::runfile {

// HDF5 objects the writer reuses from run to run (under the HDF5 lock): creation property
// lists and a scalar dataspace, made once instead of per group, dataset and attribute.
struct WriteKit {
  // Groups (/groups/G, /runs/N and their tables): attributes stay in the object header
  // (compact storage) up to kMaxCompactAttrs; above HDF5's default of 8 a format 2 run
  // group's 12 attributes went to dense storage, a fractal heap and a B-tree per run. No
  // access/modification time stamps on groups and datasets (H5Pset_obj_track_times): one message
  // less per object, and the objects' bytes do not depend on when they were written.
  static constexpr unsigned kMaxCompactAttrs = 32;
  hdf5::PropList gcpl;
  hdf5::Dataspace scalar;
  // Dataset creation lists by (rank, chunk rows, columns, deflate level).
  std::map<std::array<hsize_t, 4>, hdf5::PropList> dcpls;

  void reset() {
    dcpls.clear();
    gcpl.reset();
    scalar.reset();
  }

  // Makes gcpl and scalar (`where`: the file, in messages).
  void init(const std::string& where);

  // The creation properties of the dataset of encoded column c (`what` in messages), made
  // on first use per (rank, chunk rows, columns, deflate level).
  hid_t dcpl(const EncodedColumn& c, const std::string& what);
};

// Creates the dataset of an encoded column in `group` (chunked, shuffle + deflate, the row
// dimension extendible so a 0-row table is a valid chunked dataset too) and writes its
// chunks as they are (H5Dwrite_chunk, HDF5 >= 1.10.2; filter mask 0: every filter applied).
void write_encoded(hid_t group, const EncodedColumn& c, const std::string& where, WriteKit& kit);

// write_encoded for every column of `columns`, in order.
void write_encoded_table(hid_t group, const EncodedTable& columns, const std::string& where,
                         WriteKit& kit);

}  // namespace rlsim::runfile
