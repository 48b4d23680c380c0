// Contextual bandit problems: each step shows a context x_t ∈ R^d (a Box(d) observation), the
// policy pulls one of K arms, and the oracle reports the expected reward of every arm given
// x_t (valid after reset/step, before the next step).
//
//   LinearContextualBandit-v0  linear payoffs, disjoint parameters (the model of LinUCB, Li
//       et al. 2010): E[r | x, a] = θ_aᵀ x, reward θ_aᵀ x + sigma·N(0, 1). Contexts are i.i.d.
//       from `context_distribution`: "sphere" (uniform on the unit sphere S^{d−1}), "cube"
//       (uniform on [−1, 1]^d) or "gaussian" (N(0, I_d / d), so E‖x‖² = 1). θ is the list
//       `theta` (K rows of d) or, when empty, each θ_a drawn uniformly on the unit sphere from
//       the env's Rng at every reset. Contexts are float32 in the observation; expected
//       rewards use exactly those float values.
//   LogisticContextualBandit-v0  logistic payoffs, disjoint parameters (the generalised linear
//       model of Filippi, Cappé, Garivier & Szepesvári 2010, "Parametric bandits: the
//       generalized linear case", NIPS, with the logistic link; Chapelle & Li 2011 sec. 5 use
//       it for display advertising): E[r | x, a] = σ(θ_aᵀx) with σ(z) = 1 / (1 + e^{−z}),
//       reward Bernoulli(σ(θ_aᵀx)) ∈ {0, 1}. Contexts as for the linear problem; θ is the
//       list `theta` (K rows of d) or, when empty, each θ_a drawn uniformly on the sphere of
//       radius `theta_norm` at every reset (so the logits θ_aᵀx span [−theta_norm,
//       theta_norm] on sphere contexts). The oracle gives σ(θ_aᵀx) for the current context.
//   ClassificationBandit-v0  the supervised-to-bandit conversion of a classification data set
//       (Langford & Zhang 2007; Dudík, Langford & Li 2011): each step draws a row uniformly
//       with replacement; the context is its features, the arms are the classes, and the
//       reward is 1 for the true class and 0 otherwise (so the oracle gives 1 for the label's
//       arm and 0 for the others; the best expected reward is 1). Data: a CSV file (`path`),
//       numeric, comma-separated, an optional header line, or an HDF5 file (`path` and
//       `dataset`, a rows × columns numeric dataset; bandits/problems/numeric_table.hpp);
//       the label is the column `label_column` (−1: the last) or, with `label_dataset`, a
//       separate 1-D HDF5 dataset of one label per row (then every column of `dataset` is a
//       feature). Distinct label values, sorted, become arms 0..K−1; with `classes` = K > 0
//       the labels must instead be the integers 0..K−1 (an error names the first row
//       outside), and every class is an arm. Features can be
//       standardised (z-scores over the data set) and a constant 1 appended (`bias`). With an
//       empty path a synthetic data set is used: 3 Gaussian blobs in R², 100 rows each,
//       drawn from Rng(0) (a smoke-test default, not a benchmark).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bandits/problems/bandit_env.hpp"

namespace rlsim {

struct LinearContextualConfig {
  std::int64_t arms = 5;
  std::int64_t dimension = 5;
  std::vector<double> theta;  // K × d, row-major; empty: drawn per reset
  std::string context_distribution = "sphere";
  double sigma = 0.1;  // reward noise standard deviation (>= 0)
  std::int64_t horizon = 10000;
};

class LinearContextualBandit : public BanditEnv {
 public:
  static constexpr char kId[] = "LinearContextualBandit-v0";
  explicit LinearContextualBandit(const LinearContextualConfig& config = {});
  std::int64_t dimension() const { return d_; }
  // θ (K × d, row-major) of the current episode.
  const std::vector<double>& theta() const { return theta_; }
  void observe(Value& obs) const override;

 protected:
  // Logistic payoffs when `logistic` (then sigma is unused); drawn θ_a have norm theta_norm.
  LinearContextualBandit(const char* id, const LinearContextualConfig& config, bool logistic,
                         double theta_norm);
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  enum class Contexts { Sphere, Cube, Gaussian };
  void draw_context(Value& obs);
  void draw_unit_sphere(double* out);
  std::int64_t d_;
  bool drawn_;
  bool logistic_;
  double theta_norm_;
  Contexts contexts_;
  double sigma_;
  std::vector<double> theta_;
  std::vector<double> x_;     // current context (the float values, as doubles)
  std::vector<double> draw_;  // scratch
};

struct LogisticContextualConfig {
  std::int64_t arms = 5;
  std::int64_t dimension = 5;
  std::vector<double> theta;  // K × d, row-major; empty: drawn per reset with norm theta_norm
  std::string context_distribution = "sphere";
  double theta_norm = 3.0;
  std::int64_t horizon = 10000;
};

class LogisticContextualBandit final : public LinearContextualBandit {
 public:
  static constexpr char kId[] = "LogisticContextualBandit-v0";
  explicit LogisticContextualBandit(const LogisticContextualConfig& config = {});
};

struct ClassificationBanditConfig {
  std::string path;           // CSV or HDF5 file; empty: the synthetic blobs
  std::string dataset;        // HDF5 dataset in path (empty: path is CSV)
  std::string label_dataset;  // HDF5 dataset of labels (empty: a column of `dataset`)
  std::int64_t label_column = -1;
  std::int64_t classes = 0;  // > 0: labels must be 0..classes−1; 0: distinct values
  bool standardize = true;
  bool bias = true;
  std::int64_t horizon = 10000;
};

class ClassificationBandit final : public BanditEnv {
 public:
  static constexpr char kId[] = "ClassificationBandit-v0";
  explicit ClassificationBandit(const ClassificationBanditConfig& config = {});
  std::int64_t rows() const { return rows_; }
  std::int64_t dimension() const { return d_; }
  // Label values of the arms (sorted distinct labels of the data set).
  const std::vector<double>& classes() const { return classes_; }
  // Arm (class index) of the current row.
  std::int64_t current_label() const { return label_[static_cast<std::size_t>(row_)]; }
  void observe(Value& obs) const override;

 protected:
  void do_reset(Value& obs) override;
  StepResult do_step(const Value& action, Value& obs) override;

 private:
  struct Data {
    std::vector<float> features;  // rows × d
    std::vector<std::int64_t> labels;
    std::vector<double> classes;
    std::int64_t d = 0;
  };
  static Data load(const ClassificationBanditConfig& config);
  ClassificationBandit(const ClassificationBanditConfig& config, Data data);
  void draw_row(Value& obs);
  std::int64_t rows_, d_;
  std::vector<float> features_;
  std::vector<std::int64_t> label_;
  std::vector<double> classes_;
  std::int64_t row_ = 0;
};

}  // namespace rlsim
