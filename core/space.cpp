#include "core/space.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

namespace {
std::size_t product(const std::vector<int>& shape) {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::string format_bound(float x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os << x;
  return os.str();
}
}  // namespace

Space Space::discrete(std::int64_t n, std::int64_t start) {
  if (n < 1) throw Error("Discrete space size n=" + std::to_string(n) + " is invalid: need n >= 1");
  Space s;
  s.kind_ = Kind::Discrete;
  s.n_ = n;
  s.start_ = start;
  return s;
}

Space Space::box(std::vector<float> low, std::vector<float> high, std::vector<int> shape) {
  for (int d : shape)
    if (d < 1) throw Error("Box shape has a dimension " + std::to_string(d) + ": need all >= 1");
  const std::size_t n = product(shape);
  if (low.size() != n || high.size() != n)
    throw Error("Box bounds have " + std::to_string(low.size()) + "/" +
                std::to_string(high.size()) + " elements; the shape needs " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i)
    if (!(low[i] <= high[i]))
      throw Error("Box bound " + std::to_string(i) + " has low > high (or NaN)");
  Space s;
  s.kind_ = Kind::Box;
  s.low_ = std::move(low);
  s.high_ = std::move(high);
  s.shape_ = std::move(shape);
  return s;
}

Space Space::box(float low, float high, std::vector<int> shape) {
  const std::size_t n = product(shape);
  return box(std::vector<float>(n, low), std::vector<float>(n, high), std::move(shape));
}

bool Space::contains(const Value& v) const {
  if (is_discrete()) return v.index >= start_ && v.index < start_ + n_;
  if (v.vec.size() != low_.size()) return false;
  for (std::size_t i = 0; i < low_.size(); ++i) {
    const float x = v.vec[i];
    if (std::isnan(x) || x < low_[i] || x > high_[i]) return false;
  }
  return true;
}

void Space::validate(const Value& v, const std::string& what) const {
  if (is_discrete()) {
    if (v.index < start_ || v.index >= start_ + n_)
      throw Error(what + " is " + std::to_string(v.index) + ", outside " + describe() +
                  ": use an integer in [" + std::to_string(start_) + ", " +
                  std::to_string(start_ + n_ - 1) + "]");
    return;
  }
  if (v.vec.size() != low_.size())
    throw Error(what + " has " + std::to_string(v.vec.size()) + " components; " + describe() +
                " needs " + std::to_string(low_.size()));
  for (std::size_t i = 0; i < low_.size(); ++i) {
    const float x = v.vec[i];
    if (std::isnan(x)) throw Error(what + " component " + std::to_string(i) + " is NaN");
    if (x < low_[i] || x > high_[i]) {
      std::ostringstream os;
      os << what << " component " << i << " = " << x << " is outside [" << format_bound(low_[i])
         << ", " << format_bound(high_[i]) << "] of " << describe();
      throw Error(os.str());
    }
  }
}

void Space::prepare(Value& v) const {
  if (is_discrete()) {
    v.index = start_;
    v.vec.clear();
  } else {
    v.vec.resize(low_.size());
  }
}

std::string Space::describe() const {
  std::ostringstream os;
  if (is_discrete()) {
    os << "Discrete(" << n_;
    if (start_ != 0) os << ", start=" << start_;
    os << ")";
    return os.str();
  }
  bool uniform = true;
  for (std::size_t i = 1; i < low_.size(); ++i)
    if (low_[i] != low_[0] || high_[i] != high_[0]) uniform = false;
  os << "Box(";
  if (uniform) {
    os << format_bound(low_[0]) << ", " << format_bound(high_[0]);
  } else {
    os << "[";
    for (std::size_t i = 0; i < low_.size(); ++i) os << (i ? " " : "") << format_bound(low_[i]);
    os << "], [";
    for (std::size_t i = 0; i < high_.size(); ++i) os << (i ? " " : "") << format_bound(high_[i]);
    os << "]";
  }
  os << ", (";
  for (std::size_t i = 0; i < shape_.size(); ++i) os << (i ? ", " : "") << shape_[i];
  if (shape_.size() == 1) os << ",";
  os << "), float32)";
  return os.str();
}

}  // namespace rlsim
