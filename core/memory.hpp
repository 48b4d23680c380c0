// The machine's memory, for refusing a structure that cannot fit before it is built.
//
// Linux overcommits: a large allocation succeeds and the process is killed by the kernel
// later, while the pages are being filled. Structures that are zeroed or initialised as they
// are built (network parameters, rollout buffers) therefore check their size against the
// physical memory first and refuse with their sizes named.
#pragma once
#include <string>

namespace rlsim {

// This machine's physical memory in bytes; 0 when it cannot be read.
double physical_memory_bytes();

// Throws rlsim::Error "<subject> need <bytes> of memory, more than this machine's <memory>;
// <advice>" when `bytes` exceeds the physical memory (never when that is unknown).
void require_memory(double bytes, const std::string& subject, const std::string& advice);

}  // namespace rlsim
