#include "voice/stereo_wav.h"

#include <algorithm>

namespace talky {
namespace {

void PutLittleEndian(std::string& out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

}  // namespace

std::string StereoWav(std::span<const std::int16_t> left, std::span<const std::int16_t> right,
                      int sample_rate) {
  constexpr std::uint32_t kChannels = 2;
  constexpr std::uint32_t kBytesPerSample = 2;
  const std::size_t frames = std::max(left.size(), right.size());
  const auto data_bytes = static_cast<std::uint32_t>(frames * kChannels * kBytesPerSample);
  std::string wav;
  wav.reserve(44 + data_bytes);
  wav += "RIFF";
  PutLittleEndian(wav, 36 + data_bytes, 4);
  wav += "WAVEfmt ";
  PutLittleEndian(wav, 16, 4);  // the format chunk's size
  PutLittleEndian(wav, 1, 2);   // PCM
  PutLittleEndian(wav, kChannels, 2);
  PutLittleEndian(wav, static_cast<std::uint32_t>(sample_rate), 4);
  PutLittleEndian(wav, static_cast<std::uint32_t>(sample_rate) * kChannels * kBytesPerSample, 4);
  PutLittleEndian(wav, kChannels * kBytesPerSample, 2);  // block align
  PutLittleEndian(wav, 8 * kBytesPerSample, 2);          // bits per sample
  wav += "data";
  PutLittleEndian(wav, data_bytes, 4);
  for (std::size_t i = 0; i < frames; ++i) {
    PutLittleEndian(wav, static_cast<std::uint16_t>(i < left.size() ? left[i] : 0), 2);
    PutLittleEndian(wav, static_cast<std::uint16_t>(i < right.size() ? right[i] : 0), 2);
  }
  return wav;
}

}  // namespace talky
