// The offline voice providers (VOICE.md) that every answered call of this process shares:
// espeak-ng for speech out, pocketsphinx for speech in, WebRTC's voice activity detector.
// espeak-ng is one global instance per process that cannot be started again once terminated
// (a second espeak_Terminate hangs), so the providers are made once, on first use, and live until
// the process exits: AcquireOfflineVoice gives every caller (each TalkyServer) the same set.
// Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"
#include "voice/voice_activity_detector.h"

namespace talky {

struct OfflineVoice {
  std::unique_ptr<TextToSpeech> text_to_speech;
  std::unique_ptr<SpeechToText> speech_to_text;
  std::unique_ptr<VoiceActivityDetection> voice_activity;
};

std::shared_ptr<OfflineVoice> AcquireOfflineVoice();

// espeak-ng's voice for a campaign's voice_id: the id itself when espeak has it ("en-us",
// "en-gb", ...), else "" (espeak's default, US English), so a campaign made for a cloud voice
// still speaks offline.
std::string OfflineVoiceFor(const std::string& voice_id);

}  // namespace talky
