// Private helpers shared by the analyze files (analyze.cpp, analyze_table.cpp,
// analyze_compare.cpp, analyze_curves.cpp): a mean, table cells, CSV quoting, the parameters
// that tell rows apart, the "last K" of a header.
#pragma once
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace rlsim {
struct GroupSummary;
}

namespace rlsim::analyze_detail {

// For each of `rows` (groups of one env and agent), the env and then agent parameters whose
// value is not the same in every row, as "k=v" separated by spaces. The parameter texts are
// parsed as canonical text (cli_util.hpp, parse_params_text), so a list is one value; lists
// are shown whole, runs of equal items written once with their count ("means=[0.5, 9×0.4]").
// Defined in analyze.cpp.
std::vector<std::string> differing_params(const std::vector<const GroupSummary*>& rows);

// "last 100" when every run had at least K = `last_k` episodes, "all 50" when every run had
// the same N < K episodes (all of them are averaged), else "last 40-100": the range of the
// numbers of episodes averaged. `fewest`/`most`: the fewest and most episodes averaged in a
// run (min(episodes, K)).
std::string last_text(std::int64_t last_k, std::int64_t fewest, std::int64_t most);

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
