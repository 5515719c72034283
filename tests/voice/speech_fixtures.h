// Speech for the provider tests: our EspeakTextToSpeech, and the espeak-ng command line as an
// independent voice (a WAV at 22,050 Hz, parsed and resampled); a sink that keeps what was
// recognized.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "voice/audio.h"
#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"

namespace talky::testing {

// The process's one espeak-ng synthesizer (espeak is global: one EspeakTextToSpeech at a time).
TextToSpeech& SharedSpeaker();

// The whole synthesis of `text`, padded with 300 ms of digital silence each side.
Samples Synthesize(TextToSpeech& tts, const std::string& text, int sample_rate,
                   const std::string& voice = "");

// `espeak-ng -v voice -s wpm --stdout text`, resampled to sample_rate and padded as above.
Samples SpeakWithCommandLine(const std::string& text, const std::string& voice, int wpm,
                             int sample_rate);

// Keeps the final transcript's text: "(not understood)" when the recognizer rejected it, or
// "(error: ...)".
class FinalText final : public RecognitionSink {
 public:
  void OnTranscript(Transcript transcript) override {
    if (transcript.is_final) text = transcript.understood ? transcript.text : "(not understood)";
  }
  void OnError(Error error) override { text = "(error: " + error.message + ")"; }
  std::string text;
};

// Which of `lines` was said in `audio` (one utterance), by pocketsphinx with its rejection of
// unexpected speech off: it picks the closest line. pocketsphinx adapts to what it heard before
// (cepstral mean), so each check gets a fresh recognizer warmed on `warm_up` (speech in the same
// voice, at 16 kHz) first: one result then depends neither on the checks before it nor on a cold
// start. 8 kHz audio is recognized as it is, without the warm-up.
std::string RecognizeOneOf(const Samples& audio, int sample_rate,
                           const std::vector<std::string>& lines, const Samples& warm_up);

// A sine tone (an answering machine's beep) of amplitude 8000.
Samples Tone(int hz, std::chrono::milliseconds length, int sample_rate);

}  // namespace talky::testing
