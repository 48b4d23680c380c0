#include "bandits/problems/numeric_table.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/hdf5_handles.hpp"

namespace rlsim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool parse_number(const std::string& field, double& out) {
  const std::string f = trim(field);
  if (f.empty()) return false;
  char* end = nullptr;
  out = std::strtod(f.c_str(), &end);
  return end == f.c_str() + f.size() && std::isfinite(out);
}

NumericTable read_csv(const std::string& who, const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw Error(who + ": cannot open path '" + path +
                "': give a readable CSV file (numeric comma-separated columns), or an HDF5 "
                "file with `dataset` naming the dataset");
  NumericTable t;
  std::string line;
  std::size_t line_no = 0, header_columns = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string s = trim(line);
    if (s.empty() || s[0] == '#') continue;
    std::vector<double> row;
    std::stringstream ss(s);
    std::string field;
    bool numeric = true;
    while (std::getline(ss, field, ',')) {
      double v = 0.0;
      if (!parse_number(field, v)) numeric = false;
      row.push_back(v);
    }
    if (!numeric) {
      if (t.rows == 0 && header_columns == 0) {  // a header line
        header_columns = row.size();
        continue;
      }
      throw Error(who + ": " + path + " line " + std::to_string(line_no) +
                  " has a non-numeric (or NaN/infinite) field; every line after the optional "
                  "header must be finite numbers");
    }
    const auto n = static_cast<std::int64_t>(row.size());
    if (t.cols == 0) t.cols = n;
    if (n != t.cols)
      throw Error(who + ": " + path + " line " + std::to_string(line_no) + " has " +
                  std::to_string(n) + " fields; the file has " + std::to_string(t.cols) +
                  " columns");
    t.values.insert(t.values.end(), row.begin(), row.end());
    ++t.rows;
  }
  if (t.rows == 0) throw Error(who + ": " + path + " has no data rows");
  return t;
}

NumericTable read_hdf5(const std::string& who, const std::string& path,
                       const std::string& dataset) {
  const std::string where = who + ": " + describe_table_source(path, dataset);
  hdf5::Lock lock;
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    hdf5::error_detail();  // clear the stack
    std::ifstream probe(path);
    throw Error(where + (probe ? ": the file is not an HDF5 file (for a CSV file leave "
                                 "`dataset` empty)"
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
  if (rank != 1 && rank != 2)
    throw Error(where + ": the dataset has rank " + std::to_string(rank) +
                "; need a 1-D column or a 2-D table (rows x columns)");
  hsize_t dims[2] = {0, 1};
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  NumericTable t;
  t.rows = static_cast<std::int64_t>(dims[0]);
  t.cols = static_cast<std::int64_t>(rank == 2 ? dims[1] : 1);
  if (t.rows == 0 || t.cols == 0)
    throw Error(where + ": the dataset is empty (shape " + std::to_string(dims[0]) +
                (rank == 2 ? " x " + std::to_string(dims[1]) : std::string()) + ")");
  t.values.resize(static_cast<std::size_t>(t.rows * t.cols));
  hdf5::check_status(
      H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.values.data()),
      where + ": cannot read the values");
  for (std::size_t i = 0; i < t.values.size(); ++i)
    if (!std::isfinite(t.values[i])) {
      const auto r = static_cast<std::int64_t>(i) / t.cols,
                 c = static_cast<std::int64_t>(i) % t.cols;
      throw Error(where + ": value " + std::to_string(t.values[i]) + " at row " +
                  std::to_string(r) + ", column " + std::to_string(c) +
                  " is not finite: every value must be a finite number");
    }
  return t;
}

}  // namespace

std::string describe_table_source(const std::string& path, const std::string& dataset) {
  return dataset.empty() ? path : path + ":" + dataset;
}

NumericTable read_numeric_table(const std::string& who, const std::string& path,
                                const std::string& dataset) {
  if (path.empty()) throw Error(who + ": no file given: set `path`");
  return dataset.empty() ? read_csv(who, path) : read_hdf5(who, path, dataset);
}

}  // namespace rlsim
