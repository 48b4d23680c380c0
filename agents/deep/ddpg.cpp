// Deep deterministic policy gradient (DDPG; Lillicrap et al. 2016, "Continuous control with
// deep reinforcement learning", ICLR): a deterministic actor and one critic with Polyak
// target networks. As in Stable-Baselines3 2.x (stable_baselines3/ddpg/ddpg.py), it is TD3
// (td3.hpp) without its three additions: one critic, policy_delay 1 and no target policy
// smoothing; parameter names and defaults are SB3 2.x DDPG's.
#include "agents/deep/td3.hpp"
#include "core/config_schema.hpp"
#include "core/registration.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

// Defaults: SB3 2.x DDPG (ddpg.py), TD3Policy's net_arch [400, 300].
struct DdpgConfig : OffPolicyConfig {
  double learning_rate = 1e-3;
  std::vector<nn::Index> net_arch{400, 300};
};

Td3Config as_td3(const DdpgConfig& d) {
  Td3Config c;
  static_cast<OffPolicyConfig&>(c) = d;
  c.learning_rate = d.learning_rate;
  c.net_arch = d.net_arch;
  c.policy_delay = 1;
  c.target_policy_noise = 0.0;
  c.target_noise_clip = 0.0;
  c.n_critics = 1;
  return c;
}

void register_ddpg(Registry& registry) {
  using C = DdpgConfig;
  const std::string sb3 = "SB3 2.x DDPG";
  ConfigSchema<C> schema;
  schema.field("learning_rate", &C::learning_rate, "Adam step size of the actor and the critic",
               at_least(0), source(sb3));
  add_off_policy_fields(schema, sb3)
      .field("net_arch", &C::net_arch, "hidden layer widths of the actor and of the critic",
             at_least(1), source("SB3 2.x TD3Policy"));
  registry.add_agent(agent_entry(
      "ddpg",
      "DDPG, deep deterministic policy gradient (Lillicrap et al. 2016): deterministic actor, "
      "one critic, Polyak target networks; Box actions; SB3 parameter names and defaults",
      std::move(schema),
      [](const EnvSpec& spec, const Env&) { return off_policy_check("ddpg", spec); },
      [](const AgentContext& ctx, C c) {
        return std::make_unique<Td3Agent>(as_td3(c), ctx.spec.observation_space,
                                          ctx.spec.action_space, ctx.seed, "ddpg");
      }));
}

}  // namespace

RLSIM_REGISTER(register_ddpg)

}  // namespace rlsim
