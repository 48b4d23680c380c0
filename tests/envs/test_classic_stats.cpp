// Statistical agreement of the classic-control envs with Gymnasium under a uniform random
// policy: mean return, mean episode length and the fraction of terminated episodes must
// agree with tests/data/gymnasium_random_stats.json (Gymnasium 1.4.0, see its README)
// within 4 combined standard errors, sqrt(sem_ours^2 + sem_gymnasium^2).
#include <cstdint>
#include <string>

#include "tests/envs/random_policy_stats.hpp"
#include "tests/envs/test_classic_util.hpp"

namespace {

void compare(const std::string& id, std::int64_t episodes) {
  auto env = classic_test::make(id);
  random_policy::compare(*env, id, episodes);
}

}  // namespace

TEST_CASE("CartPole-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("CartPole-v1", 20000);
}

TEST_CASE("Acrobot-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("Acrobot-v1", 3000);
}

TEST_CASE("MountainCar-v0 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("MountainCar-v0", 3000);
}

TEST_CASE("Pendulum-v1 random-policy statistics match Gymnasium", "[classic][stats]") {
  compare("Pendulum-v1", 3000);
}
