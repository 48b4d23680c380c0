#include "bandits/register.hpp"

#include "bandits/policies/exp3.hpp"
#include "bandits/policies/greedy.hpp"
#include "bandits/policies/linear.hpp"
#include "bandits/policies/neural.hpp"
#include "bandits/policies/nonstationary_ucb.hpp"
#include "bandits/policies/preference.hpp"
#include "bandits/policies/thompson.hpp"
#include "bandits/policies/ucb.hpp"
#include "bandits/problems/adversarial.hpp"
#include "bandits/problems/contextual.hpp"
#include "bandits/problems/nonstationary.hpp"
#include "bandits/problems/stationary.hpp"

namespace rlsim {

void register_bandits(Registry& registry) {
  register_stationary_bandits(registry);
  register_nonstationary_bandits(registry);
  register_adversarial_bandits(registry);
  register_contextual_bandits(registry);
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
