// Call audio as the voice pipeline carries it: 16-bit signed mono PCM samples at a stated rate,
// moved between the media gateway and the providers in frames of 20 ms (Vonage's frame, and the
// pacing unit of audio sent to the caller). Plain data.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace talky {

using Samples = std::vector<std::int16_t>;

inline constexpr std::chrono::milliseconds kFrameDuration{20};

// Telephony's two rates (Vonage's audio/l16;rate=8000|16000, G.711 on SIP is 8 kHz).
inline constexpr int kNarrowbandRate = 8000;
inline constexpr int kWidebandRate = 16000;

constexpr std::size_t SamplesPerFrame(int sample_rate) {
  return static_cast<std::size_t>(sample_rate) * kFrameDuration.count() / 1000;
}

constexpr std::chrono::milliseconds DurationOf(std::size_t samples, int sample_rate) {
  return std::chrono::milliseconds(static_cast<long>(samples * 1000 / sample_rate));
}

}  // namespace talky
