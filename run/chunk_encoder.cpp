// The zlib side of the chunk encoder declared in run/chunk_encoder.hpp.
#include "run/chunk_encoder.hpp"

#include <array>
#include <string>

#include <zlib.h>

#include "core/error.hpp"

namespace rlsim::runfile {

struct ChunkEncoder::Zlib {
  std::array<z_stream, 20> streams{};  // per level (0-9) and strategy, made when first used
  std::array<bool, 20> ready{};
  std::vector<unsigned char> shuffled, out;
  ~Zlib() {
    for (std::size_t l = 0; l < streams.size(); ++l)
      if (ready[l]) deflateEnd(&streams[l]);
  }
};

namespace {
// Byte plane j (byte j of every element) is written contiguously: sequential stores,
// strided loads of a compile-time stride.
template <std::size_t S>
void shuffle(const unsigned char* src, unsigned char* dst, std::size_t n) {
  for (std::size_t j = 0; j < S; ++j) {
    unsigned char* plane = dst + j * n;
    for (std::size_t i = 0; i < n; ++i) plane[i] = src[i * S + j];
  }
}
}  // namespace

ChunkEncoder::ChunkEncoder() : z_(std::make_unique<Zlib>()) {}

ChunkEncoder::~ChunkEncoder() = default;

void ChunkEncoder::encode(const unsigned char* src, std::size_t bytes, std::size_t elem,
                          Deflate how, std::vector<unsigned char>& dst) {
  if (how.level == 0) {  // no compression: the chunk as it is (the dataset has no filters)
    dst.insert(dst.end(), src, src + bytes);
    return;
  }
  Zlib& z = *z_;
  std::vector<unsigned char>& shuffled = z.shuffled;
  std::vector<unsigned char>& out = z.out;
  const std::size_t slot = how.level + (how.rle ? 10 : 0);
  z_stream& zs = z.streams.at(slot);
  if (!z.ready[slot]) {
    if (deflateInit2(&zs, static_cast<int>(how.level), Z_DEFLATED, 15, 8,
                     how.rle ? Z_RLE : Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error("cannot initialise zlib to compress a run file column");
    z.ready[slot] = true;
  } else if (deflateReset(&zs) != Z_OK) {
    throw Error("cannot reset zlib to compress a run file column");
  }
  const unsigned char* in = src;
  const std::size_t n = bytes / elem;
  if (elem > 1 && n > 1) {
    if (shuffled.size() < bytes) shuffled.resize(bytes);
    switch (elem) {
      case 2:
        shuffle<2>(src, shuffled.data(), n);
        break;
      case 4:
        shuffle<4>(src, shuffled.data(), n);
        break;
      case 8:
        shuffle<8>(src, shuffled.data(), n);
        break;
      default:
        for (std::size_t j = 0; j < elem; ++j)
          for (std::size_t i = 0; i < n; ++i) shuffled[j * n + i] = src[i * elem + j];
    }
    in = shuffled.data();
  }
  const std::size_t bound = deflateBound(&zs, static_cast<uLong>(bytes));
  if (out.size() < bound) out.resize(bound);
  zs.next_in = const_cast<unsigned char*>(in);
  zs.avail_in = static_cast<uInt>(bytes);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
    throw Error("zlib could not compress a run file column of " + std::to_string(bytes) + " bytes");
  dst.insert(dst.end(), out.data(), out.data() + zs.total_out);
}

}  // namespace rlsim::runfile
