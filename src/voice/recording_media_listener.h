// Records a call's audio on its way between the media gateway and the call's listener (the voice
// pipeline), for campaigns that record their calls: the caller's frames as they arrive (left), the
// agent's frames where they play (right), both on the caller's timeline, which is the media clock.
// The agent's audio is pulled a little ahead of that clock and played from the far side's buffer,
// so a frame follows the agent's previous one, unless the agent fell silent more than 200 ms ago:
// then it plays "now". What the far side dropped on a barge-in (OnPlaybackCleared) is cut from
// the agent's track. When the connection closes the recording
// goes, as a stereo WAV (stereo_wav.h), to `keep`, once.
//
// Threads: the gateway's executor, as every MediaListener.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "voice/audio.h"
#include "voice/media_gateway.h"

namespace talky {

class RecordingMediaListener final : public MediaListener {
 public:
  using Keep = std::function<void(std::string wav)>;

  // Audio past max_length is not recorded (memory stays bounded whatever the call does).
  RecordingMediaListener(std::shared_ptr<MediaListener> inner, int sample_rate,
                         std::chrono::seconds max_length, Keep keep);

  void OnAudio(std::span<const std::int16_t> frame) override;
  void OnDtmf(char digit, std::chrono::milliseconds duration) override;
  void OnPlayed(int marker) override;
  void OnPlaybackCleared() override;
  bool NextFrame(Samples& frame) override;
  void OnClosed(std::string reason) override;

 private:
  std::shared_ptr<MediaListener> inner_;
  const int sample_rate_;
  const std::size_t max_samples_;
  Keep keep_;
  Samples caller_;
  Samples agent_;
};

}  // namespace talky
