// Small helpers to move a bandit policy's arrays in and out of a StateDict.
//
// Contract: put_* store 1-D arrays (shape {n}) or scalars (shape {1}); get_* throw
// rlsim::Error naming the policy (`who`) and the key when a key is missing or its size is not
// the expected one, so a state saved for K arms cannot be loaded into a policy with other K.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/state_dict.hpp"

namespace rlsim {

inline void put_array(StateDict& out, const std::string& key, const std::vector<double>& x) {
  out[key] = ArrayRecord{{static_cast<std::int64_t>(x.size())}, x};
}

inline void put_array(StateDict& out, const std::string& key, const std::vector<std::int64_t>& x) {
  ArrayRecord r{{static_cast<std::int64_t>(x.size())}, {}};
  r.data.reserve(x.size());
  for (std::int64_t v : x) r.data.push_back(static_cast<double>(v));
  out[key] = std::move(r);
}

inline void put_scalar(StateDict& out, const std::string& key, double x) {
  out[key] = ArrayRecord{{1}, {x}};
}

inline const ArrayRecord& get_record(const StateDict& in, const std::string& key,
                                     std::size_t expected, const std::string& who) {
  auto it = in.find(key);
  if (it == in.end())
    throw Error(who + ": saved state has no array '" + key + "'; was it saved by this policy?");
  if (it->second.data.size() != expected)
    throw Error(who + ": saved array '" + key + "' has " + std::to_string(it->second.data.size()) +
                " values; this policy needs " + std::to_string(expected) +
                " (was it saved for another number of arms or dimension?)");
  return it->second;
}

inline void get_array(const StateDict& in, const std::string& key, std::vector<double>& out,
                      std::size_t expected, const std::string& who) {
  out = get_record(in, key, expected, who).data;
}

inline void get_array(const StateDict& in, const std::string& key, std::vector<std::int64_t>& out,
                      std::size_t expected, const std::string& who) {
  const ArrayRecord& r = get_record(in, key, expected, who);
  out.resize(expected);
  for (std::size_t i = 0; i < expected; ++i) out[i] = static_cast<std::int64_t>(r.data[i]);
}

inline double get_scalar(const StateDict& in, const std::string& key, const std::string& who) {
  return get_record(in, key, 1, who).data[0];
}

}  // namespace rlsim
