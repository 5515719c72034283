#include "voice/tone_detector.h"

#include <cmath>

#include "voice/audio.h"
#include "voice/goertzel.h"

namespace talky {

ToneDetector::ToneDetector(int sample_rate, ToneSettings settings)
    : sample_rate_(sample_rate), settings_(settings) {}

std::optional<int> ToneDetector::TonalFrequency(std::span<const std::int16_t> frame) const {
  const double n = static_cast<double>(frame.size());
  double energy = 0;
  for (std::int16_t sample : frame) energy += static_cast<double>(sample) * sample;
  if (frame.empty() || std::sqrt(energy / n) < settings_.min_rms) return std::nullopt;
  double best_power = 0;
  int best_hz = 0;
  const int highest = std::min(settings_.highest_hz, sample_rate_ / 2 - settings_.step_hz);
  for (int hz = settings_.lowest_hz; hz <= highest; hz += settings_.step_hz) {
    const double power = GoertzelPower(frame, sample_rate_, hz);
    if (power > best_power) {
      best_power = power;
      best_hz = hz;
    }
  }
  // A pure tone of amplitude A: power (A n / 2)^2, energy A^2 n / 2; their ratio, scaled, is 1.
  const double share = 2 * best_power / (n * energy);
  if (share < settings_.min_share) return std::nullopt;
  return best_hz;
}

bool ToneDetector::OnFrame(std::span<const std::int16_t> frame) {
  if (heard_) return true;
  const std::optional<int> hz = TonalFrequency(frame);
  if (!hz) {
    run_frames_ = 0;
    return false;
  }
  if (run_frames_ == 0 || std::abs(*hz - run_hz_) > settings_.max_drift_hz) {
    run_frames_ = 1;
    run_hz_ = *hz;
  } else {
    ++run_frames_;
  }
  heard_ = run_frames_ * kFrameDuration >= settings_.min_length;
  return heard_;
}

}  // namespace talky
