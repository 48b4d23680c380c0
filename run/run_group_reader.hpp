// Reading the per-run groups of a run file (/runs/<6-digit run index>): the whole run of a
// format 1 or 2 file, and the per-run tables every format keeps there (steps, diagnostics,
// agent state). Private to ExperimentReader (run/experiment_reader.cpp).
//
// Contract: call under an hdf5::Lock. The readers check the group against the format
// (docs/log-format.md) and throw rlsim::Error naming the file and object, ending "the file
// is damaged" when the file contradicts the format; ReadLimits (run/run_file_io.hpp) bounds
// allocations and says which format version's rules apply.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>

#include "run/hdf5_log.hpp"
#include "run/run_file_io.hpp"

namespace rlsim::runfile {

// True if the run group `name` of `runs` has complete == 1; false when it does not or
// cannot be read (never throws).
bool marked_complete(hid_t runs, const std::string& name);

// A format 1 or 2 run group (`name` of the group /runs, `where` in messages): the run's
// attributes and all its tables; `steps` only when with_steps.
StoredRun read_run_group(hid_t runs, const std::string& name, std::int64_t run_index,
                         bool with_steps, const std::string& where, const ReadLimits& lim);

// The tables of a run group that every format keeps per run: steps (only when with_steps),
// diagnostics and agent state, into r (has_steps and has_agent_state set when read).
void read_run_data(hid_t gid, StoredRun& r, bool with_steps, const std::string& where,
                   const ReadLimits& lim);

}  // namespace rlsim::runfile
