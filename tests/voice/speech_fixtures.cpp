#include "speech_fixtures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <numbers>

#include "voice/providers/espeak_text_to_speech.h"
#include "voice/providers/pocketsphinx_speech_to_text.h"
#include "voice/resampler.h"

namespace talky::testing {
namespace {

constexpr auto kPadding = std::chrono::milliseconds(300);

Samples Padded(const Samples& speech, int sample_rate) {
  const auto pad = static_cast<std::size_t>(sample_rate * kPadding.count() / 1000);
  Samples out(pad, 0);
  out.insert(out.end(), speech.begin(), speech.end());
  out.insert(out.end(), pad, 0);
  return out;
}

class CollectingSink final : public SynthesisSink {
 public:
  void OnAudio(std::span<const std::int16_t> samples) override {
    audio.insert(audio.end(), samples.begin(), samples.end());
  }
  void OnDone(Expected<void> result) override { done.set_value(result.has_value()); }

  Samples audio;
  std::promise<bool> done;
};

}  // namespace

TextToSpeech& SharedSpeaker() {
  static EspeakTextToSpeech speaker;
  return speaker;
}

Samples Synthesize(TextToSpeech& tts, const std::string& text, int sample_rate,
                   const std::string& voice) {
  CollectingSink sink;
  auto finished = sink.done.get_future();
  auto synthesis = tts.Synthesize({.text = text, .voice = voice, .sample_rate = sample_rate}, sink);
  EXPECT_TRUE(finished.get()) << text;
  return Padded(sink.audio, sample_rate);
}

Samples SpeakWithCommandLine(const std::string& text, const std::string& voice, int wpm,
                             int sample_rate) {
  const std::string command =
      "espeak-ng -v " + voice + " -s " + std::to_string(wpm) + " --stdout \"" + text + "\"";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return {};
  }
  std::string wav;
  char buffer[4096];
  for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe.get())) > 0;) wav.append(buffer, n);
  // RIFF header: the format chunk gives the rate; on a pipe the data chunk's size is a placeholder,
  // so the samples are everything after the "data" chunk header.
  if (wav.size() < 44 || wav.compare(0, 4, "RIFF") != 0 || wav.compare(8, 4, "WAVE") != 0) {
    ADD_FAILURE() << "not a WAV from " << command;
    return {};
  }
  std::uint32_t rate = 0;
  std::uint16_t bits = 0;
  std::size_t data = std::string::npos;
  for (std::size_t at = 12; at + 8 <= wav.size();) {
    std::uint32_t size = 0;
    std::memcpy(&size, wav.data() + at + 4, 4);
    if (wav.compare(at, 4, "fmt ") == 0) {
      std::memcpy(&rate, wav.data() + at + 12, 4);
      std::memcpy(&bits, wav.data() + at + 22, 2);
    } else if (wav.compare(at, 4, "data") == 0) {
      data = at + 8;
      break;
    }
    at += 8 + size;
  }
  EXPECT_EQ(rate, 22050u);
  EXPECT_EQ(bits, 16);
  if (data == std::string::npos) {
    ADD_FAILURE() << "no data chunk from " << command;
    return {};
  }
  Samples speech((wav.size() - data) / 2);
  std::memcpy(speech.data(), wav.data() + data, speech.size() * 2);
  Resampler resampler(static_cast<int>(rate), sample_rate);
  Samples out = resampler.Process(speech);
  Samples tail = resampler.Flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return Padded(out, sample_rate);
}

Samples Tone(int hz, std::chrono::milliseconds length, int sample_rate) {
  Samples tone(static_cast<std::size_t>(sample_rate * length.count() / 1000));
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<std::int16_t>(
        8000 * std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / sample_rate));
  }
  return tone;
}

std::string RecognizeOneOf(const Samples& audio, int sample_rate,
                           const std::vector<std::string>& lines, const Samples& warm_up) {
  PocketsphinxSpeechToText recognizer({.max_energy_outside_phrase = 1.0});
  FinalText sink;
  auto stream = recognizer.Open(sample_rate, sink);
  if (!stream) return "(open failed: " + stream.error().message + ")";
  (*stream)->Expect(lines);
  if (sample_rate == kWidebandRate) {
    (*stream)->Write(warm_up);
    (*stream)->Finalize();
  }
  (*stream)->Write(audio);
  (*stream)->Finalize();
  return sink.text;
}

}  // namespace talky::testing
