// GifWriter: writes env frames (rlsim::Image, RGB) as an animated GIF with giflib
// (gif_lib.h, giflib 5.2: EGifOpenFileName, EGifPutScreenDesc, EGifPutImageDesc/PutLine).
//
// Contract: the frames go to a temporary file beside the path (PATH.partial-PID), created
// when the writer is constructed (an unwritable path throws rlsim::Error naming it); every frame
// must have the size of the first one; frames are upscaled by an integer factor with
// nearest-neighbour sampling. The animation loops forever (the NETSCAPE2.0 application extension,
// count 0) and each frame carries a graphics control extension with the delay in hundredths of a
// second (GIF89a). Colours: each frame gets its own 256-entry local colour map from giflib's
// median-cut quantiser GifQuantizeBuffer (exact for frames of at most 256 colours, as the envs'
// flat-colour pictures mostly are; anti-aliased edges are approximated).
// finish() completes the file and renames it to PATH, so an existing PATH is replaced only
// by a complete GIF; a writer destroyed without finish() (an error part-way) removes its
// incomplete file. Whether PATH may be replaced is the caller's decision
// (experiments/cli_util.hpp, check_output_file).
//
// read_gif_summary decodes a GIF with giflib's DGifSlurp, for checks and tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/env.hpp"

struct GifFileType;

namespace rlsim {

class GifWriter {
 public:
  // delay_cs: per-frame delay in 1/100 s (>= 1); scale: upscaling factor (>= 1).
  GifWriter(std::string path, int delay_cs, int scale = 1);
  ~GifWriter();
  GifWriter(const GifWriter&) = delete;
  GifWriter& operator=(const GifWriter&) = delete;

  void add_frame(const Image& frame);
  void finish();
  int frames() const { return frames_; }
  int width() const { return width_; }  // of the written (scaled) frames; 0 before any
  int height() const { return height_; }

 private:
  [[noreturn]] void fail(const std::string& what, int error) const;

  std::string path_;
  std::string partial_;  // the file being written, renamed to path_ by finish()
  int delay_cs_;
  int scale_;
  GifFileType* gif_ = nullptr;
  int width_ = 0, height_ = 0;  // scaled
  int src_width_ = 0, src_height_ = 0;
  int frames_ = 0;
  std::vector<std::uint8_t> r_, g_, b_, indices_, line_;
};

struct GifSummary {
  int width = 0;  // logical screen
  int height = 0;
  int frames = 0;
  bool loops = false;          // has a NETSCAPE2.0 loop extension
  std::vector<int> delays_cs;  // per frame, from the graphics control extensions (-1: none)
  std::vector<Image> images;   // the first decoded frames (each image's rectangle, RGB)
};

// Decodes the first `decode_images` frames into `images`. Throws rlsim::Error when the file
// cannot be opened or is not a valid GIF.
GifSummary read_gif_summary(const std::string& path, int decode_images = 0);

}  // namespace rlsim
