// Spaces and the value type that travels through them.
//
// A Space is Gymnasium's Discrete(n) or Box(low, high, shape). A Value holds either a
// discrete index or a flat float32 vector (row-major over the Box's shape), as its space
// says. Values are reused across steps: once a Value has been sized for its space, writing
// an observation or action into it never allocates.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rlsim {

struct Value {
  std::int64_t index = 0;  // used by Discrete spaces
  std::vector<float> vec;  // used by Box spaces (flattened, row-major)
};

class Space {
 public:
  enum class Kind { Discrete, Box };

  Space() = default;
  static Space discrete(std::int64_t n, std::int64_t start = 0);
  // Box with per-element bounds; low/high sizes must equal the product of shape.
  static Space box(std::vector<float> low, std::vector<float> high, std::vector<int> shape);
  // Box with the same bounds for every element.
  static Space box(float low, float high, std::vector<int> shape);

  Kind kind() const { return kind_; }
  bool is_discrete() const { return kind_ == Kind::Discrete; }
  bool is_box() const { return kind_ == Kind::Box; }
  std::int64_t n() const { return n_; }          // Discrete: number of values
  std::int64_t start() const { return start_; }  // Discrete: smallest value
  const std::vector<float>& low() const { return low_; }
  const std::vector<float>& high() const { return high_; }
  const std::vector<int>& shape() const { return shape_; }
  // Number of floats in a Box value; 1 for Discrete.
  std::size_t flat_size() const { return is_discrete() ? 1 : low_.size(); }

  bool contains(const Value& v) const;
  // Throws rlsim::Error naming `what` (e.g. "action for CartPole-v1") when v is outside.
  void validate(const Value& v, const std::string& what) const;
  // Sizes v for this space (allocates only when its capacity is too small).
  void prepare(Value& v) const;
  // "Discrete(4)" or "Box(-inf, inf, (4,), float32)" as Gymnasium prints them.
  std::string describe() const;
  bool operator==(const Space& other) const = default;

 private:
  Kind kind_ = Kind::Discrete;
  std::int64_t n_ = 0;
  std::int64_t start_ = 0;
  std::vector<float> low_, high_;
  std::vector<int> shape_;
};

}  // namespace rlsim
