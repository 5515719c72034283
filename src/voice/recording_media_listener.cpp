#include "voice/recording_media_listener.h"

#include <algorithm>

#include "voice/stereo_wav.h"

namespace talky {
namespace {

constexpr std::size_t kBridgedFrames = 10;  // 200 ms

}  // namespace

RecordingMediaListener::RecordingMediaListener(std::shared_ptr<MediaListener> inner,
                                               int sample_rate, std::chrono::seconds max_length,
                                               Keep keep)
    : inner_(std::move(inner)),
      sample_rate_(sample_rate),
      max_samples_(static_cast<std::size_t>(sample_rate) *
                   static_cast<std::size_t>(max_length.count())),
      keep_(std::move(keep)) {}

void RecordingMediaListener::OnAudio(std::span<const std::int16_t> frame) {
  if (caller_.size() + frame.size() <= max_samples_) {
    caller_.insert(caller_.end(), frame.begin(), frame.end());
  }
  inner_->OnAudio(frame);
}

void RecordingMediaListener::OnDtmf(char digit, std::chrono::milliseconds duration) {
  inner_->OnDtmf(digit, duration);
}

void RecordingMediaListener::OnPlayed(int marker) { inner_->OnPlayed(marker); }

void RecordingMediaListener::OnPlaybackCleared() {
  // What was queued past "now" was never heard.
  agent_.resize(std::min(agent_.size(), caller_.size()));
  inner_->OnPlaybackCleared();
}

bool RecordingMediaListener::NextFrame(Samples& frame) {
  if (!inner_->NextFrame(frame)) return false;
  // The agent's audio plays on from where it was unless it stopped a while ago: a frame late by
  // scheduling jitter (the far side's buffer bridges it) does not open a gap in the recording.
  const std::size_t bridged = kBridgedFrames * frame.size();
  const std::size_t at = agent_.size() + bridged >= caller_.size() ? agent_.size() : caller_.size();
  if (at + frame.size() <= max_samples_) {
    agent_.resize(at, 0);
    agent_.insert(agent_.end(), frame.begin(), frame.end());
  }
  return true;
}

void RecordingMediaListener::OnClosed(std::string reason) {
  inner_->OnClosed(std::move(reason));
  if (!keep_ || (caller_.empty() && agent_.empty())) return;
  Keep keep = std::move(keep_);
  keep_ = nullptr;
  keep(StereoWav(caller_, agent_, sample_rate_));
}

}  // namespace talky
