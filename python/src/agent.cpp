// rlsim._rlsim.Agent: an rlsim agent or bandit policy (core/agent.hpp) driven step by step
// from Python, behind rlsim.agent (python/rlsim/_agent.py).
//
// The agent is built by the registry for an env made with rlsim.make (its spaces, its model
// for planning agents, its spec for horizons); the Python object keeps that env alive.
// act(obs) returns the action (int for Discrete, float32 array for Box) and records the
// decision's probability and log-probability; observe(...) is where the agent learns. To
// reproduce `rlsim run` exactly, call begin_episode(obs) after each reset and end_episode()
// when the episode ends, as run/runner.cpp does, and seed the agent with
// derive_seed(master, seed_index, "agent"). Observations and actions are checked against the
// env's spaces (ValueError) before they reach the agent, which indexes tables with them.
// Agents that learn from several env copies at once (num_envs > 1: A2C, PPO with n_envs > 1)
// cannot be driven one step at a time: rlsim.run runs them.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <string>

#include "python/src/common.hpp"
#include "python/src/values.hpp"

namespace rlsim::python {

Env& env_of(py::handle env);  // env.cpp

namespace {

class PyAgent {
 public:
  PyAgent(const std::string& id, py::object env, py::handle seed, std::int64_t budget_steps,
          const py::dict& kwargs)
      : id_(id), env_obj_(std::move(env)) {
    Env& e = env_of(env_obj_);
    Registry& r = registry();
    const std::uint64_t s = seed.is_none() ? 0 : seed_from_python(seed, "agent seed");
    if (budget_steps < 0)
      throw py::value_error("agent '" + id + "': budget_steps = " + std::to_string(budget_steps) +
                            " is negative: use 0 (no budget) or a number of env steps");
    try {
      const RawParams raw = raw_params(kwargs, "agent '" + id + "'");
      params_ = r.resolve_agent_params(id, raw);
      agent_ = r.make_agent(id, raw, e, s, budget_steps);
    } catch (const Error& err) {
      const std::string msg = err.what();
      if (msg.find(" cannot run on ") != std::string::npos) throw py::value_error(msg);
      raise_make_error(err);
    }
    if (agent_->num_envs() != 1)
      throw py::value_error("agent '" + id + "' learns from " + std::to_string(agent_->num_envs()) +
                            " env copies at once (num_envs > 1), so it cannot be driven one step "
                            "at a time; run it with rlsim.run (or give it n_envs=1)");
    obs_space_ = e.spec().observation_space;
    act_space_ = e.spec().action_space;
    obs_space_.prepare(obs_);
    obs_space_.prepare(next_obs_);
    act_space_.prepare(action_);
    env_id_ = e.spec().id;
  }

  py::object act(py::handle obs) {
    checked_value_from_python(obs, obs_space_, obs_, "observation for agent '" + id_ + "'");
    decision_ = Decision{};
    agent_->act(obs_, action_, decision_);
    if (act_space_.is_discrete()) return py::int_(action_.index);
    return value_to_python(action_, act_space_);
  }

  void observe(py::handle obs, py::handle action, double reward, py::handle next_obs,
               bool terminated, bool truncated) {
    checked_value_from_python(obs, obs_space_, obs_, "observation for agent '" + id_ + "'");
    checked_value_from_python(action, act_space_, action_, "action for agent '" + id_ + "'");
    checked_value_from_python(next_obs, obs_space_, next_obs_,
                              "next observation for agent '" + id_ + "'");
    if (std::isnan(reward)) throw py::value_error("reward for agent '" + id_ + "' is NaN");
    agent_->observe(Transition{obs_, action_, reward, next_obs_, terminated, truncated});
  }

  void begin_episode(py::handle obs) {
    checked_value_from_python(obs, obs_space_, obs_, "observation for agent '" + id_ + "'");
    agent_->begin_episode(obs_);
  }

  void end_episode() { agent_->end_episode(); }

  py::dict save() const {
    StateDict state;
    try {
      agent_->save(state);
    } catch (const Error& e) {
      throw py::value_error("agent '" + id_ + "': " + e.what());
    }
    py::dict out;
    for (const auto& [name, rec] : state) {
      std::vector<py::ssize_t> shape(rec.shape.begin(), rec.shape.end());
      py::array_t<double> a(shape);
      std::copy(rec.data.begin(), rec.data.end(), a.mutable_data());
      out[py::str(name)] = a;
    }
    return out;
  }

  void load(const py::dict& state) {
    StateDict in;
    for (auto item : state) {
      auto a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(item.second);
      if (!a)
        throw py::type_error("agent '" + id_ + "': state entry '" +
                             std::string(py::str(item.first)) + "' is not an array of numbers");
      ArrayRecord rec;
      rec.shape.assign(a.shape(), a.shape() + a.ndim());
      rec.data.assign(a.data(), a.data() + a.size());
      in[py::str(item.first)] = std::move(rec);
    }
    try {
      agent_->load(in);
    } catch (const Error& e) {
      throw py::value_error("agent '" + id_ + "': " + e.what());
    }
  }

  py::object diagnostics() {
    DiagnosticsTable* d = agent_->diagnostics();
    if (!d || d->names.empty()) return py::none();
    py::dict out;
    const std::size_t rows = d->size(), cols = d->names.size();
    out["step"] = py::array_t<std::int64_t>(static_cast<py::ssize_t>(rows), d->step.data());
    for (std::size_t c = 0; c < cols; ++c) {
      py::array_t<double> col(static_cast<py::ssize_t>(rows));
      for (std::size_t r = 0; r < rows; ++r) col.mutable_at(r) = d->values[r * cols + c];
      out[py::str(d->names[c])] = col;
    }
    return out;
  }

  const std::string& id() const { return id_; }
  const std::string& env_id() const { return env_id_; }
  py::dict params() const {
    py::dict d;
    for (const auto& [k, v] : params_.values()) d[py::str(k)] = param_to_python(v);
    return d;
  }
  py::tuple decision() const { return py::make_tuple(decision_.probability, decision_.log_prob); }
  bool evaluation() const { return agent_->evaluation(); }
  void set_evaluation(bool on) { agent_->set_evaluation(on); }
  py::object env() const { return env_obj_; }

 private:
  std::string id_, env_id_;
  py::object env_obj_;  // keeps the env (and the model planning agents point into) alive
  Params params_;
  std::unique_ptr<Agent> agent_;
  Space obs_space_, act_space_;
  Value obs_, next_obs_, action_;
  Decision decision_;
};

}  // namespace

void init_agent(py::module_& m) {
  py::class_<PyAgent>(m, "Agent", "One rlsim agent (C++); use rlsim.agent, which wraps it")
      .def(py::init<const std::string&, py::object, py::handle, std::int64_t, const py::dict&>(),
           py::arg("id"), py::arg("env"), py::arg("seed"), py::arg("budget_steps"),
           py::arg("params"))
      .def("act", &PyAgent::act, py::arg("obs"))
      .def("observe", &PyAgent::observe, py::arg("obs"), py::arg("action"), py::arg("reward"),
           py::arg("next_obs"), py::arg("terminated"), py::arg("truncated"))
      .def("begin_episode", &PyAgent::begin_episode, py::arg("obs"))
      .def("end_episode", &PyAgent::end_episode)
      .def("save", &PyAgent::save)
      .def("load", &PyAgent::load, py::arg("state"))
      .def("diagnostics", &PyAgent::diagnostics)
      .def_property_readonly("id", &PyAgent::id)
      .def_property_readonly("env_id", &PyAgent::env_id)
      .def_property_readonly("params", &PyAgent::params)
      .def_property_readonly("decision", &PyAgent::decision)
      .def_property_readonly("env", &PyAgent::env)
      .def_property("evaluation", &PyAgent::evaluation, &PyAgent::set_evaluation);
}

}  // namespace rlsim::python
