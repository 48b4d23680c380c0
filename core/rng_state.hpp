// An Rng's full engine state as a StateDict record, so that a saved agent continues with
// the same random draws after load (each 64-bit mt19937_64 word stored as two exact 32-bit
// halves, since StateDict values are doubles). In core because any agent (agents/, bandits/)
// that saves its stream needs the same record; the DQN and on-policy agents store it as "rng".
#pragma once
#include <string>

#include "core/rng.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

ArrayRecord rng_to_record(Rng& rng);
// `owner` names the agent in the error raised for a record that is not an engine state.
void rng_from_record(Rng& rng, const ArrayRecord& record, const std::string& owner);

}  // namespace rlsim
