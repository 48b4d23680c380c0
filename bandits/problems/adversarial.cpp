#include "bandits/problems/adversarial.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "bandits/problems/numeric_table.hpp"
#include "core/error.hpp"
#include "core/registry.hpp"

namespace rlsim {

AdversarialBandit::AdversarialBandit(const AdversarialConfig& config)
    : BanditEnv(kId, config.arms, config.horizon, Space::discrete(1)),
      anti_ucb1_(config.adversary == "anti-ucb1") {
  const std::string id = kId;
  const std::int64_t k = config.arms;
  const std::int64_t t = config.horizon;
  totals_.assign(static_cast<std::size_t>(k), 0.0);
  if (anti_ucb1_) {
    // Arm a pays 0 at the steps t ≡ a (mod K) in [0, T): ⌊(T − 1 − a)/K⌋ + 1 of them.
    for (std::int64_t a = 0; a < k; ++a)
      totals_[static_cast<std::size_t>(a)] =
          static_cast<double>(t - (a < t ? (t - 1 - a) / k + 1 : 0));
  } else if (config.adversary == "table") {
    if (config.values != "rewards" && config.values != "losses")
      throw Error(id + ": values = \"" + config.values +
                  "\" is unknown: use \"rewards\" or \"losses\"");
    if (!config.path.empty()) {
      if (!config.table.empty())
        throw Error(id +
                    ": give the table either inline (`table`) or as a file (`path`), not both");
      NumericTable file = read_numeric_table(id, config.path, config.dataset);
      if (file.cols != k)
        throw Error(id + ": " + describe_table_source(config.path, config.dataset) + " has " +
                    std::to_string(file.cols) + " columns; K = " + std::to_string(k) +
                    " arms need exactly K columns (one row of K values per step): set arms = " +
                    std::to_string(file.cols) + " or fix the file");
      table_ = std::move(file.values);
    } else {
      const auto n = static_cast<std::int64_t>(config.table.size());
      if (n == 0 || n % k != 0)
        throw Error(id + ": table has " + std::to_string(n) + " values; it needs rows of K = " +
                    std::to_string(k) + " rewards (a positive multiple of K values), or set " +
                    "`path` to read it from a CSV/HDF5 file");
      require_values_in(id, "table", config.table, -1e300, 1e300, false, false,
                        "rewards must be finite");
      table_ = config.table;
    }
    if (config.values == "losses")
      for (double& v : table_) v = 1.0 - v;
    rows_ = static_cast<std::int64_t>(table_.size()) / k;
    for (std::int64_t s = 0; s < t; ++s) {
      const auto row = static_cast<std::size_t>((s % rows_) * k);
      for (std::size_t a = 0; a < totals_.size(); ++a) totals_[a] += table_[row + a];
    }
  } else {
    throw Error(id + ": adversary = \"" + config.adversary +
                "\" is unknown: use \"table\" or \"anti-ucb1\"");
  }
  if (anti_ucb1_)
    set_reward_range(0.0, 1.0);
  else
    set_reward_range(*std::min_element(table_.begin(), table_.end()),
                     *std::max_element(table_.begin(), table_.end()));
  best_arm_ =
      static_cast<std::int64_t>(std::max_element(totals_.begin(), totals_.end()) - totals_.begin());
  load_step(0);
}

void AdversarialBandit::load_step(std::int64_t t) {
  const std::int64_t k = num_arms();
  if (anti_ucb1_) {
    std::fill(means_.begin(), means_.end(), 1.0);
    means_[static_cast<std::size_t>(t % k)] = 0.0;
  } else {
    const auto row = static_cast<std::ptrdiff_t>((t % rows_) * k);
    std::copy_n(table_.begin() + row, k, means_.begin());
  }
  update_best();
}

void AdversarialBandit::do_reset(Value& obs) {
  obs.index = 0;
  step_ = 0;
  load_step(0);
}

StepResult AdversarialBandit::do_step(const Value& action, Value& obs) {
  obs.index = 0;
  StepResult r;
  r.reward = means_[static_cast<std::size_t>(action.index)];
  load_step(++step_);
  return r;
}

namespace {

void register_adversarial_bandits(Registry& registry) {
  using A = AdversarialConfig;
  registry.add_env(env_entry(
      AdversarialBandit::kId,
      "oblivious adversarial bandit: a reward table, or the built-in sequence that defeats UCB1 "
      "(Auer et al. 2002 setting); weak-regret oracle",
      ConfigSchema<A>()
          .field("adversary", &A::adversary,
                 "\"anti-ucb1\": arm t mod K pays 0, the others 1; \"table\": the table",
                 choices({"anti-ucb1", "table"}))
          .field("arms", &A::arms, "number of arms K", range(2, kMaxArms))
          .field("table", &A::table, "rows of K rewards per step, row-major, cycled")
          .field("path", &A::path,
                 "read the table from this file: CSV (T rows of K values) or HDF5 (with dataset)")
          .field("dataset", &A::dataset, "HDF5 dataset (T x K) in path; empty: path is CSV")
          .field("values", &A::values, "table entries are rewards, or losses (reward = 1 - loss)",
                 choices({"rewards", "losses"}))
          .field("horizon", &A::horizon, "number of pulls T (max_episode_steps)", range(1, 1e15)),
      [](const A& c) { return std::make_unique<AdversarialBandit>(c); }));
}

}  // namespace
RLSIM_REGISTER(register_adversarial_bandits)

}  // namespace rlsim
