// The compact step-log layout declared in run/step_layout.hpp.
#include "run/step_layout.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#include "core/error.hpp"

namespace rlsim::runfile {

std::size_t episode_segments(std::span<const std::int32_t> env,
                             std::span<const std::uint8_t> terminated,
                             std::span<const std::uint8_t> truncated,
                             std::vector<std::int64_t>& segment, std::vector<std::int64_t>& t) {
  const std::size_t rows = terminated.size();
  segment.resize(rows);
  t.resize(rows);
  // Per copy: its open segment (a provisional id, in order of first rows; -1 none) and length.
  std::vector<std::int64_t> open, length;
  std::vector<std::int64_t> final_of;  // provisional id -> segment number (order of last rows)
  std::vector<std::size_t> last_row;   // provisional id -> its last row so far
  std::int64_t closed = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto c = static_cast<std::size_t>(env.empty() ? 0 : env[r]);
    if (c >= open.size()) {
      open.resize(c + 1, -1);
      length.resize(c + 1, 0);
    }
    if (open[c] < 0) {
      open[c] = static_cast<std::int64_t>(final_of.size());
      final_of.push_back(-1);
      last_row.push_back(r);
      length[c] = 0;
    }
    const auto id = static_cast<std::size_t>(open[c]);
    segment[r] = open[c];
    t[r] = length[c]++;
    last_row[id] = r;
    if (terminated[r] != 0 || truncated[r] != 0) {
      final_of[id] = closed++;
      open[c] = -1;
    }
  }
  // Segments still open at the end (cut short) follow, in the order of their last rows.
  std::vector<std::pair<std::size_t, std::size_t>> rest;  // (last row, provisional id)
  for (std::int64_t id : open)
    if (id >= 0) rest.emplace_back(last_row[static_cast<std::size_t>(id)], id);
  std::sort(rest.begin(), rest.end());
  for (const auto& [row, id] : rest) final_of[id] = closed++;
  for (std::int64_t& s : segment) s = final_of[static_cast<std::size_t>(s)];
  return final_of.size();
}

namespace {

// Scratch columns of one thread, reused from run to run.
struct Scratch {
  std::vector<std::uint8_t> u8;
  std::vector<std::uint16_t> u16;
  std::vector<std::uint32_t> u32;
  std::vector<std::int8_t> i8;
  std::vector<std::int16_t> i16;
  std::vector<std::int32_t> i32;
  std::vector<float> f32;
  std::vector<std::int64_t> segment, t, ids;
};

thread_local Scratch scratch;

template <class To, class From>
std::span<const To> convert(std::span<const From> from, std::vector<To>& to) {
  to.resize(from.size());
  std::transform(from.begin(), from.end(), to.begin(), [](From v) { return static_cast<To>(v); });
  return std::span<const To>(to);
}

// Encodes integers in the narrowest type holding [lo, hi] and every value (cols as in
// encode_column).
template <class I>
void encode_int(EncodedColumn& c, const char* name, std::span<const I> data, hsize_t cols,
                std::int64_t lo, std::int64_t hi, Deflate how, ChunkEncoder& enc) {
  for (I v : data) {
    lo = std::min<std::int64_t>(lo, v);
    hi = std::max<std::int64_t>(hi, v);
  }
  Scratch& s = scratch;
  auto fits = [&](auto type) {
    using T = decltype(type);
    return lo >= std::numeric_limits<T>::min() && hi <= std::numeric_limits<T>::max();
  };
  if (fits(std::uint8_t{}))
    encode_column(c, name, convert(data, s.u8), cols, how, enc);
  else if (fits(std::uint16_t{}))
    encode_column(c, name, convert(data, s.u16), cols, how, enc);
  else if (fits(std::uint32_t{}))
    encode_column(c, name, convert(data, s.u32), cols, how, enc);
  else if (fits(std::int8_t{}))
    encode_column(c, name, convert(data, s.i8), cols, how, enc);
  else if (fits(std::int16_t{}))
    encode_column(c, name, convert(data, s.i16), cols, how, enc);
  else if (fits(std::int32_t{}))
    encode_column(c, name, convert(data, s.i32), cols, how, enc);
  else if constexpr (std::is_same_v<I, std::int64_t>)
    encode_column(c, name, data, cols, how, enc);
}

// float32 when every value survives the round trip double -> float -> double (NaN does
// not compare equal, so a column with a NaN stays float64).
void encode_real(EncodedColumn& c, const char* name, std::span<const double> data, Deflate how,
                 ChunkEncoder& enc) {
  const bool exact = std::all_of(data.begin(), data.end(), [](double v) {
    return static_cast<double>(static_cast<float>(v)) == v;
  });
  if (exact)
    encode_column(c, name, convert(data, scratch.f32), 0, how, enc);
  else
    encode_column(c, name, data, 0, how, enc);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Whether log_prob is std::log(probability) bit for bit in every row.
bool log_prob_derived(const StepTable& t) {
  for (std::size_t r = 0; r < t.log_prob.size(); ++r)
    if (!same_bits(std::log(t.probability[r]), t.log_prob[r])) return false;
  return true;
}

constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();

// The value range a Discrete space gives a column ([start, start + n - 1]); an empty range
// (lo > hi) when n is unknown.
std::pair<std::int64_t, std::int64_t> space_range(std::int64_t start, std::int64_t n) {
  if (n <= 0) return {kMax64, kMin64};
  return {start, start + n - 1};
}

}  // namespace

void encode_compact_steps(const StepTable& t, EncodedTable& out, ChunkEncoder& enc) {
  const Deflate how{static_cast<unsigned>(t.compression), false};
  Scratch& s = scratch;
  const std::span<const std::int32_t> env(t.env);
  const bool all_copy0 =
      std::all_of(t.env.begin(), t.env.end(), [](std::int32_t e) { return e == 0; });
  if (!all_copy0) encode_int(out.next(), "env", env, 0, 0, 0, how, enc);
  if (t.obs_discrete) {
    const auto [lo, hi] = space_range(t.obs_start, t.obs_n);
    encode_int(out.next(), "obs_index", std::span<const std::int64_t>(t.obs_index), 0, lo, hi, how,
               enc);
  } else {
    encode_column(out.next(), "obs", std::span<const float>(t.obs), static_cast<hsize_t>(t.obs_dim),
                  how, enc);
  }
  if (t.action_discrete) {
    const auto [lo, hi] = space_range(t.action_start, t.action_n);
    encode_int(out.next(), "action_index", std::span<const std::int64_t>(t.action_index), 0, lo, hi,
               how, enc);
  } else {
    encode_column(out.next(), "action", std::span<const float>(t.action),
                  static_cast<hsize_t>(t.action_dim), how, enc);
  }
  encode_real(out.next(), "reward", t.reward, how, enc);
  encode_column(out.next(), "terminated", std::span<const std::uint8_t>(t.terminated), 0, how, enc);
  encode_column(out.next(), "truncated", std::span<const std::uint8_t>(t.truncated), 0, how, enc);
  encode_real(out.next(), "probability", t.probability, how, enc);
  if (!log_prob_derived(t))
    encode_column(out.next(), "log_prob", std::span<const double>(t.log_prob), 0, how, enc);
  if (t.has_prob) encode_real(out.next(), "prob", t.info_prob, how, enc);
  if (t.mask_dim > 0)
    encode_column(out.next(), "action_mask", std::span<const std::uint8_t>(t.action_mask),
                  static_cast<hsize_t>(t.mask_dim), how, enc);

  // episode and t: rebuilt from the segments when they match them in every row.
  const std::size_t segments = episode_segments(all_copy0 ? std::span<const std::int32_t>() : env,
                                                t.terminated, t.truncated, s.segment, s.t);
  bool derived = s.t == t.t;
  s.ids.assign(segments, -1);
  for (std::size_t r = 0; derived && r < t.size(); ++r) {
    std::int64_t& id = s.ids[static_cast<std::size_t>(s.segment[r])];
    if (id < 0) id = t.episode[r];
    derived = id == t.episode[r];
  }
  if (derived) {
    encode_int(out.next(), "episode_ids", std::span<const std::int64_t>(s.ids), 0, kMax64, kMin64,
               how, enc);
  } else {
    encode_int(out.next(), "episode", std::span<const std::int64_t>(t.episode), 0, kMax64, kMin64,
               how, enc);
    encode_int(out.next(), "t", std::span<const std::int64_t>(t.t), 0, kMax64, kMin64, how, enc);
  }
}

void write_compact_step_attrs(hid_t s, const StepTable& t, const std::string& where, hid_t scalar) {
  create_attr<std::int32_t>(s, "layout", kStepLayout, where, scalar);
  create_attr<std::int64_t>(s, "steps_every", t.every, where, scalar);
}

void read_compact_steps(hid_t s, StepTable& t, const std::string& w, const ReadLimits& lim) {
  auto damaged = [&](const std::string& what) {
    return Error(w + ": " + what + ": the file is damaged");
  };
  t.every = read_attr<std::int64_t>(s, "steps_every", w);
  if (t.every < 1) throw damaged("attribute steps_every is " + std::to_string(t.every));
  t.reward = read_column<double>(s, "reward", 0, w, lim);
  const std::size_t rows = t.reward.size();
  auto check_rows = [&](std::size_t got, const char* name) {
    if (got != rows)
      throw damaged("dataset " + std::string(name) + " has " + std::to_string(got) +
                    " rows but reward has " + std::to_string(rows));
  };
  auto column = [&](auto& into, const char* name, hsize_t width) {
    using T = typename std::decay_t<decltype(into)>::value_type;
    into = read_column<T>(s, name, width, w, lim);
    check_rows(width == 0 ? into.size() : into.size() / width, name);
  };
  if (link_exists(s, "env", w + "/env")) {
    column(t.env, "env", 0);
    for (std::int32_t e : t.env)
      if (e < 0 || static_cast<std::size_t>(e) >= std::max<std::size_t>(rows, 1))
        throw damaged("dataset env holds the env copy index " + std::to_string(e) +
                      ", expected 0 to the rows - 1");
  } else {
    t.env.assign(rows, 0);
  }
  if (t.obs_discrete)
    column(t.obs_index, "obs_index", 0);
  else
    column(t.obs, "obs", static_cast<hsize_t>(t.obs_dim));
  if (t.action_discrete)
    column(t.action_index, "action_index", 0);
  else
    column(t.action, "action", static_cast<hsize_t>(t.action_dim));
  column(t.terminated, "terminated", 0);
  column(t.truncated, "truncated", 0);
  column(t.probability, "probability", 0);
  if (link_exists(s, "log_prob", w + "/log_prob")) {
    column(t.log_prob, "log_prob", 0);
  } else {
    t.log_prob.resize(rows);
    std::transform(t.probability.begin(), t.probability.end(), t.log_prob.begin(),
                   [](double p) { return std::log(p); });
  }
  if (t.has_prob) column(t.info_prob, "prob", 0);
  if (t.mask_dim > 0) column(t.action_mask, "action_mask", static_cast<hsize_t>(t.mask_dim));
  if (link_exists(s, "episode", w + "/episode")) {
    column(t.episode, "episode", 0);
    column(t.t, "t", 0);
    return;
  }
  const std::vector<std::int64_t> ids = read_column<std::int64_t>(s, "episode_ids", 0, w, lim);
  std::vector<std::int64_t> segment;
  const std::size_t segments = episode_segments(t.env, t.terminated, t.truncated, segment, t.t);
  if (segments != ids.size())
    throw damaged("its rows make " + std::to_string(segments) + " episodes but episode_ids has " +
                  std::to_string(ids.size()));
  t.episode.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) t.episode[r] = ids[static_cast<std::size_t>(segment[r])];
}

}  // namespace rlsim::runfile
