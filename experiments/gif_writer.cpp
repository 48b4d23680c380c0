#include "experiments/gif_writer.hpp"

#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace rlsim {

namespace {

std::string gif_error(int error) {
  const char* s = GifErrorString(error);
  return s ? std::string(s) : "giflib error " + std::to_string(error);
}

}  // namespace

GifWriter::GifWriter(std::string path, int delay_cs, int scale)
    : path_(std::move(path)), delay_cs_(delay_cs), scale_(scale) {
  if (delay_cs < 1 || delay_cs > 65535)
    throw Error("GIF frame delay " + std::to_string(delay_cs) +
                " (hundredths of a second) must be in [1, 65535]");
  if (scale < 1 || scale > 64)
    throw Error("GIF scale " + std::to_string(scale) + " must be an integer in [1, 64]");
  // open() rather than EGifOpenFileName, which creates the file with mode 0600.
  partial_ = path_ + ".partial-" + std::to_string(::getpid());
  const int fd = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (fd < 0) throw Error("cannot write the GIF file '" + path_ + "': " + std::strerror(errno));
  int error = 0;
  gif_ = EGifOpenFileHandle(fd, &error);
  if (!gif_) {
    ::close(fd);
    ::unlink(partial_.c_str());
    throw Error("cannot write the GIF file '" + path_ + "': " + gif_error(error));
  }
  EGifSetGifVersion(gif_, true);  // GIF89a: needed for the extensions
}

GifWriter::~GifWriter() {
  if (gif_) {
    int error = 0;
    EGifCloseFile(gif_, &error);
    std::error_code ec;
    std::filesystem::remove(partial_, ec);  // incomplete: finish() was not reached
  }
}

void GifWriter::fail(const std::string& what, int error) const {
  throw Error("writing the GIF file '" + path_ + "' failed (" + what + "): " + gif_error(error));
}

void GifWriter::add_frame(const Image& frame) {
  if (!gif_) throw Error("GIF file '" + path_ + "' is already finished");
  if (frame.width <= 0 || frame.height <= 0 ||
      frame.rgb.size() != static_cast<std::size_t>(frame.width) * frame.height * 3)
    throw Error("frame " + std::to_string(frames_) + " for '" + path_ + "' is not a valid " +
                std::to_string(frame.width) + "x" + std::to_string(frame.height) + " RGB image");
  if (frames_ == 0) {
    src_width_ = frame.width;
    src_height_ = frame.height;
    width_ = frame.width * scale_;
    height_ = frame.height * scale_;
    if (width_ > 65535 || height_ > 65535)
      throw Error("GIF frames of " + std::to_string(width_) + "x" + std::to_string(height_) +
                  " exceed the format's 65535 limit: use a smaller --scale");
    if (EGifPutScreenDesc(gif_, width_, height_, 8, 0, nullptr) == GIF_ERROR)
      fail("screen descriptor", gif_->Error);
    // NETSCAPE2.0 application extension: sub-block 1, loop count 0 (forever).
    static const char kApp[] = "NETSCAPE2.0";
    static const unsigned char kLoop[3] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif_, 11, kApp) == GIF_ERROR ||
        EGifPutExtensionBlock(gif_, 3, kLoop) == GIF_ERROR ||
        EGifPutExtensionTrailer(gif_) == GIF_ERROR)
      fail("loop extension", gif_->Error);
  } else if (frame.width != src_width_ || frame.height != src_height_) {
    throw Error("frame " + std::to_string(frames_) + " is " + std::to_string(frame.width) + "x" +
                std::to_string(frame.height) + " but the GIF's frames are " +
                std::to_string(src_width_) + "x" + std::to_string(src_height_));
  }
  // Split the planes and quantise the unscaled frame to a 256-colour local map.
  const std::size_t n = static_cast<std::size_t>(src_width_) * src_height_;
  r_.resize(n);
  g_.resize(n);
  b_.resize(n);
  indices_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    r_[i] = frame.rgb[3 * i];
    g_[i] = frame.rgb[3 * i + 1];
    b_[i] = frame.rgb[3 * i + 2];
  }
  int map_size = 256;
  GifColorType colours[256];
  std::memset(colours, 0, sizeof(colours));
  if (GifQuantizeBuffer(static_cast<unsigned>(src_width_), static_cast<unsigned>(src_height_),
                        &map_size, r_.data(), g_.data(), b_.data(), indices_.data(),
                        colours) == GIF_ERROR)
    throw Error("giflib could not quantise frame " + std::to_string(frames_) + " for '" + path_ +
                "'");
  ColorMapObject* map = GifMakeMapObject(256, colours);
  if (!map) throw Error("out of memory building a GIF colour map");

  GraphicsControlBlock gcb;
  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.UserInputFlag = false;
  gcb.DelayTime = delay_cs_;
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  const std::size_t ext_len = EGifGCBToExtension(&gcb, ext);
  bool ok =
      EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(ext_len), ext) != GIF_ERROR &&
      EGifPutImageDesc(gif_, 0, 0, width_, height_, false, map) != GIF_ERROR;
  GifFreeMapObject(map);
  if (!ok) fail("frame " + std::to_string(frames_) + " header", gif_->Error);
  line_.resize(static_cast<std::size_t>(width_));
  for (int y = 0; y < height_; ++y) {
    const std::uint8_t* src = indices_.data() + static_cast<std::size_t>(y / scale_) * src_width_;
    for (int x = 0; x < width_; ++x) line_[static_cast<std::size_t>(x)] = src[x / scale_];
    if (EGifPutLine(gif_, line_.data(), width_) == GIF_ERROR)
      fail("frame " + std::to_string(frames_) + " pixels", gif_->Error);
  }
  ++frames_;
}

void GifWriter::finish() {
  if (!gif_) return;
  if (frames_ == 0) throw Error("GIF file '" + path_ + "' has no frames");
  int error = 0;
  GifFileType* gif = gif_;
  gif_ = nullptr;
  std::error_code ec;
  if (EGifCloseFile(gif, &error) == GIF_ERROR) {
    std::filesystem::remove(partial_, ec);
    throw Error("closing the GIF file '" + path_ + "' failed: " + gif_error(error));
  }
  std::filesystem::rename(partial_, path_, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(partial_, ec);
    throw Error("cannot write the GIF file '" + path_ + "': " + why);
  }
}

GifSummary read_gif_summary(const std::string& path, int decode_images) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
  if (!gif) throw Error("cannot open the GIF file '" + path + "': " + gif_error(error));
  struct Closer {
    GifFileType* g;
    ~Closer() {
      int e = 0;
      DGifCloseFile(g, &e);
    }
  } closer{gif};
  if (DGifSlurp(gif) == GIF_ERROR)
    throw Error("'" + path + "' is not a valid GIF: " + gif_error(gif->Error));
  GifSummary s;
  s.width = gif->SWidth;
  s.height = gif->SHeight;
  s.frames = gif->ImageCount;
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& img = gif->SavedImages[i];
    for (int k = 0; k < img.ExtensionBlockCount; ++k) {
      const ExtensionBlock& e = img.ExtensionBlocks[k];
      if (e.Function == APPLICATION_EXT_FUNC_CODE && e.ByteCount == 11 &&
          std::memcmp(e.Bytes, "NETSCAPE2.0", 11) == 0)
        s.loops = true;
    }
    GraphicsControlBlock gcb;
    s.delays_cs.push_back(DGifSavedExtensionToGCB(gif, i, &gcb) == GIF_OK ? gcb.DelayTime : -1);
    if (i < decode_images) {
      const ColorMapObject* map = img.ImageDesc.ColorMap ? img.ImageDesc.ColorMap : gif->SColorMap;
      if (!map) throw Error("'" + path + "': frame " + std::to_string(i) + " has no colour map");
      Image out;
      out.width = img.ImageDesc.Width;
      out.height = img.ImageDesc.Height;
      const std::size_t n = static_cast<std::size_t>(out.width) * out.height;
      out.rgb.resize(3 * n);
      for (std::size_t p = 0; p < n; ++p) {
        const int idx = img.RasterBits[p];
        if (idx >= map->ColorCount)
          throw Error("'" + path + "': frame " + std::to_string(i) + " uses colour " +
                      std::to_string(idx) + " outside its map");
        out.rgb[3 * p] = map->Colors[idx].Red;
        out.rgb[3 * p + 1] = map->Colors[idx].Green;
        out.rgb[3 * p + 2] = map->Colors[idx].Blue;
      }
      s.images.push_back(std::move(out));
    }
  }
  return s;
}

}  // namespace rlsim
