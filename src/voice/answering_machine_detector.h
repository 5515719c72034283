// Tells an answering machine from a person by how the far side starts talking, for telephony
// without the provider's machine detection (SIP, the simulator): a person answers briefly
// ("Hello?") and waits; a machine's greeting talks on ("Hi, you've reached Ada, I can't take your
// call, please leave a message after the tone") with only short pauses. So the far side's first
// utterance (speech joined across pauses shorter than `utterance_gap`) decides: `long_greeting`
// of speech in it is a machine; ending before that, a person. Nobody speaking for
// `analysis_window` is taken as a person listening. Later speech, however long, changes nothing:
// a person who talks at length mid-call is not a machine. A beep (tone_detector.h) before a
// verdict is a machine too (a short "leave a message" greeting); after a machine verdict it
// listens for the beep and for the greeting going quiet, when a message may be left. A telephony
// provider's own detection (Vonage's `human`/`machine` events and `beep_start`), when it has one,
// is told to the detector and overrides what the audio suggested: it hears the line before us.
// Not thread-safe: one per call, fed every caller frame in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "voice/tone_detector.h"

namespace talky {

struct AnsweringMachineSettings {
  std::chrono::milliseconds long_greeting{3500};
  std::chrono::milliseconds utterance_gap{800};
  std::chrono::milliseconds analysis_window{8000};
  // After a machine's speech, silence this long without a beep: its greeting is over.
  std::chrono::milliseconds quiet_after_greeting{1500};
};

enum class AnswerKind { kUndecided, kHuman, kMachine };

// What a telephony provider's machine detection said of a call: its verdict and, for a machine,
// whether the beep was heard (the message may be left now).
struct ProviderMachineDetection {
  AnswerKind verdict = AnswerKind::kUndecided;
  bool beep = false;
};

class AnsweringMachineDetector {
 public:
  explicit AnsweringMachineDetector(int sample_rate, AnsweringMachineSettings settings = {});

  // One 20 ms caller frame, and whether voice activity detection heard speech in it.
  void OnFrame(std::span<const std::int16_t> frame, bool speech);
  // The provider's detection: a verdict other than undecided replaces ours; a beep makes a machine.
  void Told(ProviderMachineDetection detection);

  AnswerKind verdict() const { return verdict_; }
  // A machine's beep was heard (after the verdict).
  bool beep_heard() const { return tones_.heard() || told_beep_; }
  // A machine is ready for a message: its beep was heard, or its greeting went quiet.
  bool ready_for_message() const;

 private:
  AnsweringMachineSettings settings_;
  ToneDetector tones_;
  AnswerKind verdict_ = AnswerKind::kUndecided;
  std::chrono::milliseconds elapsed_{0};
  std::chrono::milliseconds utterance_speech_{0};
  std::chrono::milliseconds silence_run_{0};
  bool in_utterance_ = false;
  bool told_beep_ = false;
};

}  // namespace talky
