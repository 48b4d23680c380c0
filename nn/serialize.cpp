#include "nn/serialize.hpp"

#include "core/state_dict_io.hpp"

namespace rlsim::nn {

void to_state_dict(const Module& module, StateDict& out, const std::string& prefix) {
  for (const ConstNamedParameter& p : module.named_parameters()) {
    const Matrix& m = p.parameter->value;
    ArrayRecord r;
    r.shape = {m.rows(), m.cols()};
    r.data.assign(m.data(), m.data() + m.size());
    out[prefix + p.name] = std::move(r);
  }
}

void from_state_dict(Module& module, const StateDict& in, const std::string& prefix) {
  const auto params = module.named_parameters();
  for (const NamedParameter& p : params) {
    const Matrix& m = p.parameter->value;
    const auto it = in.find(prefix + p.name);
    if (it == in.end()) {
      throw Error("nn::load: parameter '" + p.name + "' (" + shape_string(m.rows(), m.cols()) +
                  ") is missing from the saved state" +
                  (prefix.empty() ? std::string() : " (under prefix '" + prefix + "')") +
                  "; the saved model has a different architecture");
    }
    const ArrayRecord& r = it->second;
    if (r.shape.size() != 2 || r.shape[0] != m.rows() || r.shape[1] != m.cols() ||
        r.data.size() != static_cast<std::size_t>(m.size())) {
      throw Error("nn::load: parameter '" + p.name + "' is " + shape_string(m.rows(), m.cols()) +
                  " in the module but " + shape_text(r.shape) +
                  " in the saved state; the saved model has a different architecture");
    }
  }
  for (auto it = in.lower_bound(prefix); it != in.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, prefix.size(), prefix) != 0) break;
    bool known = false;
    for (const NamedParameter& p : params) known = known || key == prefix + p.name;
    if (!known) {
      throw Error("nn::load: the saved state has parameter '" + key.substr(prefix.size()) + "' (" +
                  shape_text(it->second.shape) +
                  ") that the module lacks; the saved model has a different architecture");
    }
  }
  for (const NamedParameter& p : params) {
    const ArrayRecord& r = in.find(prefix + p.name)->second;
    Matrix& m = p.parameter->value;
    for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(r.data[k]);
  }
}

void save(const std::string& path, const std::string& group, Module& module,
          const Optimizer* optimizer) {
  StateDict state;
  to_state_dict(module, state, "model.");
  if (optimizer != nullptr) optimizer->save_state(state, "optimizer.");
  write_state_dict(path, group, state);
}

void load(const std::string& path, const std::string& group, Module& module, Optimizer* optimizer) {
  const StateDict state = read_state_dict(path, group);
  const StateDict model_only(state.lower_bound("model."), state.lower_bound("model/"));
  if (optimizer == nullptr) {
    from_state_dict(module, model_only, "model.");
    return;
  }
  StateDict backup;
  to_state_dict(module, backup);
  from_state_dict(module, model_only, "model.");
  try {
    optimizer->load_state(state, "optimizer.");
  } catch (...) {
    from_state_dict(module, backup);  // leave the module as it was
    throw;
  }
}

}  // namespace rlsim::nn
