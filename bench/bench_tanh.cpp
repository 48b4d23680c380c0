// What one tanh pass costs on the shape PPO applies it to, and what a cheaper formula would
// buy (issue 20: PPO CartPole against its FLOP floor). One thread.
//
// Every case computes dst = f(src) over 256 × 64 floats (one hidden layer of
// experiments/configs/ppo_cartpole.toml's minibatch), src uniform on [-6, 6]:
//   copy          dst = src: the memory floor of the pass
//   eigen         dst = src.tanh(): what nn's linear_tanh applies (Eigen's rational, odd
//                 degree 13 over even degree 6, with its clamp and small-|x| select)
//   rational/P_Q  x·p(x²)/q(x²) after clamping x to ±7.9, p and q of odd degree P and even
//                 degree Q, minimax coefficients for the relative error on (0, 7.9] fitted by
//                 bench/tanh_rational_fit.py. Not in nn: these measure what a lower degree
//                 would save, and at what accuracy.
// Counters: ns_per_element (Google Benchmark prints an inverted rate with an "s" after it; the
// number is nanoseconds), and max_rel_err: the largest |f(x) − tanh(x)| / |tanh(x)| over
// 2·10⁶ points of [−9, 9] and 10³ points of [10⁻³⁰, 10⁻³], against std::tanh in double.
//
// Run: build/release/bench/bench_tanh --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "core/rng.hpp"

namespace {

using Packet = Eigen::internal::packet_traits<float>::type;
constexpr std::ptrdiff_t kLanes = Eigen::internal::packet_traits<float>::size;
constexpr std::ptrdiff_t kElements = 256 * 64;
constexpr float kClamp = 7.9f;

// p(s) and q(s) in s = x², lowest degree first; q's constant term is 1.
template <std::size_t NP, std::size_t NQ>
struct Rational {
  std::array<float, NP> p;
  std::array<float, NQ> q;
};

// bench/tanh_rational_fit.py's output (max relative error of the real-valued rational on
// (0, 7.9] in its comment; the float evaluation adds rounding, see max_rel_err).
constexpr Rational<3, 2> k5_2{{0.991241031f, 0.0441673511f, -0.000224064916f},
                              {1.0f, 0.351115663f}};  // 8.8e-3
constexpr Rational<3, 3> k5_4{{0.999530183f, 0.092829085f, 0.000438949769f},
                              {1.0f, 0.424047223f, 0.0101861322f}};  // 4.7e-4
constexpr Rational<4, 3> k7_4{{0.9999385f, 0.105513165f, 0.000852004659f, -1.65028296e-06f},
                              {1.0f, 0.438503769f, 0.0140198034f}};  // 6.2e-5
constexpr Rational<4, 4> k7_6{{0.999997515f, 0.122067634f, 0.00219095192f, 3.5280752e-06f},
                              {1.0f, 0.455383817f, 0.0206724108f, 0.000133022776f}};  // 2.5e-6
constexpr Rational<5, 4> k9_6{
    {0.999999807f, 0.127209392f, 0.00270522291f, 7.22921898e-06f, -6.26350278e-09f},
    {1.0f, 0.460541166f, 0.0228877291f, 0.000197881349f}};  // 1.9e-7

// Horner's rule in s on packets, highest coefficient first.
template <std::size_t N>
Packet horner(const std::array<float, N>& c, const Packet& s) {
  using namespace Eigen::internal;
  Packet acc = pset1<Packet>(c[N - 1]);
  for (std::size_t k = N - 1; k-- > 0;) acc = pmadd(acc, s, pset1<Packet>(c[k]));
  return acc;
}

template <std::size_t NP, std::size_t NQ>
Packet rational_packet(const Rational<NP, NQ>& r, Packet x) {
  using namespace Eigen::internal;
  x = pmax(pmin(x, pset1<Packet>(kClamp)), pset1<Packet>(-kClamp));
  const Packet s = pmul(x, x);
  return pdiv(pmul(x, horner(r.p, s)), horner(r.q, s));
}

template <std::size_t NP, std::size_t NQ>
void rational_pass(const Rational<NP, NQ>& r, const float* src, float* dst, std::ptrdiff_t n) {
  using namespace Eigen::internal;
  std::ptrdiff_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    pstoreu(dst + i, rational_packet(r, ploadu<Packet>(src + i)));
  for (; i < n; ++i) {  // the tail in scalar arithmetic, the same formula
    const float x = std::clamp(src[i], -kClamp, kClamp);
    const float s = x * x;
    float p = r.p[NP - 1];
    for (std::size_t k = NP - 1; k-- > 0;) p = p * s + r.p[k];
    float q = r.q[NQ - 1];
    for (std::size_t k = NQ - 1; k-- > 0;) q = q * s + r.q[k];
    dst[i] = x * p / q;
  }
}

void eigen_pass(const float* src, float* dst, std::ptrdiff_t n) {
  Eigen::Map<Eigen::ArrayXf>(dst, n) = Eigen::Map<const Eigen::ArrayXf>(src, n).tanh();
}

void copy_pass(const float* src, float* dst, std::ptrdiff_t n) {
  std::copy(src, src + n, dst);
}

// The largest relative error of `pass` against std::tanh in double.
template <class Pass>
double max_rel_err(Pass pass) {
  std::vector<float> x;
  for (int i = 0; i <= 2'000'000; ++i) x.push_back(-9.0f + 18.0f * static_cast<float>(i) / 2e6f);
  for (int i = 0; i < 1000; ++i) x.push_back(std::pow(10.0f, -30.0f + 27.0f * i / 999.0f));
  std::vector<float> y(x.size());
  pass(x.data(), y.data(), static_cast<std::ptrdiff_t>(x.size()));
  double worst = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = std::tanh(static_cast<double>(x[i]));
    if (t != 0) worst = std::max(worst, std::abs((y[i] - t) / t));
  }
  return worst;
}

template <class Pass>
void bench_pass(benchmark::State& state, Pass pass, bool with_error) {
  rlsim::Rng rng(1);
  std::vector<float> src(kElements), dst(kElements);
  for (float& v : src) v = static_cast<float>(rng.uniform(-6.0, 6.0));
  for (auto _ : state) {
    pass(src.data(), dst.data(), kElements);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kElements);
  // A rate of items·10⁻⁹ per second, inverted: nanoseconds per element.
  state.counters["ns_per_element"] =
      benchmark::Counter(1e-9 * static_cast<double>(state.iterations() * kElements),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  if (with_error) state.counters["max_rel_err"] = max_rel_err(pass);
}

}  // namespace

int main(int argc, char** argv) {
  auto reg = [](const std::string& name, auto pass, bool with_error) {
    benchmark::RegisterBenchmark(name.c_str(), [pass, with_error](benchmark::State& s) {
      bench_pass(s, pass, with_error);
    })->Unit(benchmark::kMicrosecond);
  };
  reg("tanh/copy", copy_pass, false);
  reg("tanh/eigen", eigen_pass, true);
  auto reg_rational = [&reg](const std::string& degrees, const auto& r) {
    reg(
        "tanh/rational/" + degrees,
        [&r](const float* s, float* d, std::ptrdiff_t n) { rational_pass(r, s, d, n); }, true);
  };
  reg_rational("9_6", k9_6);
  reg_rational("7_6", k7_6);
  reg_rational("7_4", k7_4);
  reg_rational("5_4", k5_4);
  reg_rational("5_2", k5_2);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
