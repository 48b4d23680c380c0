// The writer's reusable HDF5 objects and the encoded-column datasets declared in
// run/write_kit.hpp.
#include "run/write_kit.hpp"

#include <utility>

namespace rlsim::runfile {

using hdf5::check_status;

void WriteKit::init(const std::string& where) {
  gcpl = hdf5::PropList(H5Pcreate(H5P_GROUP_CREATE), "cannot create properties for " + where);
  check_status(H5Pset_attr_phase_change(gcpl.get(), kMaxCompactAttrs, kMaxCompactAttrs - 1),
               "cannot set the attribute storage of " + where);
  check_status(H5Pset_obj_track_times(gcpl.get(), false), "cannot set the time stamps of " + where);
  scalar = hdf5::Dataspace(H5Screate(H5S_SCALAR), "cannot create a scalar dataspace");
}

hid_t WriteKit::dcpl(const EncodedColumn& c, const std::string& what) {
  const std::array<hsize_t, 4> key{static_cast<hsize_t>(c.rank), c.chunk_rows, c.cols, c.level};
  auto it = dcpls.find(key);
  if (it != dcpls.end()) return it->second.get();
  const hsize_t chunk[2] = {c.chunk_rows, c.cols};
  hdf5::PropList p(H5Pcreate(H5P_DATASET_CREATE), "cannot create properties for " + what);
  check_status(H5Pset_chunk(p.get(), c.rank, chunk), "cannot set chunking of " + what);
  if (c.level > 0) {  // level 0: stored as it is, no filters
    check_status(H5Pset_shuffle(p.get()), "cannot set the shuffle filter of " + what);
    check_status(H5Pset_deflate(p.get(), c.level), "cannot set deflate compression of " + what);
  }
  check_status(H5Pset_obj_track_times(p.get(), false), "cannot set the time stamps of " + what);
  // A long run has many distinct chunk row counts: keep the cache small.
  if (dcpls.size() >= 64) dcpls.clear();
  return dcpls.emplace(key, std::move(p)).first->second.get();
}

void write_encoded(hid_t group, const EncodedColumn& c, const std::string& where, WriteKit& kit) {
  const std::string what = "dataset " + where + "/" + c.name;
  const hsize_t dims[2] = {c.rows, c.cols};
  const hsize_t maxdims[2] = {H5S_UNLIMITED, c.cols};
  hdf5::Dataspace space(H5Screate_simple(c.rank, dims, maxdims),
                        "cannot create the dataspace of " + what);
  const hid_t dcpl = kit.dcpl(c, what);
  hdf5::Dataset ds(
      H5Dcreate2(group, c.name, c.file_type(), space.get(), H5P_DEFAULT, dcpl, H5P_DEFAULT),
      "cannot create " + what);
  std::size_t start = 0;
  for (std::size_t k = 0; k < c.ends.size(); ++k) {
    const hsize_t offset[2] = {static_cast<hsize_t>(k) * c.chunk_rows, 0};
    check_status(
        H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, offset, c.ends[k] - start, c.bytes.data() + start),
        "cannot write " + what);
    start = c.ends[k];
  }
  if (!ds.reset()) hdf5::fail("cannot write " + what);
}

void write_encoded_table(hid_t group, const EncodedTable& columns, const std::string& where,
                         WriteKit& kit) {
  for (const EncodedColumn& c : columns) write_encoded(group, c, where, kit);
}

}  // namespace rlsim::runfile
