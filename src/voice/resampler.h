// Converts a stream of PCM from one sample rate to another (8 kHz telephony, 16 kHz pipeline,
// espeak-ng's 22,050 Hz), keeping the filter state between calls so that a stream cut into chunks
// sounds like one. speexdsp underneath. Not thread-safe: one resampler per stream.
#pragma once

#include <memory>
#include <span>

#include "voice/audio.h"

namespace talky {

class Resampler {
 public:
  // Throws std::invalid_argument on a rate that is not positive.
  Resampler(int input_rate, int output_rate);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  int input_rate() const { return input_rate_; }
  int output_rate() const { return output_rate_; }

  // The input converted; about input.size() * output_rate / input_rate samples (the filter's delay
  // holds a few back until later input or Flush).
  Samples Process(std::span<const std::int16_t> input);
  // What the filter still holds, at the end of a stream.
  Samples Flush();

 private:
  struct Impl;
  int input_rate_;
  int output_rate_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
