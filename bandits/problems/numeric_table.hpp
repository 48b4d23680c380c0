// Numeric tables read from a file for the problems that take data (the classification
// bandit's data set, the adversarial reward table): a CSV file, or one dataset of an HDF5
// file.
//
// Contract: read_numeric_table returns a rows × cols table of finite doubles, row-major.
//   CSV (dataset empty): numeric comma-separated fields, blank lines and lines starting with
//     '#' skipped, an optional header line (a first line with a non-numeric field); every
//     line the same number of fields.
//   HDF5 (dataset non-empty): the dataset at that path inside the file (e.g. "/features"),
//     of an integer or floating-point type (read converted to double), rank 1 (a column:
//     cols = 1) or rank 2 (rows × cols, C order as h5py writes it).
// Every failure throws rlsim::Error naming `who`, the file and (HDF5) the dataset: a file that
// cannot be opened, a missing dataset, a non-numeric dtype, a rank other than 1 or 2, an empty
// table, ragged CSV lines, a NaN or infinite value (with its row and column).
// Reference: HDF5 1.10 reference manual (H5Dopen2, H5Tget_class, H5Dread with
// H5T_NATIVE_DOUBLE conversion).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace rlsim {

struct NumericTable {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> values;  // rows × cols, row-major
  double at(std::int64_t r, std::int64_t c) const {
    return values[static_cast<std::size_t>(r * cols + c)];
  }
};

// "<path>" for CSV, "<path>:<dataset>" for HDF5: how messages name the source.
std::string describe_table_source(const std::string& path, const std::string& dataset);

NumericTable read_numeric_table(const std::string& who, const std::string& path,
                                const std::string& dataset);

}  // namespace rlsim
