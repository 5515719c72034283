#include "telephony/simulated/simulated_callee_voices.h"

#include <cmath>
#include <future>
#include <numbers>

#include "telephony/simulated/callee_script.h"

namespace talky {
namespace {

constexpr char kMachineGreeting[] =
    "Hi, you have reached me. I cannot take your call right now. Please leave your name and "
    "number after the tone, and I will call you back.";

// Collects one synthesis; the future is ready when it is done.
class Collected final : public SynthesisSink {
 public:
  void OnAudio(std::span<const std::int16_t> samples) override {
    audio_.insert(audio_.end(), samples.begin(), samples.end());
  }
  void OnDone(Expected<void> result) override {
    if (result) {
      done_.set_value(std::move(audio_));
    } else {
      done_.set_value(std::unexpected(result.error()));
    }
  }
  std::future<Expected<Samples>> Result() { return done_.get_future(); }

 private:
  Samples audio_;
  std::promise<Expected<Samples>> done_;
};

Expected<Samples> SynthesizeNow(TextToSpeech& text_to_speech, const std::string& text,
                                const std::string& voice, int sample_rate) {
  Collected sink;
  std::future<Expected<Samples>> result = sink.Result();
  std::unique_ptr<Synthesis> synthesis =
      text_to_speech.Synthesize({.text = text, .voice = voice, .sample_rate = sample_rate}, sink);
  return result.get();
}

// An answering machine's tone: 1 kHz for 600 ms.
Samples BeepAt(int sample_rate) {
  Samples tone(static_cast<std::size_t>(sample_rate) * 600 / 1000);
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * 1000 * static_cast<double>(i) / sample_rate));
  }
  return tone;
}

}  // namespace

const std::vector<std::string>& SimulatedCalleeVoices::VoiceNames() {
  // Each recognized reliably by pocketsphinx saying every callee line (en-029 and en-gb-x-rp are
  // not: simulated_callee_voices_test.cpp).
  static const std::vector<std::string> names = {"en-gb", "en-gb-scotland", "en-us+f2",
                                                 "en-gb-x-gbclan"};
  return names;
}

Expected<SimulatedCalleeVoices> SimulatedCalleeVoices::Make(TextToSpeech& text_to_speech,
                                                            int sample_rate) {
  SimulatedCalleeVoices voices;
  voices.sample_rate_ = sample_rate;
  voices.beep_ = BeepAt(sample_rate);
  std::vector<std::string> texts = CalleeLines();
  texts.emplace_back(kMachineGreeting);
  for (int voice = 0; voice < voices.voices(); ++voice) {
    for (const std::string& text : texts) {
      Expected<Samples> audio = SynthesizeNow(
          text_to_speech, text, VoiceNames()[static_cast<std::size_t>(voice)], sample_rate);
      if (!audio) return std::unexpected(audio.error());
      voices.lines_[{text, voice}] = std::move(*audio);
    }
  }
  return voices;
}

const Samples& SimulatedCalleeVoices::Line(const std::string& text, int voice) const {
  return lines_.at({text, voice});
}

const Samples& SimulatedCalleeVoices::MachineGreeting(int voice) const {
  return lines_.at({kMachineGreeting, voice});
}

}  // namespace talky
