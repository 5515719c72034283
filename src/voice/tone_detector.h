// Finds a steady pure tone in call audio: an answering machine's beep (typically 400-2000 Hz,
// 100 ms to a second or more). Each 20 ms frame is scanned with Goertzel filters across that band;
// a frame is tonal when one frequency holds most of its energy, and a beep is a run of tonal
// frames at one frequency. Speech spreads its energy over many harmonics and does not pass.
// Not thread-safe: one per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace talky {

struct ToneSettings {
  int lowest_hz = 350;
  int highest_hz = 2100;
  int step_hz = 25;
  double min_share = 0.7;  // of a frame's energy at the strongest frequency
  double min_rms = 200;    // quieter frames are not tones (line noise)
  int max_drift_hz = 60;   // between the frames of one beep
  std::chrono::milliseconds min_length{120};
};

class ToneDetector {
 public:
  explicit ToneDetector(int sample_rate, ToneSettings settings = {});

  // One 20 ms frame; true once a beep has been heard (it stays true).
  bool OnFrame(std::span<const std::int16_t> frame);
  bool heard() const { return heard_; }
  std::optional<int> frequency_hz() const { return heard_ ? std::optional(run_hz_) : std::nullopt; }

 private:
  // The frame's strongest frequency in the band, if it holds min_share of the energy.
  std::optional<int> TonalFrequency(std::span<const std::int16_t> frame) const;

  int sample_rate_;
  ToneSettings settings_;
  int run_frames_ = 0;
  int run_hz_ = 0;
  bool heard_ = false;
};

}  // namespace talky
