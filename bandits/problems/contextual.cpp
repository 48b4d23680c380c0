#include "bandits/problems/contextual.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace rlsim {

namespace {

const char* kLinearId = "LinearContextualBandit-v0";
const char* kClassificationId = "ClassificationBandit-v0";

Space linear_context_space(const LinearContextualConfig& c) {
  if (c.dimension < 1)
    throw Error(std::string(kLinearId) + ": dimension = " + std::to_string(c.dimension) +
                " is invalid: the context needs d >= 1");
  const int d = static_cast<int>(c.dimension);
  if (c.context_distribution == "gaussian")
    return Space::box(-std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::infinity(), {d});
  if (c.context_distribution == "sphere" || c.context_distribution == "cube")
    return Space::box(-1.0f, 1.0f, {d});
  throw Error(std::string(kLinearId) + ": context_distribution = \"" + c.context_distribution +
              "\" is unknown: use \"sphere\", \"cube\" or \"gaussian\"");
}

}  // namespace

// ---------------------------------------------------------------------------- linear

LinearContextualBandit::LinearContextualBandit(const LinearContextualConfig& config)
    : BanditEnv(kLinearId, config.arms, config.horizon, linear_context_space(config)),
      d_(config.dimension),
      drawn_(config.theta.empty()),
      contexts_(config.context_distribution == "gaussian" ? Contexts::Gaussian
                : config.context_distribution == "cube"   ? Contexts::Cube
                                                          : Contexts::Sphere),
      sigma_(config.sigma),
      theta_(static_cast<std::size_t>(config.arms * config.dimension), 0.0),
      x_(static_cast<std::size_t>(config.dimension), 0.0),
      draw_(static_cast<std::size_t>(config.dimension), 0.0) {
  const std::string id = kLinearId;
  if (!(sigma_ >= 0.0) || !std::isfinite(sigma_))
    throw Error(id + ": sigma = " + std::to_string(sigma_) +
                " is invalid: the reward noise standard deviation must be >= 0 and finite");
  if (!drawn_) {
    if (config.theta.size() != theta_.size())
      throw Error(id + ": theta has " + std::to_string(config.theta.size()) + " values; K = " +
                  std::to_string(config.arms) + " arms of dimension d = " + std::to_string(d_) +
                  " need K d = " + std::to_string(theta_.size()) +
                  " (row-major, one row per arm), or leave it empty to draw theta");
    require_values_in(id, "theta", config.theta, -1e300, 1e300, false, false,
                      "parameters must be finite");
    theta_ = config.theta;
  }
  // Reward support: unbounded with noise or Gaussian contexts; otherwise |θ_aᵀx| ≤ ‖θ_a‖₂
  // on the sphere and ≤ ‖θ_a‖₁ on the cube (drawn θ_a are unit vectors: ‖θ_a‖₁ ≤ √d). A
  // relative margin of 1e-6 covers the float32 rounding of the context.
  const double inf = std::numeric_limits<double>::infinity();
  if (sigma_ > 0.0 || contexts_ == Contexts::Gaussian) {
    set_reward_range(-inf, inf);
  } else {
    double bound = 0.0;
    for (std::int64_t a = 0; a < config.arms; ++a) {
      double l1 = 0.0, l2 = 0.0;
      for (std::int64_t i = 0; i < d_; ++i) {
        const double v = drawn_ ? 0.0 : theta_[static_cast<std::size_t>(a * d_ + i)];
        l1 += std::abs(v);
        l2 += v * v;
      }
      if (drawn_) l1 = std::sqrt(static_cast<double>(d_)), l2 = 1.0;
      bound = std::max(bound, contexts_ == Contexts::Cube ? l1 : std::sqrt(l2));
    }
    bound *= 1.0 + 1e-6;
    set_reward_range(-bound, bound);
  }
}

void LinearContextualBandit::draw_unit_sphere(double* out) {
  double norm2 = 0.0;
  do {
    norm2 = 0.0;
    for (std::int64_t i = 0; i < d_; ++i) {
      out[i] = rng().normal();
      norm2 += out[i] * out[i];
    }
  } while (norm2 == 0.0);
  const double inv = 1.0 / std::sqrt(norm2);
  for (std::int64_t i = 0; i < d_; ++i) out[i] *= inv;
}

void LinearContextualBandit::draw_context(Value& obs) {
  const auto d = static_cast<std::size_t>(d_);
  switch (contexts_) {
    case Contexts::Sphere:
      draw_unit_sphere(draw_.data());
      break;
    case Contexts::Cube:
      for (double& v : draw_) v = rng().uniform(-1.0, 1.0);
      break;
    case Contexts::Gaussian: {
      const double sd = 1.0 / std::sqrt(static_cast<double>(d_));
      for (double& v : draw_) v = sd * rng().normal();
      break;
    }
  }
  for (std::size_t i = 0; i < d; ++i) {
    obs.vec[i] = static_cast<float>(draw_[i]);
    x_[i] = static_cast<double>(obs.vec[i]);
  }
  const std::int64_t k = num_arms();
  for (std::int64_t a = 0; a < k; ++a) {
    const double* th = theta_.data() + static_cast<std::size_t>(a) * d;
    double m = 0.0;
    for (std::size_t i = 0; i < d; ++i) m += th[i] * x_[i];
    means_[static_cast<std::size_t>(a)] = m;
  }
  update_best();
}

void LinearContextualBandit::do_reset(Value& obs) {
  if (drawn_)
    for (std::int64_t a = 0; a < num_arms(); ++a)
      draw_unit_sphere(theta_.data() + static_cast<std::size_t>(a * d_));
  draw_context(obs);
}

StepResult LinearContextualBandit::do_step(const Value& action, Value& obs) {
  StepResult r;
  r.reward = means_[static_cast<std::size_t>(action.index)];
  if (sigma_ > 0.0) r.reward += sigma_ * rng().normal();
  spec().observation_space.prepare(obs);  // a size check; allocates only for a fresh Value
  draw_context(obs);
  return r;
}

void LinearContextualBandit::observe(Value& obs) const {
  spec().observation_space.prepare(obs);
  for (std::size_t i = 0; i < x_.size(); ++i) obs.vec[i] = static_cast<float>(x_[i]);
}

// ---------------------------------------------------------------------------- classification

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool parse_number(const std::string& field, double& out) {
  const std::string f = trim(field);
  if (f.empty()) return false;
  char* end = nullptr;
  out = std::strtod(f.c_str(), &end);
  return end == f.c_str() + f.size() && std::isfinite(out);
}

}  // namespace

ClassificationBandit::Data ClassificationBandit::load(const ClassificationBanditConfig& config) {
  const std::string id = kClassificationId;
  std::vector<std::vector<double>> rows;
  if (config.path.empty()) {
    // Synthetic default: 3 Gaussian blobs (unit variance) centred at (0,0), (3,0), (0,3).
    Rng rng(0);
    const double centres[3][2] = {{0.0, 0.0}, {3.0, 0.0}, {0.0, 3.0}};
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 100; ++i)
        rows.push_back({centres[c][0] + rng.normal(), centres[c][1] + rng.normal(), double(c)});
  } else {
    std::ifstream in(config.path);
    if (!in)
      throw Error(id + ": cannot open path '" + config.path +
                  "': give a readable CSV file (numeric columns, one label column)");
    std::string line;
    std::size_t line_no = 0, columns = 0;
    while (std::getline(in, line)) {
      ++line_no;
      const std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      std::vector<double> row;
      std::stringstream ss(t);
      std::string field;
      bool numeric = true;
      while (std::getline(ss, field, ',')) {
        double v;
        if (!parse_number(field, v)) numeric = false;
        row.push_back(v);
      }
      if (!numeric) {
        if (rows.empty() && columns == 0) {  // a header line
          columns = row.size();
          continue;
        }
        throw Error(id + ": " + config.path + " line " + std::to_string(line_no) +
                    " has a non-numeric field; every line after the optional header must be "
                    "numbers");
      }
      if (columns == 0) columns = row.size();
      if (row.size() != columns)
        throw Error(id + ": " + config.path + " line " + std::to_string(line_no) + " has " +
                    std::to_string(row.size()) + " fields; the file has " +
                    std::to_string(columns) + " columns");
      rows.push_back(std::move(row));
    }
    if (rows.empty()) throw Error(id + ": " + config.path + " has no data rows");
    if (rows[0].size() < 2)
      throw Error(id + ": " + config.path + " needs at least 2 columns (features and a label)");
  }
  const auto columns = static_cast<std::int64_t>(rows[0].size());
  const std::int64_t label_col =
      config.label_column < 0 ? columns + config.label_column : config.label_column;
  if (label_col < 0 || label_col >= columns)
    throw Error(id + ": label_column = " + std::to_string(config.label_column) +
                " is outside the " + std::to_string(columns) + " columns of the data");
  Data data;
  for (const auto& r : rows) data.classes.push_back(r[static_cast<std::size_t>(label_col)]);
  std::sort(data.classes.begin(), data.classes.end());
  data.classes.erase(std::unique(data.classes.begin(), data.classes.end()), data.classes.end());
  if (data.classes.size() < 2)
    throw Error(id + ": the data set has " + std::to_string(data.classes.size()) +
                " class; a bandit needs K >= 2 arms (distinct labels)");
  const std::int64_t raw_d = columns - 1;
  data.d = raw_d + (config.bias ? 1 : 0);
  const auto n = rows.size();
  std::vector<double> mean(static_cast<std::size_t>(raw_d), 0.0),
      sd(static_cast<std::size_t>(raw_d), 1.0);
  if (config.standardize) {
    for (std::int64_t j = 0, f = 0; j < columns; ++j) {
      if (j == label_col) continue;
      double s = 0.0, s2 = 0.0;
      for (const auto& r : rows) s += r[static_cast<std::size_t>(j)];
      const double m = s / static_cast<double>(n);
      for (const auto& r : rows) {
        const double v = r[static_cast<std::size_t>(j)] - m;
        s2 += v * v;
      }
      const double v = std::sqrt(s2 / static_cast<double>(n));
      mean[static_cast<std::size_t>(f)] = m;
      sd[static_cast<std::size_t>(f)] = v > 0.0 ? v : 1.0;  // constant column: centred only
      ++f;
    }
  }
  for (const auto& r : rows) {
    for (std::int64_t j = 0, f = 0; j < columns; ++j) {
      if (j == label_col) continue;
      const auto fi = static_cast<std::size_t>(f++);
      data.features.push_back(
          static_cast<float>((r[static_cast<std::size_t>(j)] - mean[fi]) / sd[fi]));
    }
    if (config.bias) data.features.push_back(1.0f);
    const double label = r[static_cast<std::size_t>(label_col)];
    data.labels.push_back(static_cast<std::int64_t>(
        std::lower_bound(data.classes.begin(), data.classes.end(), label) - data.classes.begin()));
  }
  return data;
}

namespace {
Space feature_space(const std::vector<float>& features, std::int64_t d) {
  std::vector<float> lo(static_cast<std::size_t>(d), std::numeric_limits<float>::infinity());
  std::vector<float> hi(static_cast<std::size_t>(d), -std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i < features.size(); ++i) {
    const auto j = i % static_cast<std::size_t>(d);
    lo[j] = std::min(lo[j], features[i]);
    hi[j] = std::max(hi[j], features[i]);
  }
  return Space::box(std::move(lo), std::move(hi), {static_cast<int>(d)});
}
}  // namespace

ClassificationBandit::ClassificationBandit(const ClassificationBanditConfig& config)
    : ClassificationBandit(config, load(config)) {}

ClassificationBandit::ClassificationBandit(const ClassificationBanditConfig& config, Data data)
    : BanditEnv(kClassificationId, static_cast<std::int64_t>(data.classes.size()), config.horizon,
                feature_space(data.features, data.d)),
      rows_(static_cast<std::int64_t>(data.labels.size())),
      d_(data.d),
      features_(std::move(data.features)),
      label_(std::move(data.labels)),
      classes_(std::move(data.classes)) {
  best_ = 1.0;
  set_reward_range(0.0, 1.0);
}

void ClassificationBandit::draw_row(Value& obs) {
  means_[static_cast<std::size_t>(label_[static_cast<std::size_t>(row_)])] = 0.0;
  row_ = rng().integer(0, rows_ - 1);
  const auto d = static_cast<std::size_t>(d_);
  std::copy_n(features_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(row_) * d),
              d, obs.vec.begin());
  means_[static_cast<std::size_t>(label_[static_cast<std::size_t>(row_)])] = 1.0;
}

void ClassificationBandit::do_reset(Value& obs) {
  draw_row(obs);
}

StepResult ClassificationBandit::do_step(const Value& action, Value& obs) {
  StepResult r;
  r.reward = action.index == label_[static_cast<std::size_t>(row_)] ? 1.0 : 0.0;
  spec().observation_space.prepare(obs);  // a size check; allocates only for a fresh Value
  draw_row(obs);
  return r;
}

void ClassificationBandit::observe(Value& obs) const {
  spec().observation_space.prepare(obs);
  const auto d = static_cast<std::size_t>(d_);
  std::copy_n(features_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(row_) * d),
              d, obs.vec.begin());
}

// ---------------------------------------------------------------------------- registration

void register_contextual_bandits(Registry& registry) {
  {
    EnvEntry e;
    e.id = kLinearId;
    e.doc =
        "linear contextual bandit, E[r|x,a] = theta_a . x (disjoint model of Li et al. "
        "2010); oracle from the current context";
    const LinearContextualConfig d;
    e.schema = ParamSchema{
        param_int("arms", d.arms, "number of arms K", 2, 1e9),
        param_int("dimension", d.dimension, "context dimension d", 1, 1e6),
        param_doubles("theta", d.theta,
                      "K x d parameters, row-major (empty: each drawn on the unit sphere per "
                      "reset)"),
        param_string("context_distribution", d.context_distribution,
                     "i.i.d. contexts: uniform on the unit sphere, on [-1,1]^d, or N(0, I/d)",
                     {"sphere", "cube", "gaussian"}),
        param_double("sigma", d.sigma, "reward noise standard deviation (>= 0)", 0.0),
        param_int("horizon", d.horizon, "number of pulls T (max_episode_steps)", 1, 1e15),
    };
    e.make = [](const Params& p) {
      LinearContextualConfig c;
      c.arms = p.get_int("arms");
      c.dimension = p.get_int("dimension");
      c.theta = p.get_doubles("theta");
      c.context_distribution = p.get_string("context_distribution");
      c.sigma = p.get_double("sigma");
      c.horizon = p.get_int("horizon");
      return std::unique_ptr<Env>(new LinearContextualBandit(c));
    };
    registry.add_env(std::move(e));
  }
  {
    EnvEntry e;
    e.id = kClassificationId;
    e.doc =
        "classification data set (CSV) as a contextual bandit: reward 1 for the true "
        "class (Langford & Zhang 2007; Dudik, Langford & Li 2011)";
    const ClassificationBanditConfig d;
    e.schema = ParamSchema{
        param_string("path", d.path, "CSV file (empty: a synthetic 3-blob data set)"),
        param_int("label_column", d.label_column, "column of the label (-1: the last)", -1e9, 1e9),
        param_bool("standardize", d.standardize, "z-score each feature over the data set"),
        param_bool("bias", d.bias, "append a constant 1 feature"),
        param_int("horizon", d.horizon, "number of pulls T (max_episode_steps)", 1, 1e15),
    };
    e.make = [](const Params& p) {
      ClassificationBanditConfig c;
      c.path = p.get_string("path");
      c.label_column = p.get_int("label_column");
      c.standardize = p.get_bool("standardize");
      c.bias = p.get_bool("bias");
      c.horizon = p.get_int("horizon");
      return std::unique_ptr<Env>(new ClassificationBandit(c));
    };
    registry.add_env(std::move(e));
  }
}

}  // namespace rlsim
