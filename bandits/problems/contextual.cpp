#include "bandits/problems/contextual.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "bandits/problems/numeric_table.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

namespace {

Space linear_context_space(const char* id, const LinearContextualConfig& c) {
  if (c.dimension < 1)
    throw Error(std::string(id) + ": dimension = " + std::to_string(c.dimension) +
                " is invalid: the context needs d >= 1");
  // K x d parameters theta: refuse what would exhaust memory before allocating it.
  if (static_cast<double>(c.arms) * static_cast<double>(c.dimension) > 1e8)
    throw Error(std::string(id) + ": K = " + std::to_string(c.arms) +
                " arms of dimension d = " + std::to_string(c.dimension) +
                " need K d parameters; at most 1e8 (800 MB) are supported: use fewer arms or a "
                "smaller dimension");
  const int d = static_cast<int>(c.dimension);
  if (c.context_distribution == "gaussian")
    return Space::box(-std::numeric_limits<float>::infinity(),
                      std::numeric_limits<float>::infinity(), {d});
  if (c.context_distribution == "sphere" || c.context_distribution == "cube")
    return Space::box(-1.0f, 1.0f, {d});
  throw Error(std::string(id) + ": context_distribution = \"" + c.context_distribution +
              "\" is unknown: use \"sphere\", \"cube\" or \"gaussian\"");
}

}  // namespace

// ---------------------------------------------------------------------------- linear

LinearContextualBandit::LinearContextualBandit(const LinearContextualConfig& config)
    : LinearContextualBandit(LinearContextualBandit::kId, config, false, 1.0) {}

LinearContextualBandit::LinearContextualBandit(const char* id_text,
                                               const LinearContextualConfig& config, bool logistic,
                                               double theta_norm)
    : BanditEnv(id_text, config.arms, config.horizon, linear_context_space(id_text, config)),
      d_(config.dimension),
      drawn_(config.theta.empty()),
      logistic_(logistic),
      theta_norm_(theta_norm),
      contexts_(config.context_distribution == "gaussian" ? Contexts::Gaussian
                : config.context_distribution == "cube"   ? Contexts::Cube
                                                          : Contexts::Sphere),
      sigma_(config.sigma),
      theta_(static_cast<std::size_t>(config.arms * config.dimension), 0.0),
      x_(static_cast<std::size_t>(config.dimension), 0.0),
      draw_(static_cast<std::size_t>(config.dimension), 0.0) {
  const std::string id = id_text;
  if (!(theta_norm_ > 0.0) || !std::isfinite(theta_norm_))
    throw Error(id + ": theta_norm = " + std::to_string(theta_norm_) +
                " is invalid: the norm of the drawn parameters must be > 0 and finite");
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
  if (logistic_) {
    set_reward_range(0.0, 1.0);  // Bernoulli rewards
  } else if (sigma_ > 0.0 || contexts_ == Contexts::Gaussian) {
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
    means_[static_cast<std::size_t>(a)] = logistic_ ? 1.0 / (1.0 + std::exp(-m)) : m;
  }
  update_best();
}

void LinearContextualBandit::do_reset(Value& obs) {
  if (drawn_)
    for (std::int64_t a = 0; a < num_arms(); ++a) {
      double* th = theta_.data() + static_cast<std::size_t>(a * d_);
      draw_unit_sphere(th);
      if (theta_norm_ != 1.0)
        for (std::int64_t i = 0; i < d_; ++i) th[i] *= theta_norm_;
    }
  draw_context(obs);
}

StepResult LinearContextualBandit::do_step(const Value& action, Value& obs) {
  StepResult r;
  const double mean = means_[static_cast<std::size_t>(action.index)];
  if (logistic_) {
    r.reward = rng().bernoulli(mean) ? 1.0 : 0.0;
  } else {
    r.reward = mean;
    if (sigma_ > 0.0) r.reward += sigma_ * rng().normal();
  }
  spec().observation_space.prepare(obs);  // a size check; allocates only for a fresh Value
  draw_context(obs);
  return r;
}

namespace {
LinearContextualConfig as_linear(const LogisticContextualConfig& c) {
  LinearContextualConfig l;
  l.arms = c.arms;
  l.dimension = c.dimension;
  l.theta = c.theta;
  l.context_distribution = c.context_distribution;
  l.sigma = 0.0;
  l.horizon = c.horizon;
  return l;
}
}  // namespace

LogisticContextualBandit::LogisticContextualBandit(const LogisticContextualConfig& config)
    : LinearContextualBandit(LogisticContextualBandit::kId, as_linear(config), true,
                             config.theta_norm) {}

void LinearContextualBandit::observe(Value& obs) const {
  spec().observation_space.prepare(obs);
  for (std::size_t i = 0; i < x_.size(); ++i) obs.vec[i] = static_cast<float>(x_[i]);
}

// ---------------------------------------------------------------------------- classification

ClassificationBandit::Data ClassificationBandit::load(const ClassificationBanditConfig& config) {
  const std::string id = ClassificationBandit::kId;
  NumericTable table;
  if (config.path.empty()) {
    // Synthetic default: 3 Gaussian blobs (unit variance) centred at (0,0), (3,0), (0,3).
    Rng rng(0);
    const double centres[3][2] = {{0.0, 0.0}, {3.0, 0.0}, {0.0, 3.0}};
    table.rows = 300;
    table.cols = 3;
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 100; ++i)
        table.values.insert(table.values.end(), {centres[c][0] + rng.normal(),
                                                 centres[c][1] + rng.normal(), double(c)});
  } else {
    if (!config.label_dataset.empty() && config.dataset.empty())
      throw Error(id + ": label_dataset needs `dataset` (the HDF5 features dataset in path)");
    table = read_numeric_table(id, config.path, config.dataset);
  }
  const std::string source = config.path.empty()
                                 ? std::string("the synthetic data set")
                                 : describe_table_source(config.path, config.dataset);
  // Rows of features and labels, in the layout below (label column or a separate dataset).
  std::vector<std::vector<double>> rows;
  std::int64_t columns = table.cols;
  std::int64_t label_col = 0;
  if (!config.label_dataset.empty()) {
    const NumericTable labels = read_numeric_table(id, config.path, config.label_dataset);
    const std::string label_source = describe_table_source(config.path, config.label_dataset);
    if (labels.cols != 1)
      throw Error(id + ": " + label_source + " has shape " + std::to_string(labels.rows) + " x " +
                  std::to_string(labels.cols) + "; labels must be one column (shape (" +
                  std::to_string(table.rows) + ",))");
    if (labels.rows != table.rows)
      throw Error(id + ": " + label_source + " has " + std::to_string(labels.rows) +
                  " labels but " + source + " has " + std::to_string(table.rows) +
                  " rows: one label per row is needed");
    columns = table.cols + 1;
    label_col = table.cols;
    for (std::int64_t r = 0; r < table.rows; ++r) {
      std::vector<double> row(table.values.begin() + r * table.cols,
                              table.values.begin() + (r + 1) * table.cols);
      row.push_back(labels.values[static_cast<std::size_t>(r)]);
      rows.push_back(std::move(row));
    }
  } else {
    if (table.cols < 2)
      throw Error(id + ": " + source + " has " + std::to_string(table.cols) +
                  " column; it needs at least 2 columns (features and a label), or give the "
                  "labels as label_dataset");
    label_col = config.label_column < 0 ? columns + config.label_column : config.label_column;
    if (label_col < 0 || label_col >= columns)
      throw Error(id + ": label_column = " + std::to_string(config.label_column) +
                  " is outside the " + std::to_string(columns) + " columns of " + source);
    for (std::int64_t r = 0; r < table.rows; ++r)
      rows.emplace_back(table.values.begin() + r * table.cols,
                        table.values.begin() + (r + 1) * table.cols);
  }
  Data data;
  if (config.classes > 0) {
    // Labels are class indices 0..classes−1; every arm exists even if no row has its label.
    const std::string label_source = config.label_dataset.empty()
                                         ? source
                                         : describe_table_source(config.path, config.label_dataset);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const double v = rows[r][static_cast<std::size_t>(label_col)];
      if (!(v >= 0.0 && v <= static_cast<double>(config.classes - 1) && v == std::floor(v)))
        throw Error(id + ": " + label_source + " row " + std::to_string(r) + " has label " +
                    std::to_string(v) + ", outside the class indices 0.." +
                    std::to_string(config.classes - 1) + " (classes = " +
                    std::to_string(config.classes) + "): labels must be integers in [0, classes)");
    }
    for (std::int64_t c = 0; c < config.classes; ++c) data.classes.push_back(double(c));
  } else {
    for (const auto& r : rows) data.classes.push_back(r[static_cast<std::size_t>(label_col)]);
    std::sort(data.classes.begin(), data.classes.end());
    data.classes.erase(std::unique(data.classes.begin(), data.classes.end()), data.classes.end());
  }
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
    : BanditEnv(ClassificationBandit::kId, static_cast<std::int64_t>(data.classes.size()),
                config.horizon, feature_space(data.features, data.d)),
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

namespace {

constexpr const char* horizon_doc = "number of pulls T (max_episode_steps)";

// The parameters the linear and logistic problems share, in schema order.
template <typename Config>
ConfigSchema<Config> linear_family_schema(const std::string& theta_doc) {
  ConfigSchema<Config> schema;
  schema.field("arms", &Config::arms, "number of arms K", range(2, kMaxArms))
      .field("dimension", &Config::dimension, "context dimension d", range(1, 1e6))
      .field("theta", &Config::theta, theta_doc)
      .field("context_distribution", &Config::context_distribution,
             "i.i.d. contexts: uniform on the unit sphere, on [-1,1]^d, or N(0, I/d)",
             choices({"sphere", "cube", "gaussian"}));
  return schema;
}

void register_contextual_bandits(Registry& registry) {
  using L = LinearContextualConfig;
  registry.add_env(env_entry(
      LinearContextualBandit::kId,
      "linear contextual bandit, E[r|x,a] = theta_a . x (disjoint model of Li et al. 2010); "
      "oracle from the current context",
      linear_family_schema<L>(
          "K x d parameters, row-major (empty: each drawn on the unit sphere per reset)")
          .field("sigma", &L::sigma, "reward noise standard deviation (>= 0)", at_least(0))
          .field("horizon", &L::horizon, horizon_doc, range(1, 1e15)),
      [](const L& c) { return std::make_unique<LinearContextualBandit>(c); }));
  using G = LogisticContextualConfig;
  registry.add_env(env_entry(
      LogisticContextualBandit::kId,
      "logistic contextual bandit, reward ~ Bernoulli(sigmoid(theta_a . x)) (GLM bandit of "
      "Filippi et al. 2010); oracle from the current context",
      linear_family_schema<G>(
          "K x d parameters, row-major (empty: each drawn on the sphere of radius theta_norm "
          "per reset)")
          .field("theta_norm", &G::theta_norm, "norm of the drawn theta_a (> 0)", at_least(0))
          .field("horizon", &G::horizon, horizon_doc, range(1, 1e15)),
      [](const G& c) { return std::make_unique<LogisticContextualBandit>(c); }));
  using C = ClassificationBanditConfig;
  registry.add_env(env_entry(
      ClassificationBandit::kId,
      "classification data set (CSV or HDF5) as a contextual bandit: reward 1 for the true "
      "class (Langford & Zhang 2007; Dudik, Langford & Li 2011)",
      ConfigSchema<C>()
          .field("path", &C::path, "CSV or HDF5 file (empty: a synthetic 3-blob data set)")
          .field("dataset", &C::dataset,
                 "HDF5 dataset in path: rows x columns, label column included unless "
                 "label_dataset is set (empty: path is CSV)")
          .field("label_dataset", &C::label_dataset,
                 "HDF5 dataset of one label per row (then dataset holds only features)")
          .field("label_column", &C::label_column, "column of the label (-1: the last)",
                 range(-1e9, 1e9))
          .field("classes", &C::classes,
                 "K: labels must be the integers 0..K-1 (0: the distinct label values)",
                 range(0, kMaxArms))
          .field("standardize", &C::standardize, "z-score each feature over the data set")
          .field("bias", &C::bias, "append a constant 1 feature")
          .field("horizon", &C::horizon, horizon_doc, range(1, 1e15)),
      [](const C& c) { return std::make_unique<ClassificationBandit>(c); }));
}

}  // namespace
RLSIM_REGISTER(register_contextual_bandits)

}  // namespace rlsim
