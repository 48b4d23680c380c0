#include "core/registration.hpp"

#include <mutex>

#include "core/registry.hpp"

namespace rlsim {

namespace {
struct Listed {
  RegisterFunction fn;
  const char* file;
};
// Function-local statics: constructed on first use, whichever library's static
// initialisation comes first.
std::vector<Listed>& listed() {
  static std::vector<Listed> list;
  return list;
}
std::mutex& list_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

Registration::Registration(RegisterFunction fn, const char* file) noexcept {
  std::lock_guard<std::mutex> lock(list_mutex());
  listed().push_back({fn, file});
}

void run_registrations(Registry& registry) {
  std::vector<Listed> now;
  {
    std::lock_guard<std::mutex> lock(list_mutex());
    now = listed();
  }
  for (const Listed& l : now) registry.run_once(l.fn);
}

std::size_t registration_count() {
  std::lock_guard<std::mutex> lock(list_mutex());
  return listed().size();
}

std::vector<RegisterFunction> take_registrations_since(std::size_t from) {
  std::lock_guard<std::mutex> lock(list_mutex());
  std::vector<RegisterFunction> out;
  auto& list = listed();
  for (std::size_t i = from; i < list.size(); ++i) out.push_back(list[i].fn);
  if (from < list.size()) list.erase(list.begin() + static_cast<std::ptrdiff_t>(from), list.end());
  return out;
}

}  // namespace rlsim
