#include "bandits/problems/numeric_table.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/error.hpp"
#include "core/numeric_dataset.hpp"

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
  if (!is_hdf5_file(path)) {
    std::ifstream probe(path);
    throw Error(where + (probe ? ": the file is not an HDF5 file (for a CSV file leave "
                                 "`dataset` empty)"
                               : ": cannot open the file: give a readable HDF5 file"));
  }
  NumericDataset data;
  try {
    data = read_numeric_dataset(path, dataset);  // messages: "<path>:<dataset>: ..."
  } catch (const Error& e) {
    throw Error(who + ": " + e.what());
  }
  const std::size_t rank = data.shape.size();
  if (rank != 1 && rank != 2)
    throw Error(where + ": the dataset has rank " + std::to_string(rank) +
                "; need a 1-D column or a 2-D table (rows x columns)");
  NumericTable t;
  t.rows = data.shape[0];
  t.cols = rank == 2 ? data.shape[1] : 1;
  if (t.rows == 0 || t.cols == 0)
    throw Error(where + ": the dataset is empty (shape " + std::to_string(data.shape[0]) +
                (rank == 2 ? " x " + std::to_string(data.shape[1]) : std::string()) + ")");
  t.values = std::move(data.values);
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
