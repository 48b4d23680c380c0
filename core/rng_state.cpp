#include "core/rng_state.hpp"

#include <cmath>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

ArrayRecord rng_to_record(Rng& rng) {
  std::ostringstream os;
  os << rng.engine();
  std::istringstream is(os.str());
  ArrayRecord r;
  unsigned long long word = 0;
  while (is >> word) {
    r.data.push_back(static_cast<double>(word >> 32));
    r.data.push_back(static_cast<double>(word & 0xFFFFFFFFULL));
  }
  r.shape = {static_cast<std::int64_t>(r.data.size())};
  return r;
}

void rng_from_record(Rng& rng, const ArrayRecord& r, const std::string& owner) {
  if (r.data.size() % 2 != 0) throw Error(owner + " state: entry 'rng' has an odd length");
  std::ostringstream os;
  for (std::size_t i = 0; i < r.data.size(); ++i) {
    // A damaged file can hold any double here; converting one outside [0, 2^32) (or NaN)
    // to an integer would be undefined behaviour, so it is refused first.
    const double x = r.data[i];
    if (!(x >= 0.0 && x < 4294967296.0) || x != std::floor(x))
      throw Error(owner + " state: entry 'rng' value " + std::to_string(i) + " is " +
                  std::to_string(x) + ": a generator state holds whole numbers in [0, 2^32)");
  }
  for (std::size_t i = 0; i < r.data.size(); i += 2) {
    const auto hi = static_cast<unsigned long long>(r.data[i]);
    const auto lo = static_cast<unsigned long long>(r.data[i + 1]);
    os << ((hi << 32) | lo) << ' ';
  }
  std::istringstream is(os.str());
  Rng::Engine engine;
  is >> engine;
  if (is.fail()) throw Error(owner + " state: entry 'rng' is not a generator state");
  rng.engine() = engine;
}

}  // namespace rlsim
