// A call recording's file format: two mono tracks of one rate as a stereo 16-bit PCM WAV (RIFF,
// little-endian), the first track left. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace talky {

// The shorter track is padded with silence to the longer one's length.
std::string StereoWav(std::span<const std::int16_t> left, std::span<const std::int16_t> right,
                      int sample_rate);

}  // namespace talky
