// Reading numeric HDF5 datasets as doubles: core/numeric_dataset.hpp.
#include "core/numeric_dataset.hpp"

#include <hdf5.h>

#include <fstream>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"

namespace rlsim {

bool is_hdf5_file(const std::string& path) {
  hdf5::Lock lock;
  if (H5Fis_hdf5(path.c_str()) > 0) return true;
  hdf5::error_detail();  // clear the stack
  return false;
}

NumericDataset read_numeric_dataset(const std::string& path, const std::string& dataset) {
  const std::string where = path + ":" + dataset;
  hdf5::Lock lock;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    hdf5::error_detail();  // clear the stack
    std::ifstream probe(path);
    throw Error(where + (probe ? ": the file is not an HDF5 file"
                               : ": cannot open the file: give a readable HDF5 file"));
  }
  hdf5::File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), where + ": cannot open");
  if (H5Lexists(file.get(), dataset.c_str(), H5P_DEFAULT) <= 0 ||
      H5Oexists_by_name(file.get(), dataset.c_str(), H5P_DEFAULT) <= 0) {
    hdf5::error_detail();
    throw Error(where + ": no such dataset in the file");
  }
  hdf5::Dataset ds(H5Dopen2(file.get(), dataset.c_str(), H5P_DEFAULT),
                   where + ": cannot open the dataset (is it a group?)");
  hdf5::Datatype type(H5Dget_type(ds.get()), where + ": cannot read the dtype");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw Error(where + ": the dataset's dtype is not numeric (" +
                (cls == H5T_STRING     ? std::string("string")
                 : cls == H5T_COMPOUND ? std::string("compound")
                                       : std::string("HDF5 class ") + std::to_string(cls)) +
                "): store integers or floating-point numbers");
  hdf5::Dataspace space(H5Dget_space(ds.get()), where + ": cannot read the shape");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) hdf5::fail(where + ": cannot read the shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank), 0);
  if (rank > 0 && H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr) < 0)
    hdf5::fail(where + ": cannot read the shape");
  NumericDataset out;
  std::size_t n = 1;
  for (hsize_t d : dims) {
    out.shape.push_back(static_cast<std::int64_t>(d));
    n *= static_cast<std::size_t>(d);
  }
  out.values.resize(n);
  if (n > 0)
    hdf5::check_status(
        H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()),
        where + ": cannot read the values");
  return out;
}

}  // namespace rlsim
