#include "voice/providers/webrtc_voice_activity_detection.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

#include <algorithm>
#include <string>

namespace talky {
namespace {

constexpr int kHalfFrameMilliseconds = 10;

class WebRtcVoiceActivityDetector final : public VoiceActivityDetector {
 public:
  WebRtcVoiceActivityDetector(std::unique_ptr<webrtc::AudioProcessing> processing, int sample_rate)
      : processing_(std::move(processing)), sample_rate_(sample_rate) {}

  bool IsSpeech(std::span<const std::int16_t> frame) override {
    const auto half = static_cast<std::size_t>(sample_rate_ * kHalfFrameMilliseconds / 1000);
    bool speech = false;
    // A short or long frame is judged in 10 ms pieces; a last partial piece is padded with zeros.
    for (std::size_t start = 0; start < frame.size(); start += half) {
      const std::size_t count = std::min(half, frame.size() - start);
      frame_.UpdateFrame(0, 0, nullptr, half, sample_rate_, webrtc::AudioFrame::kNormalSpeech,
                         webrtc::AudioFrame::kVadUnknown, 1);
      std::copy_n(frame.begin() + static_cast<std::ptrdiff_t>(start), count, frame_.data_);
      std::fill(frame_.data_ + count, frame_.data_ + half, std::int16_t{0});
      if (processing_->ProcessStream(&frame_) != webrtc::AudioProcessing::kNoError) continue;
      speech = speech || processing_->voice_detection()->stream_has_voice();
    }
    return speech;
  }

 private:
  std::unique_ptr<webrtc::AudioProcessing> processing_;
  int sample_rate_;
  webrtc::AudioFrame frame_;
};

}  // namespace

Expected<std::unique_ptr<VoiceActivityDetector>> WebRtcVoiceActivityDetection::Open(
    int sample_rate) {
  if (sample_rate != 8000 && sample_rate != 16000 && sample_rate != 32000 && sample_rate != 48000) {
    return std::unexpected(Error::InvalidArgument(
        "voice activity detection needs 8000, 16000, 32000 or 48000 Hz, got " +
        std::to_string(sample_rate)));
  }
  std::unique_ptr<webrtc::AudioProcessing> processing(webrtc::AudioProcessing::Create());
  if (!processing) {
    return std::unexpected(Error::Unavailable("webrtc AudioProcessing could not be created"));
  }
  webrtc::VoiceDetection* detection = processing->voice_detection();
  if (detection->Enable(true) != webrtc::AudioProcessing::kNoError ||
      detection->set_likelihood(webrtc::VoiceDetection::kLowLikelihood) !=
          webrtc::AudioProcessing::kNoError ||
      detection->set_frame_size_ms(kHalfFrameMilliseconds) != webrtc::AudioProcessing::kNoError) {
    return std::unexpected(Error::Unavailable("webrtc voice detection could not be configured"));
  }
  return std::make_unique<WebRtcVoiceActivityDetector>(std::move(processing), sample_rate);
}

}  // namespace talky
