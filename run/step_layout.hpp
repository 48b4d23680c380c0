// The compact step-log layout (layout 2 of /runs/NNNNNN/steps, docs/log-format.md table 4):
// how the writer stores a StepTable (core/run_result.hpp) in fewer bytes and how readers
// rebuild the same StepTable from it.
//
// Contract:
// - encode_compact_steps(t, out, enc) encodes the columns of t into `out` (chunk_encoder.hpp),
//   each integer column in the narrowest integer type that holds its values and its space's
//   (StepTable::obs_start/obs_n, action_start/action_n), each float64 column (reward,
//   probability, prob) as float32 when every value converts to float32 and back unchanged
//   (else float64), and leaves out the columns rebuilt from the others: `env` when every row
//   is copy 0, `log_prob` when every value is C's std::log(probability) bit for bit, and
//   `episode` and `t` when episode_segments() rebuilds them (the episode ids then go to the
//   short dataset `episode_ids`, one per logged episode). A column that is not rebuilt
//   exactly is stored. Compression: StepTable::compression, the deflate level (shuffle,
//   then deflate), 0 for none. No HDF5 call: it runs outside the HDF5 lock.
// - write_compact_step_attrs(s, t, ...) adds the steps group's attributes of layout 2
//   (`layout`, `steps_every`; the others are written by the writer as in layout 1).
// - read_compact_steps(s, t, ...) reads a layout 2 group into t (attributes of layout 1 read
//   by the caller): the same StepTable the run had in memory, except `compression`.
//   Damage (columns of different lengths, episode ids that do not match the segments) is
//   an rlsim::Error naming the group.
// Episode segments: the rows of each env copy, split after every row that ends an episode
// (terminated or truncated); segment k is the one whose last row is k-th in row order.
// Every logged episode is one segment: the runner logs episodes whole (log.steps_every
// samples whole episodes), and only a run's last episode per copy may be cut short.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/run_result.hpp"
#include "run/chunk_encoder.hpp"
#include "run/run_file_io.hpp"

namespace rlsim::runfile {

// The steps group's `layout` attribute; absent in files written before it (layout 1: every
// column stored, int64 indices, float64 rewards and probabilities).
inline constexpr std::int32_t kStepLayout = 2;

// Splits rows into episode segments (see above). `env` empty: every row is copy 0.
// segment[r] is row r's segment, t[r] its step within the segment (from 0). Returns the
// number of segments.
std::size_t episode_segments(std::span<const std::int32_t> env,
                             std::span<const std::uint8_t> terminated,
                             std::span<const std::uint8_t> truncated,
                             std::vector<std::int64_t>& segment, std::vector<std::int64_t>& t);

// Encodes t's columns in layout 2 into `out`.
void encode_compact_steps(const StepTable& t, EncodedTable& out, ChunkEncoder& enc);

// The attributes of layout 2 on the steps group s (`where` in messages).
void write_compact_step_attrs(hid_t s, const StepTable& t, const std::string& where, hid_t scalar);

// Reads the columns of the layout 2 group s into t (its space attributes already read).
void read_compact_steps(hid_t s, StepTable& t, const std::string& where, const ReadLimits& lim);

}  // namespace rlsim::runfile
