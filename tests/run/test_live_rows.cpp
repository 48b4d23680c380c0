// LiveRowBuffer (run/live_rows.hpp), the in-memory half of live rows that MPI worker ranks
// use: update() keeps the rows a run's tables gained, take() hands them over once, add()
// appends another buffer's hand-overs, forget() drops an ended run. Handing every take() of
// one buffer to another gives the second the same rows as the run's own tables.
#include <catch2/catch.hpp>

#include "run/live_rows.hpp"

using rlsim::DiagnosticsTable;
using rlsim::EvalTable;
using rlsim::LiveRowBuffer;
using rlsim::LiveRows;
using rlsim::RunInfo;

namespace {

RunInfo info(std::int64_t index) {
  RunInfo i;
  i.run_index = index;
  i.env_id = std::string("CartPole-v1");
  i.agent_id = std::string("ppo");
  i.seed_index = index;
  return i;
}

void add_eval(EvalTable& t, std::int64_t step, double ret) {
  t.step.push_back(step);
  t.returns.push_back(ret);
  t.lengths.push_back(step / 10);
}

}  // namespace

TEST_CASE("live rows: take() hands each row over once; add() rebuilds the run's rows", "[live]") {
  LiveRowBuffer worker(0.0);  // every run is live at once
  LiveRowBuffer writer(0.0);
  EvalTable eval;
  DiagnosticsTable diag;
  diag.names = {"loss", "entropy"};
  CHECK_FALSE(worker.pending());
  CHECK(worker.take().empty());

  // First report: no rows yet, but the run is handed over (its group is created).
  worker.update(info(3), 100, eval, &diag);
  REQUIRE(worker.pending());
  std::vector<LiveRows> t1 = worker.take();
  REQUIRE(t1.size() == 1);
  CHECK(t1[0].info.run_index == 3);
  CHECK(t1[0].steps == 100);
  CHECK(t1[0].eval.size() == 0);
  CHECK_FALSE(worker.pending());
  CHECK(worker.take().empty());  // nothing new

  // Rows of two runs; only the new ones are handed over.
  add_eval(eval, 200, 1.5);
  diag.add_row(150, {0.25, -0.5});
  diag.add_row(250, {0.125, -0.75});
  worker.update(info(3), 256, eval, &diag);
  EvalTable other;
  add_eval(other, 50, 9.0);
  worker.update(info(5), 60, other, nullptr);
  std::vector<LiveRows> t2 = worker.take();
  REQUIRE(t2.size() == 2);  // sorted by run index
  CHECK(t2[0].info.run_index == 3);
  CHECK(t2[0].steps == 256);
  CHECK(t2[0].eval.step == std::vector<std::int64_t>{200});
  CHECK(t2[0].diag.names == diag.names);
  CHECK(t2[0].diag.step == std::vector<std::int64_t>{150, 250});
  CHECK(t2[0].diag.values == std::vector<double>{0.25, -0.5, 0.125, -0.75});
  CHECK(t2[1].info.run_index == 5);
  CHECK(t2[1].eval.returns == std::vector<double>{9.0});

  add_eval(eval, 400, 2.5);
  diag.add_row(350, {0.0625, -1.0});
  worker.update(info(3), 512, eval, &diag);
  std::vector<LiveRows> t3 = worker.take();
  REQUIRE(t3.size() == 1);  // run 5 has nothing new
  CHECK(t3[0].eval.step == std::vector<std::int64_t>{400});
  CHECK(t3[0].diag.step == std::vector<std::int64_t>{350});

  // The writer's buffer gets every hand-over: it holds the run's rows, in order.
  for (const auto* batch : {&t1, &t2, &t3})
    for (const LiveRows& r : *batch) writer.add(r);
  REQUIRE(writer.pending());
  std::vector<LiveRows> all = writer.take();
  REQUIRE(all.size() == 2);
  CHECK(all[0].steps == 512);
  CHECK(all[0].eval.step == eval.step);
  CHECK(all[0].eval.returns == eval.returns);
  CHECK(all[0].eval.lengths == eval.lengths);
  CHECK(all[0].diag.step == diag.step);
  CHECK(all[0].diag.values == diag.values);
  CHECK(all[1].eval.step == other.step);

  // forget(): an ended run's rows not handed over yet are dropped.
  add_eval(eval, 600, 3.5);
  worker.update(info(3), 700, eval, &diag);
  worker.forget(3);
  CHECK(worker.take().empty());
}

TEST_CASE("live rows: a run is held only once it has run min_seconds", "[live]") {
  LiveRowBuffer buffer(1000.0);
  EvalTable eval;
  add_eval(eval, 10, 1.0);
  buffer.update(info(0), 10, eval, nullptr);
  CHECK_FALSE(buffer.pending());
  CHECK(buffer.take().empty());
  // add() rows are live at once (the sender applied its threshold).
  LiveRows r;
  r.info = info(1);
  r.steps = 5;
  r.eval = eval;
  buffer.add(r);
  std::vector<LiveRows> t = buffer.take();
  REQUIRE(t.size() == 1);
  CHECK(t[0].info.run_index == 1);
  CHECK(t[0].eval.step == eval.step);
}
