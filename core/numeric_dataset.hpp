// Numeric HDF5 datasets read as doubles, for components that take numeric data from HDF5
// files (the bandit problems' data sets, bandits/problems/numeric_table.cpp) without
// dealing with HDF5 themselves.
//
// Contract: read_numeric_dataset(path, dataset) opens the HDF5 file `path` read-only and
// returns the dataset at `dataset` (a path inside the file, e.g. "/features" or
// "group/x"), of any integer or floating-point type, converted to double: its shape (empty
// for a scalar dataset) and its values in C order (row-major, as h5py writes them). Values
// are returned as stored (NaN and infinities included); the caller checks the rank and
// the values it needs. Every failure throws rlsim::Error "<path>:<dataset>: <what is
// wrong>": the file cannot be opened or is not HDF5, no such dataset, the path names a
// group, a non-numeric type (named: string, compound, ...), a read error.
// is_hdf5_file(path) is true when `path` is a readable HDF5 file (false, never an error,
// otherwise). Both are thread-safe (they hold the process-wide HDF5 lock).
// Reference: HDF5 1.10 reference manual (H5Fis_hdf5, H5Dopen2, H5Tget_class, H5Dread with
// H5T_NATIVE_DOUBLE conversion).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rlsim {

struct NumericDataset {
  std::vector<std::int64_t> shape;  // empty for a scalar dataset
  std::vector<double> values;       // product of shape values, C order
};

NumericDataset read_numeric_dataset(const std::string& path, const std::string& dataset);

bool is_hdf5_file(const std::string& path);

}  // namespace rlsim
