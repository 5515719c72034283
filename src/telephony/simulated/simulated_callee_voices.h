// The voices of talky run's simulated callees: every line a callee may say (callee_script.h) and
// an answering machine's greeting, synthesized once per voice before the calls begin (espeak-ng
// through the TextToSpeech given, in accents other than the agent's), and a machine's beep.
// Immutable once made; any thread.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "domain/error.h"
#include "voice/audio.h"
#include "voice/text_to_speech.h"

namespace talky {

class SimulatedCalleeVoices {
 public:
  // The espeak voices the callees speak with, one drawn per call.
  static const std::vector<std::string>& VoiceNames();

  // Synthesizes every line in every voice at `sample_rate`; the provider's error if one fails.
  static Expected<SimulatedCalleeVoices> Make(TextToSpeech& text_to_speech, int sample_rate);

  int voices() const { return static_cast<int>(VoiceNames().size()); }
  int sample_rate() const { return sample_rate_; }
  // A line of CalleeLines() in voice `voice` (0 <= voice < voices()).
  const Samples& Line(const std::string& text, int voice) const;
  const Samples& MachineGreeting(int voice) const;
  const Samples& Beep() const { return beep_; }

 private:
  int sample_rate_ = kWidebandRate;
  std::map<std::pair<std::string, int>, Samples> lines_;
  Samples beep_;
};

}  // namespace talky
