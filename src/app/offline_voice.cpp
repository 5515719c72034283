#include "app/offline_voice.h"

#include <array>
#include <string_view>

#include "voice/providers/espeak_text_to_speech.h"
#include "voice/providers/pocketsphinx_speech_to_text.h"
#include "voice/providers/webrtc_voice_activity_detection.h"

namespace talky {

std::shared_ptr<OfflineVoice> AcquireOfflineVoice() {
  static const std::shared_ptr<OfflineVoice> voice = std::make_shared<OfflineVoice>(
      OfflineVoice{.text_to_speech = std::make_unique<EspeakTextToSpeech>(),
                   .speech_to_text = std::make_unique<PocketsphinxSpeechToText>(),
                   .voice_activity = std::make_unique<WebRtcVoiceActivityDetection>()});
  return voice;
}

std::string OfflineVoiceFor(const std::string& voice_id) {
  // English voices of espeak-ng 1.51 (espeak-ng --voices=en).
  static constexpr std::array<std::string_view, 8> kEspeakVoices = {
      "en-us",          "en-gb",      "en-gb-scotland", "en-gb-x-gbclan",
      "en-gb-x-gbcwmd", "en-gb-x-rp", "en-029",         "en"};
  for (std::string_view voice : kEspeakVoices) {
    if (voice_id == voice) return voice_id;
  }
  return "";
}

}  // namespace talky
