// rlsim: the driver binary. See docs/commands.md.
#include "experiments/cli.hpp"

int main(int argc, char** argv) {
  return rlsim::cli_main(argc, argv);
}
