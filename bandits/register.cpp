#include "bandits/register.hpp"

#include "bandits/policies/exp3.hpp"
#include "bandits/policies/greedy.hpp"
#include "bandits/policies/linear.hpp"
#include "bandits/policies/neural.hpp"
#include "bandits/policies/nonstationary_ucb.hpp"
#include "bandits/policies/preference.hpp"
#include "bandits/policies/thompson.hpp"
#include "bandits/policies/ucb.hpp"

namespace rlsim {

void register_bandits(Registry& registry) {
  run_registrations(registry);  // the problems' own registrations
  register_greedy_policies(registry);
  register_preference_policies(registry);
  register_index_policies(registry);
  register_thompson_policies(registry);
  register_exp3_policies(registry);
  register_nonstationary_policies(registry);
  register_linear_policies(registry);
  register_neural_policies(registry);
}

}  // namespace rlsim
