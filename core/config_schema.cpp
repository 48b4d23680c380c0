#include "core/config_schema.hpp"

namespace rlsim::detail {

void apply_option(ParamSpec& spec, const Range& r) {
  spec.min = r.min;
  spec.max = r.max;
}

void apply_option(ParamSpec& spec, const Source& s) {
  spec.source = s.text;
}

void apply_option(ParamSpec& spec, const Choices& c) {
  spec.choices = c.names;
}

}  // namespace rlsim::detail
