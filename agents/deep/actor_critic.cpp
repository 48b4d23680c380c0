#include "agents/deep/actor_critic.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace rlsim {

namespace {

std::optional<nn::Mlp> make_trunk(const ActorCriticSpec& s, Rng& rng) {
  if (s.net_arch.empty()) return std::nullopt;
  std::vector<nn::Index> sizes{s.obs_dim};
  sizes.insert(sizes.end(), s.net_arch.begin(), s.net_arch.end());
  const nn::Init init = s.ortho_init ? nn::Init::orthogonal(std::sqrt(2.0)) : nn::Init::lecun();
  return nn::Mlp(sizes, s.activation, s.activation, rng, init);
}

}  // namespace

ActorCriticNet::ActorCriticNet(const ActorCriticSpec& spec, Rng& rng) : spec_(spec) {
  pi_ = make_trunk(spec_, rng);
  if (!spec_.shared) vf_ = make_trunk(spec_, rng);
  const nn::Index features = spec_.net_arch.empty() ? spec_.obs_dim : spec_.net_arch.back();
  action_head_.emplace(features, spec_.action_dim, rng,
                       spec_.ortho_init ? nn::Init::orthogonal(0.01) : nn::Init::lecun());
  value_head_.emplace(features, 1, rng,
                      spec_.ortho_init ? nn::Init::orthogonal(1.0) : nn::Init::lecun());
  if (spec_.gaussian) {
    log_std_ = nn::Parameter(1, spec_.action_dim);
    log_std_.value.setConstant(static_cast<float>(spec_.log_std_init));
  }
}

nn::Var ActorCriticNet::trunk(std::optional<nn::Mlp>& mlp, nn::Var x) {
  return mlp ? mlp->forward(x) : x;
}

ActorCriticOutput ActorCriticNet::forward(nn::Tape&, nn::Var obs) {
  nn::Var pi_features = trunk(pi_, obs);
  nn::Var vf_features = spec_.shared ? pi_features : trunk(vf_, obs);
  return {action_head_->forward(pi_features), value_head_->forward(vf_features)};
}

nn::Var ActorCriticNet::value(nn::Tape&, nn::Var obs) {
  return value_head_->forward(spec_.shared ? trunk(pi_, obs) : trunk(vf_, obs));
}

template <class Net, class Named>
void ActorCriticNet::list_parameters(Net& net, std::vector<Named>& out) {
  auto add = [&out](const std::string& prefix, auto& module) {
    for (auto& p : module.named_parameters()) out.push_back({prefix + p.name, p.parameter});
  };
  if (net.pi_) add(net.spec_.shared ? "shared." : "pi.", *net.pi_);
  if (net.vf_) add("vf.", *net.vf_);
  add("action.", *net.action_head_);
  add("value.", *net.value_head_);
  if (net.spec_.gaussian) out.push_back({"log_std", &net.log_std_});
}

std::vector<nn::NamedParameter> ActorCriticNet::named_parameters() {
  std::vector<nn::NamedParameter> out;
  list_parameters(*this, out);
  return out;
}

std::vector<nn::ConstNamedParameter> ActorCriticNet::named_parameters() const {
  std::vector<nn::ConstNamedParameter> out;
  list_parameters(*this, out);
  return out;
}

void ActorCriticNet::save(StateDict& out, const std::string& prefix) const {
  for (const auto& np : named_parameters()) {
    const nn::Matrix& v = np.parameter->value;
    ArrayRecord r{{v.rows(), v.cols()}, {}};
    r.data.assign(v.data(), v.data() + v.size());
    out[prefix + np.name] = std::move(r);
  }
}

void ActorCriticNet::load(const StateDict& in, const std::string& prefix) {
  auto params = named_parameters();
  for (const auto& np : params) {
    auto it = in.find(prefix + np.name);
    const nn::Matrix& v = np.parameter->value;
    if (it == in.end())
      throw Error("actor-critic state: parameter '" + prefix + np.name +
                  "' is missing (saved with another net_arch, shared or action space?)");
    const auto& shape = it->second.shape;
    if (shape.size() != 2 || shape[0] != v.rows() || shape[1] != v.cols())
      throw Error("actor-critic state: parameter '" + prefix + np.name + "' is " +
                  (shape.size() == 2 ? nn::shape_string(shape[0], shape[1]) : "not a matrix") +
                  ", the network has " + nn::shape_string(v.rows(), v.cols()));
  }
  for (const auto& np : params) {
    const auto& data = in.at(prefix + np.name).data;
    nn::Matrix& v = np.parameter->value;
    for (nn::Index k = 0; k < v.size(); ++k)
      v.data()[k] = static_cast<float>(data[static_cast<std::size_t>(k)]);
  }
}

}  // namespace rlsim
