#include "core/memory.hpp"

#include <unistd.h>

#include <cstdio>

#include "core/error.hpp"

namespace rlsim {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 0.0;
}

void require_memory(double bytes, const std::string& subject, const std::string& advice) {
  const double memory = physical_memory_bytes();
  if (memory <= 0 || bytes <= memory) return;
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  char figures[96];
  std::snprintf(figures, sizeof figures,
                " need %.3g GiB of memory, more than this machine's %.3g GiB", bytes / kGiB,
                memory / kGiB);
  throw Error(subject + figures + "; " + advice);
}

}  // namespace rlsim
