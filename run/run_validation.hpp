// The check of a RunResult before the run-file writer writes any of it.
//
// Contract: validate_run(run, name) throws rlsim::Error("cannot write run <name>: ...")
// naming the column and what it should hold when the run's tables are inconsistent: a
// column whose row count differs from its table's first column (2-D columns: rows x
// width values), a Box observation or action of width < 1, a negative env copy index, a
// diagnostics table without column names or with a name that cannot be an HDF5 dataset
// name ("", ".", "..", "step", a '/') or that repeats. It writes nothing; a run that
// passes can be written whole.
#pragma once
#include <string>

#include "core/run_result.hpp"

namespace rlsim::runfile {

void validate_run(const RunResult& r, const std::string& run);

}  // namespace rlsim::runfile
