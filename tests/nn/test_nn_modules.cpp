// Modules, initialisers, optimizers, schedules, learning sanity and save/load of the nn
// library. Optimizer steps are checked against values computed by hand from PyTorch
// 1.13's update rules (three steps, bias correction included).
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <string>
#include <vector>

#include <unistd.h>

#include "nn/nn.hpp"
#include "core/rng.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace {

double activate_d(nn::Activation a, double x) {
  switch (a) {
    case nn::Activation::identity:
      return x;
    case nn::Activation::relu:
      return x > 0 ? x : 0.0;
    case nn::Activation::leaky_relu:
      return x > 0 ? x : 0.01 * x;
    case nn::Activation::tanh:
      return std::tanh(x);
    case nn::Activation::sigmoid:
      return 1.0 / (1.0 + std::exp(-x));
    case nn::Activation::softplus:
      return std::log1p(std::exp(x));
    case nn::Activation::elu:
      return x > 0 ? x : std::expm1(x);
  }
  return x;
}

// The MLP written out in double: params = {W0, b0, W1, b1, …}.
MatD mlp_reference(const std::vector<MatD>& params, const MatD& x, nn::Activation hidden,
                   nn::Activation output) {
  MatD h = x;
  const std::size_t layers = params.size() / 2;
  for (std::size_t l = 0; l < layers; ++l) {
    MatD z = h * params[2 * l];
    z.rowwise() += params[2 * l + 1].row(0);
    const nn::Activation a = l + 1 == layers ? output : hidden;
    h = z.unaryExpr([a](double v) { return activate_d(a, v); });
  }
  return h;
}

// Checks the gradients of Σ seed ⊙ mlp(x) for every parameter and for the input.
void check_mlp_gradients(nn::Mlp& mlp, Index batch, rlsim::Rng& rng) {
  const auto named = mlp.named_parameters();
  std::vector<MatD> params;
  for (const auto& p : named) params.push_back(p.parameter->value.cast<double>());
  nn::Parameter x;
  x.value = random_matrix(rng, batch, params[0].rows(), -1.5, 1.5).cast<float>();
  const MatD xd = x.value.cast<double>();
  mlp.zero_grad();
  nn::Tape tape;
  const Var y = mlp.forward(tape.param(x));
  const MatD expected = mlp_reference(params, xd, mlp.activation(), mlp.output_activation());
  REQUIRE(y.value().cast<double>().isApprox(expected, 1e-4));
  const MatD seed = random_matrix(rng, y.rows(), y.cols(), -1, 1);
  tape.backward(y, seed.cast<float>());
  auto objective = [&](const std::vector<MatD>& ps, const MatD& in) {
    return (mlp_reference(ps, in, mlp.activation(), mlp.output_activation()).array() * seed.array())
        .sum();
  };
  auto compare = [](double analytic, double numeric) {
    INFO("analytic " << analytic << ", numeric " << numeric);
    CHECK(std::abs(analytic - numeric) <= 2e-4 + 2e-3 * std::abs(numeric));
  };
  const double h = 1e-6;
  for (std::size_t k = 0; k < params.size(); ++k) {
    INFO("parameter " << named[k].name);
    for (Index j = 0; j < params[k].size(); ++j) {
      auto plus = params, minus = params;
      plus[k].data()[j] += h;
      minus[k].data()[j] -= h;
      compare(named[k].parameter->grad.data()[j],
              (objective(plus, xd) - objective(minus, xd)) / (2 * h));
    }
  }
  INFO("the input");
  for (Index j = 0; j < xd.size(); ++j) {
    MatD plus = xd, minus = xd;
    plus.data()[j] += h;
    minus.data()[j] -= h;
    compare(x.grad.data()[j], (objective(params, plus) - objective(params, minus)) / (2 * h));
  }
}

std::string temp_path(const std::string& stem) {
  return (std::filesystem::temp_directory_path() /
          (stem + "_" + std::to_string(::getpid()) + ".h5"))
      .string();
}

}  // namespace

TEST_CASE("nn modules: MLP gradients for every activation, batch 1 and more", "[nn][grad]") {
  rlsim::Rng rng(11);
  for (nn::Activation a : {nn::Activation::relu, nn::Activation::leaky_relu, nn::Activation::tanh,
                           nn::Activation::sigmoid, nn::Activation::softplus, nn::Activation::elu,
                           nn::Activation::identity}) {
    for (nn::Activation out : {nn::Activation::identity, nn::Activation::tanh}) {
      INFO("activation " << nn::activation_name(a) << ", output " << nn::activation_name(out));
      nn::Mlp mlp({3, 5, 4, 2}, a, out, rng);
      check_mlp_gradients(mlp, 1, rng);
      check_mlp_gradients(mlp, 4, rng);
    }
  }
}

TEST_CASE("nn modules: names, Sequential, parse_activation", "[nn]") {
  rlsim::Rng rng(12);
  nn::Mlp mlp({4, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  const auto named = mlp.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].name == "0.weight");
  CHECK(named[1].name == "0.bias");
  CHECK(named[2].name == "1.weight");
  CHECK(named[3].name == "1.bias");
  CHECK(named[0].parameter->value.rows() == 4);
  CHECK(named[0].parameter->value.cols() == 8);
  CHECK(mlp.parameter_count() == 4 * 8 + 8 + 8 * 2 + 2);

  // A Sequential with the same layers computes the same function.
  nn::Sequential seq;
  seq.emplace<nn::Linear>(4, 8, rng);
  seq.emplace<nn::ActivationLayer>(nn::Activation::relu);
  seq.emplace<nn::Linear>(8, 2, rng);
  const auto seq_named = seq.named_parameters();
  REQUIRE(seq_named.size() == 4);
  CHECK(seq_named[2].name == "2.weight");
  for (std::size_t i = 0; i < 4; ++i) seq_named[i].parameter->value = named[i].parameter->value;
  nn::Tape tape;
  const Var x = tape.constant(random_matrix(rng, 3, 4, -1, 1).cast<float>());
  CHECK(seq.forward(x).value() == mlp.forward(x).value());
  auto clone = seq.clone();
  CHECK(clone->forward(x).value() == mlp.forward(x).value());

  CHECK(nn::parse_activation("tanh") == nn::Activation::tanh);
  CHECK_THROWS_WITH(nn::parse_activation("swish"),
                    Catch::Contains("swish") && Catch::Contains("leaky_relu"));
  CHECK_THROWS_AS(nn::Mlp({4}, nn::Activation::relu, nn::Activation::identity, rng), rlsim::Error);
}

TEST_CASE("nn init: bounds, moments, orthogonality and determinism", "[nn]") {
  rlsim::Rng rng(13);
  nn::Matrix w(200, 100);
  nn::init::xavier_uniform(w, rng, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 300.0);
  CHECK(w.maxCoeff() <= a);
  CHECK(w.minCoeff() >= -a);
  CHECK(w.maxCoeff() > 0.95 * a);
  // Variance of U(−a, a) is a²/3.
  CHECK(w.array().square().mean() == Approx(a * a / 3.0).epsilon(0.05));
  nn::init::kaiming_normal(w, rng);
  CHECK(w.array().square().mean() == Approx(2.0 / 200.0).epsilon(0.05));
  CHECK(std::abs(w.mean()) < 0.01);
  nn::init::xavier_normal(w, rng);
  CHECK(w.array().square().mean() == Approx(2.0 / 300.0).epsilon(0.05));
  nn::init::kaiming_uniform(w, rng);
  CHECK(w.cwiseAbs().maxCoeff() <= std::sqrt(2.0) * std::sqrt(3.0 / 200.0));

  for (auto [r, c] : std::vector<std::pair<Index, Index>>{{64, 16}, {16, 64}, {32, 32}}) {
    nn::Matrix q(r, c);
    nn::init::orthogonal(q, rng, 1.5);
    const Eigen::MatrixXd qd = q.cast<double>();
    const Eigen::MatrixXd gram =
        r >= c ? Eigen::MatrixXd(qd.transpose() * qd) : Eigen::MatrixXd(qd * qd.transpose());
    CHECK(gram.isApprox(2.25 * Eigen::MatrixXd::Identity(gram.rows(), gram.cols()), 1e-5));
  }
  // Same seed, same weights; PyTorch's default Linear init bounds ±1/√fan_in.
  rlsim::Rng r1(99), r2(99);
  nn::Linear l1(16, 4, r1), l2(16, 4, r2);
  CHECK(l1.weight.value == l2.weight.value);
  CHECK(l1.bias.value == l2.bias.value);
  CHECK(l1.weight.value.cwiseAbs().maxCoeff() <= 0.25f);
  CHECK(l1.bias.value.cwiseAbs().maxCoeff() <= 0.25f);
  nn::Linear z(3, 2, r1, nn::Init::zeros());
  CHECK(z.weight.value.isZero());
  CHECK(z.bias.value.isZero());
  CHECK(nn::gain_for(nn::Activation::tanh) == Approx(5.0 / 3.0));
  CHECK(nn::gain_for(nn::Activation::relu) == Approx(std::sqrt(2.0)));
}

TEST_CASE("nn modules: copy and Polyak averaging of target networks", "[nn]") {
  rlsim::Rng rng(14);
  nn::Mlp online({4, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  nn::Mlp target({4, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  const nn::Matrix before = target.layer(0).weight.value;
  nn::ParameterSync sync(online, target);
  sync.polyak(0.1);
  const nn::Matrix expected = 0.1f * online.layer(0).weight.value + 0.9f * before;
  CHECK(target.layer(0).weight.value.isApprox(expected, 1e-6f));
  sync.copy();
  CHECK(target.layer(1).bias.value == online.layer(1).bias.value);
  CHECK(target.layer(0).weight.value == online.layer(0).weight.value);
  CHECK_THROWS_AS(sync.polyak(1.5), rlsim::Error);
  nn::Mlp wider({4, 16, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  CHECK_THROWS_WITH(nn::copy_parameters(online, wider),
                    Catch::Contains("0.weight") && Catch::Contains("4×16"));
  nn::Mlp deeper({4, 8, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  CHECK_THROWS_WITH(nn::copy_parameters(online, deeper), Catch::Contains("1.weight"));
}

namespace {
// Runs three steps with fixed gradients on p = [1, −2] and returns p after each step.
std::vector<std::array<float, 2>> three_steps(nn::Optimizer& opt, nn::Parameter& p) {
  const float grads[3][2] = {{0.5f, -1.0f}, {-0.3f, 0.2f}, {0.8f, 0.1f}};
  std::vector<std::array<float, 2>> out;
  for (const auto& g : grads) {
    opt.zero_grad();
    p.grad(0, 0) += g[0];
    p.grad(0, 1) += g[1];
    opt.step();
    out.push_back({p.value(0, 0), p.value(0, 1)});
  }
  return out;
}

void check_steps(const std::string& name, nn::Optimizer& opt, nn::Parameter& p,
                 const std::vector<std::array<double, 2>>& expected) {
  INFO(name);
  const auto got = three_steps(opt, p);
  for (std::size_t s = 0; s < 3; ++s) {
    for (std::size_t i = 0; i < 2; ++i) {
      INFO("step " << s + 1 << " element " << i);
      CHECK(got[s][i] == Approx(expected[s][i]).epsilon(2e-6));
    }
  }
}

struct OneParam {
  nn::Parameter p{1, 2};
  OneParam() { p.value << 1.0f, -2.0f; }
  std::vector<nn::NamedParameter> named() { return {{"p", &p}}; }
};
}  // namespace

TEST_CASE("nn optimizers: steps match hand-computed values", "[nn][optim]") {
  // Values from the PyTorch 1.13 update rules in double precision (see optim.hpp).
  // E.g. Adam, step 1: m̂ = g, v̂ = g², so p ← p − η·sign(g) = [0.9, −1.9]; step 2,
  // element 0: m = 0.9·0.05 − 0.1·0.3 = 0.015, v = 0.999·0.00025 + 0.001·0.09 = 0.00033975,
  // m̂ = 0.015/0.19, v̂ = 0.00033975/0.001999, p = 0.9 − 0.1·m̂/√v̂ = 0.880850199.
  {
    OneParam o;
    nn::Sgd opt(o.named(), {.lr = 0.1});
    check_steps("sgd", opt, o.p, {{0.95, -1.9}, {0.98, -1.92}, {0.9, -1.93}});
  }
  {
    OneParam o;
    nn::Sgd opt(o.named(), {.lr = 0.1, .momentum = 0.9});
    check_steps("sgd momentum", opt, o.p, {{0.95, -1.9}, {0.935, -1.83}, {0.8415, -1.777}});
  }
  {
    OneParam o;
    nn::Sgd opt(o.named(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
    check_steps("sgd nesterov", opt, o.p, {{0.905, -1.81}, {0.9215, -1.767}, {0.75735, -1.7293}});
  }
  {
    OneParam o;
    nn::Sgd opt(o.named(), {.lr = 0.1, .weight_decay = 0.01});
    check_steps("sgd weight decay", opt, o.p,
                {{0.949, -1.898}, {0.978051, -1.916102}, {0.897072949, -1.9241859}});
  }
  {
    OneParam o;
    nn::RmsProp opt(o.named(), {.lr = 0.01});
    check_steps(
        "rmsprop", opt, o.p,
        {{0.90000002, -1.90000001}, {0.951639789, -1.91970659}, {0.870584269, -1.92956132}});
  }
  {
    OneParam o;
    nn::RmsProp opt(o.named(), {.lr = 0.01, .momentum = 0.9, .centered = true});
    check_steps(
        "rmsprop centred momentum", opt, o.p,
        {{0.899496239, -1.89949623}, {0.860711738, -1.82880939}, {0.744336745, -1.77506831}});
  }
  {
    OneParam o;
    nn::Adam opt(o.named(), {.lr = 0.1});
    check_steps("adam", opt, o.p,
                {{0.900000002, -1.9}, {0.880850199, -1.84889739}, {0.820496564, -1.8158241}});
  }
  {
    OneParam o;
    nn::Adam opt(o.named(), {.lr = 0.1, .weight_decay = 0.1});
    check_steps("adam L2", opt, o.p,
                {{0.900000002, -1.9}, {0.861352997, -1.83361691}, {0.792027051, -1.77799489}});
  }
  {
    OneParam o;
    nn::AdamW opt(o.named(), {.lr = 0.1, .weight_decay = 0.1});
    check_steps("adamw", opt, o.p,
                {{0.890000002, -1.88}, {0.861950199, -1.81009739}, {0.792977062, -1.75892313}});
    CHECK(std::string(opt.name()) == "adamw");
  }
  OneParam o;
  CHECK_THROWS_AS(nn::Sgd(o.named(), {.lr = 0.1, .nesterov = true}), rlsim::Error);
  CHECK_THROWS_AS(nn::Adam(o.named(), {.lr = 0.1, .beta1 = 1.0}), rlsim::Error);
  CHECK_THROWS_AS(nn::Adam(o.named(), {.lr = -1.0}), rlsim::Error);
}

TEST_CASE("nn optimizers: clipping, zero_grad and schedules", "[nn][optim]") {
  nn::Parameter a(1, 2), b(1, 1);
  a.grad << 3.0f, 0.0f;
  b.grad << 4.0f;
  std::vector<nn::Parameter*> ps = {&a, &b};
  CHECK(nn::clip_grad_norm(ps, 10.0) == Approx(5.0));
  CHECK(a.grad(0, 0) == 3.0f);  // below the threshold: unchanged
  CHECK(nn::clip_grad_norm(ps, 1.0) == Approx(5.0));
  CHECK(a.grad(0, 0) == Approx(0.6).epsilon(1e-6));
  CHECK(b.grad(0, 0) == Approx(0.8).epsilon(1e-6));
  CHECK(nn::global_grad_norm(ps) == Approx(1.0).epsilon(1e-5));
  nn::zero_grad(ps);
  CHECK(a.grad.isZero());

  const auto c = nn::LrSchedule::constant(0.01);
  CHECK(c.at(0) == 0.01);
  CHECK(c.at(1000000) == 0.01);
  const auto l = nn::LrSchedule::linear(1e-3, 0.0, 100);
  CHECK(l.at(0) == Approx(1e-3));
  CHECK(l.at(25) == Approx(7.5e-4));
  CHECK(l.at(100) == Approx(0.0).margin(1e-15));
  CHECK(l.at(500) == Approx(0.0).margin(1e-15));
  const auto cs = nn::LrSchedule::cosine(1.0, 0.1, 10);
  CHECK(cs.at(0) == Approx(1.0));
  CHECK(cs.at(5) == Approx(0.55));
  CHECK(cs.at(10) == Approx(0.1));
  OneParam o;
  nn::Adam opt(o.named(), {});
  l.apply(opt, 50);
  CHECK(opt.lr() == Approx(5e-4));
}

TEST_CASE("nn learning: an MLP fits XOR", "[nn][learn]") {
  rlsim::Rng rng(2024);
  nn::Mlp mlp({2, 8, 1}, nn::Activation::tanh, nn::Activation::sigmoid, rng);
  nn::Adam opt(mlp.named_parameters(), {.lr = 0.05});
  nn::Matrix x(4, 2), y(4, 1);
  x << 0, 0, 0, 1, 1, 0, 1, 1;
  y << 0, 1, 1, 0;
  nn::Tape tape;
  float loss = 0.0f;
  for (int step = 0; step < 500; ++step) {
    tape.reset();
    const Var l = nn::mse_loss(mlp.forward(tape.constant(x)), tape.constant(y));
    opt.zero_grad();
    tape.backward(l);
    opt.step();
    loss = l.item();
  }
  CHECK(loss < 1e-3f);
  tape.reset();
  const auto pred = mlp.forward(tape.constant(x)).value();
  for (Index i = 0; i < 4; ++i) CHECK(std::abs(pred(i, 0) - y(i, 0)) < 0.1f);
}

TEST_CASE("nn learning: an MLP fits sin on [-pi, pi]", "[nn][learn]") {
  rlsim::Rng rng(7);
  nn::Mlp mlp({1, 32, 32, 1}, nn::Activation::tanh, nn::Activation::identity, rng);
  nn::Adam opt(mlp.named_parameters(), {.lr = 0.01});
  const auto schedule = nn::LrSchedule::cosine(0.01, 1e-4, 2000);
  const Index n = 64;
  nn::Matrix x(n, 1), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = static_cast<float>(-std::numbers::pi + 2 * std::numbers::pi * i / (n - 1));
    y(i, 0) = std::sin(x(i, 0));
  }
  nn::Tape tape;
  for (int step = 0; step < 2000; ++step) {
    tape.reset();
    schedule.apply(opt, step);
    const Var l = nn::mse_loss(mlp.forward(tape.constant(x)), tape.constant(y));
    opt.zero_grad();
    tape.backward(l);
    opt.step();
  }
  // Test on points between the training points.
  nn::Matrix xt(200, 1), yt(200, 1);
  for (Index i = 0; i < 200; ++i) {
    xt(i, 0) = static_cast<float>(-std::numbers::pi + 2 * std::numbers::pi * (i + 0.5) / 200);
    yt(i, 0) = std::sin(xt(i, 0));
  }
  tape.reset();
  const float test_mse = nn::mse_loss(mlp.forward(tape.constant(xt)), tape.constant(yt)).item();
  INFO("test MSE " << test_mse);
  CHECK(test_mse < 1e-3f);
}

TEST_CASE("nn save/load: state dict round trip and architecture checks", "[nn][io]") {
  rlsim::Rng rng(15);
  nn::Mlp a({3, 6, 2}, nn::Activation::tanh, nn::Activation::identity, rng);
  nn::Mlp b({3, 6, 2}, nn::Activation::tanh, nn::Activation::identity, rng);
  rlsim::StateDict sd;
  nn::to_state_dict(a, sd, "net.");
  REQUIRE(sd.count("net.0.weight") == 1);
  CHECK(sd.at("net.0.weight").shape == std::vector<std::int64_t>{3, 6});
  nn::from_state_dict(b, sd, "net.");
  nn::Tape tape;
  const Var x = tape.constant(random_matrix(rng, 5, 3, -1, 1).cast<float>());
  CHECK(a.forward(x).value() == b.forward(x).value());

  nn::Mlp wide({3, 7, 2}, nn::Activation::tanh, nn::Activation::identity, rng);
  CHECK_THROWS_WITH(nn::from_state_dict(wide, sd, "net."), Catch::Contains("'0.weight'") &&
                                                               Catch::Contains("3×7") &&
                                                               Catch::Contains("3×6"));
  nn::Mlp deep({3, 6, 6, 2}, nn::Activation::tanh, nn::Activation::identity, rng);
  CHECK_THROWS_WITH(nn::from_state_dict(deep, sd, "net."), Catch::Contains("'1.weight'"));
  nn::Mlp shallow({3, 2}, nn::Activation::tanh, nn::Activation::identity, rng);
  const nn::Matrix untouched = shallow.layer(0).weight.value;
  CHECK_THROWS_WITH(nn::from_state_dict(shallow, sd, "net."), Catch::Contains("'0.weight'"));
  CHECK(shallow.layer(0).weight.value == untouched);  // nothing changed on failure
  nn::Linear single(3, 6, rng);
  // A prefix selects a sub-module's entries: layer 0 alone loads into a Linear.
  nn::from_state_dict(single, sd, "net.0.");
  CHECK(single.weight.value == a.layer(0).weight.value);
}

TEST_CASE("nn save/load: HDF5 round trip of parameters and optimizer state", "[nn][io]") {
  rlsim::Rng rng(16);
  const std::string path = temp_path("rlsim_nn_io");
  nn::Mlp net({3, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  nn::Adam opt(net.named_parameters(), {.lr = 0.01});
  nn::Matrix x = random_matrix(rng, 6, 3, -1, 1).cast<float>();
  nn::Matrix y = random_matrix(rng, 6, 2, -1, 1).cast<float>();
  nn::Tape tape;
  auto train_step = [&](nn::Mlp& m, nn::Optimizer& o) {
    tape.reset();
    const Var l = nn::mse_loss(m.forward(tape.constant(x)), tape.constant(y));
    o.zero_grad();
    tape.backward(l);
    o.step();
  };
  for (int i = 0; i < 5; ++i) train_step(net, opt);
  nn::save(path, "agent/q", net, &opt);

  nn::Mlp restored({3, 8, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  nn::Adam restored_opt(restored.named_parameters(), {.lr = 0.5});
  nn::load(path, "agent/q", restored, &restored_opt);
  CHECK(restored_opt.step_count() == 5);
  CHECK(restored_opt.lr() == Approx(0.01));
  tape.reset();
  CHECK(net.forward(tape.constant(x)).value() == restored.forward(tape.constant(x)).value());
  // Training continues identically: the optimizer's moments were restored too.
  train_step(net, opt);
  train_step(restored, restored_opt);
  for (std::size_t l = 0; l < 2; ++l) {
    CHECK(net.layer(l).weight.value == restored.layer(l).weight.value);
    CHECK(net.layer(l).bias.value == restored.layer(l).bias.value);
  }

  nn::Mlp other({3, 4, 2}, nn::Activation::relu, nn::Activation::identity, rng);
  CHECK_THROWS_WITH(nn::load(path, "agent/q", other), Catch::Contains("'0.weight'"));
  nn::Sgd sgd(restored.named_parameters(), {.lr = 0.1, .momentum = 0.9});
  const nn::Matrix kept = restored.layer(0).weight.value;
  nn::save(path, "agent/q", net, &opt);
  CHECK_THROWS_WITH(nn::load(path, "agent/q", restored, &sgd), Catch::Contains("momentum"));
  CHECK(restored.layer(0).weight.value == kept);  // unchanged after the failed load
  std::filesystem::remove(path);
}
