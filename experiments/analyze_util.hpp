// Private helpers shared by the analyze files (analyze.cpp, analyze_table.cpp,
// analyze_compare.cpp, analyze_curves.cpp): a mean, table cells, CSV quoting.
#pragma once
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace rlsim::analyze_detail {

// Mean of xs; NaN when empty.
inline double mean_of(const std::vector<double>& xs) {
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  return std::accumulate(xs.begin(), xs.end(), 0.0) / static_cast<double>(xs.size());
}

// A table cell: fixed with `precision` decimals, "-" for NaN.
inline std::string fmt(double x, int precision = 2) {
  if (std::isnan(x)) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(precision) << x;
  return os.str();
}

// A CSV field in double quotes, inner quotes doubled.
inline std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace rlsim::analyze_detail
