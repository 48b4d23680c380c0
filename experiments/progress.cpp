#include "experiments/progress.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "experiments/analyze.hpp"
#include "experiments/analyze_util.hpp"
#include "experiments/cli_util.hpp"

namespace rlsim {

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  std::ostringstream os;
  if (s >= 3600) os << s / 3600 << "h";
  os << std::setw(s >= 3600 ? 2 : 1) << std::setfill('0') << (s / 60) % 60 << "m" << std::setw(2)
     << s % 60 << "s";
  return os.str();
}

std::string format_rate(double x) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  if (x >= 1e6)
    os << x / 1e6 << "M";
  else if (x >= 1e3)
    os << x / 1e3 << "k";
  else
    os << x;
  return os.str();
}

namespace {
// A config value as the progress lines show it. The config reader gives a TOML list as a
// list of floats, so a list of whole numbers (net_arch = [400, 300]) is shown as integers,
// as the run file's parameter text shows it once resolved.
std::string raw_param_text(const ParamValue& v) {
  if (const auto* xs = std::get_if<std::vector<double>>(&v)) {
    std::vector<std::int64_t> ints;
    for (const double x : *xs) {
      if (!(std::abs(x) < 9.0e15 && x == std::floor(x))) return short_param_value(format_param(v));
      ints.push_back(static_cast<std::int64_t>(x));
    }
    if (!ints.empty()) return short_param_value(format_param(ParamValue(std::move(ints))));
  }
  return short_param_value(format_param(v));
}

// "37/100 runs", the steps/s and times shared by both line kinds.
struct Numbers {
  std::string runs, steps, rate, elapsed, eta;  // steps: empty when not shown
  double fraction = 0;                          // of the work done, for the bar
};
Numbers numbers(std::int64_t done, std::int64_t total, std::int64_t steps, double el,
                std::int64_t budget) {
  Numbers n;
  n.runs = std::to_string(done) + "/" + std::to_string(total) + " runs";
  if (budget > 0)
    n.steps = format_rate(static_cast<double>(steps)) + "/" +
              format_rate(static_cast<double>(budget)) + " steps";
  else if (budget == 0)
    n.steps = format_rate(static_cast<double>(steps)) + " steps";
  n.rate = format_rate(static_cast<double>(steps) / std::max(el, 1e-9)) + " steps/s";
  n.elapsed = "elapsed " + format_duration(el);
  // The ETA: by the steps against a known step budget, else by the runs done.
  double eta = -1.0;
  if (budget > 0 && steps > 0) {
    const double left = static_cast<double>(std::max<std::int64_t>(budget - steps, 0));
    eta = el * left / static_cast<double>(steps);
    n.fraction = std::min(1.0, static_cast<double>(steps) / static_cast<double>(budget));
  } else if (budget <= 0 && done > 0) {
    eta = el * static_cast<double>(total - done) / static_cast<double>(done);
  }
  if (budget <= 0 && total > 0) n.fraction = static_cast<double>(done) / static_cast<double>(total);
  n.eta = "ETA " + (eta >= 0 ? format_duration(eta) : std::string("?"));
  return n;
}
}  // namespace

std::string progress_plain_line(std::int64_t done, std::int64_t total, std::int64_t steps,
                                double el, std::int64_t step_budget) {
  const Numbers n = numbers(done, total, steps, el, step_budget);
  return "progress: " + n.runs + ", " + (n.steps.empty() ? "" : n.steps + ", ") + n.rate + ", " +
         n.elapsed + ", " + n.eta;
}

std::string progress_bar_line(std::int64_t done, std::int64_t total, std::int64_t steps, double el,
                              int width, std::int64_t step_budget) {
  const Numbers n = numbers(done, total, steps, el, step_budget);
  const int filled = std::clamp(static_cast<int>(n.fraction * width), 0, width);
  // (Built with a stream: GCC 12 warns falsely, -Wrestrict, on this chain of string +.)
  std::ostringstream os;
  os << '[' << std::string(static_cast<std::size_t>(filled), '#')
     << std::string(static_cast<std::size_t>(width - filled), '-') << "] " << n.runs << "  ";
  if (!n.steps.empty()) os << n.steps << "  ";
  os << n.rate << "  " << n.elapsed << "  " << n.eta;
  return os.str();
}

std::string group_done_line(const std::string& group, std::int64_t runs,
                            const std::vector<double>& returns, const std::vector<double>& regrets,
                            std::int64_t last_k, std::int64_t fewest, std::int64_t most) {
  std::ostringstream os;
  os << "done: " << group << ": " << runs << " run" << (runs == 1 ? "" : "s");
  auto stat = [&](const char* what, const std::vector<double>& xs) {
    if (xs.empty()) return;
    double m = 0;
    for (double x : xs) m += x;
    m /= static_cast<double>(xs.size());
    const double ci = ci95_half_width(xs);
    os << ", " << what << std::setprecision(4) << m;
    if (std::isfinite(ci)) os << " ± " << std::setprecision(3) << ci;
  };
  stat(("return (" + analyze_detail::last_text(last_k, fewest, most) + ") ").c_str(), returns);
  stat("final regret ", regrets);
  return os.str();
}

Progress::Progress(RunCounters& counters, const std::vector<RunSpec>& runs, Mode mode,
                   std::ostream& os, std::int64_t last_k, double every_seconds)
    : c_(counters),
      mode_(mode),
      os_(os),
      total_(static_cast<std::int64_t>(runs.size())),
      last_k_(last_k),
      every_(every_seconds),
      t0_(std::chrono::steady_clock::now()) {
  // Runs that differ only in their seed index form a group.
  std::map<std::string, std::size_t> groups;
  bool budget_known = true;
  for (const RunSpec& r : runs) {
    budget_known = budget_known && r.budget.steps > 0 &&
                   !__builtin_add_overflow(step_budget_, r.budget.steps, &step_budget_);
    budget_of_run_[r.run_index] = r.budget.steps;
    std::string env_text, agent_text;
    for (const auto& [k, v] : r.env_params) env_text += " " + k + "=" + raw_param_text(v);
    for (const auto& [k, v] : r.agent_params) agent_text += " " + k + "=" + raw_param_text(v);
    const std::string label = r.env_id + env_text + " / " + r.agent_id + agent_text;
    const auto [it, inserted] = groups.try_emplace(label, group_size_.size());
    if (inserted) {
      group_size_.push_back(0);
      group_label_.push_back(label);
    }
    ++group_size_[it->second];
    group_of_run_[r.run_index] = it->second;
  }
  if (!budget_known) step_budget_ = 0;
  group_runs_.assign(group_size_.size(), 0);
  group_returns_.resize(group_size_.size());
  group_regrets_.resize(group_size_.size());
  group_fewest_.assign(group_size_.size(), 0);
  group_most_.assign(group_size_.size(), 0);
  if (mode_ != Mode::off) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  stop(false);
}

void Progress::run_finished(const RunResult& r) {
  if (mode_ == Mode::off) return;
  const auto it = group_of_run_.find(r.info.run_index);
  if (it == group_of_run_.end()) return;
  {
    // The run's budget is replaced by the steps it took (fewer when its episodes ran out;
    // a vector env rounds up to whole vector steps).
    std::lock_guard<std::mutex> lock(mutex_);
    if (step_budget_ > 0) step_budget_ += r.total_steps - budget_of_run_[r.info.run_index];
  }
  const std::size_t g = it->second;
  auto& returns = group_returns_[g];
  ++group_runs_[g];
  if (r.regret.size() > 0) group_regrets_[g].push_back(r.regret.pseudo_regret.back());
  const auto& e = r.episodes.returns;
  const std::size_t k = std::min<std::size_t>(e.size(), static_cast<std::size_t>(last_k_));
  if (k > 0) {
    double sum = 0;
    for (std::size_t i = e.size() - k; i < e.size(); ++i) sum += e[i];
    returns.push_back(sum / static_cast<double>(k));
    const auto averaged = static_cast<std::int64_t>(k);
    group_fewest_[g] = group_most_[g] == 0 ? averaged : std::min(group_fewest_[g], averaged);
    group_most_[g] = std::max(group_most_[g], averaged);
  }
  if (--group_size_[g] == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (mode_ == Mode::bar) os_ << "\r\033[K";
    os_ << group_done_line(group_label_[g], group_runs_[g], returns, group_regrets_[g], last_k_,
                           group_fewest_[g], group_most_[g])
        << "\n"
        << std::flush;
  }
}

void Progress::print_line() {
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  const std::int64_t runs = c_.runs_done.load(), steps = c_.steps.load();
  std::lock_guard<std::mutex> lock(mutex_);
  if (mode_ == Mode::bar)
    os_ << "\r\033[K" << progress_bar_line(runs, total_, steps, el, 24, step_budget_) << std::flush;
  else
    os_ << progress_plain_line(runs, total_, steps, el, step_budget_) << "\n" << std::flush;
}

void Progress::loop() {
  auto last = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(wait_mutex_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_.load(); }))
        break;
    }
    if (mode_ == Mode::bar) {
      print_line();
    } else if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count() >=
               every_) {
      print_line();
      last = std::chrono::steady_clock::now();
    }
  }
}

void Progress::stop(bool final_line) {
  if (stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(wait_mutex_);
    done_.store(true);
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (mode_ == Mode::bar) {
    std::lock_guard<std::mutex> lock(mutex_);
    os_ << "\r\033[K" << std::flush;
  } else if (mode_ == Mode::plain && final_line) {
    print_line();
  }
}

}  // namespace rlsim
