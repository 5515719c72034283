#include "voice/providers/espeak_text_to_speech.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <future>
#include <thread>

#include "speech_fixtures.h"

namespace talky {
namespace {

using testing::SharedSpeaker;

double Rms(std::span<const std::int16_t> samples) {
  double energy = 0;
  for (auto s : samples) energy += static_cast<double>(s) * s;
  return samples.empty() ? 0 : std::sqrt(energy / static_cast<double>(samples.size()));
}

TEST(EspeakTextToSpeech, SpeechAtTheRequestedRateLastsAsLongAtEitherRate) {
  // "hello there, how are you today": about 1.5-2.5 s at 160 wpm, at both rates.
  const Samples wide =
      testing::Synthesize(SharedSpeaker(), "hello there, how are you today", kWidebandRate);
  const Samples narrow =
      testing::Synthesize(SharedSpeaker(), "hello there, how are you today", kNarrowbandRate);
  const double wide_seconds = static_cast<double>(wide.size()) / kWidebandRate - 0.6;
  const double narrow_seconds = static_cast<double>(narrow.size()) / kNarrowbandRate - 0.6;
  EXPECT_GT(wide_seconds, 1.0);
  EXPECT_LT(wide_seconds, 3.5);
  EXPECT_NEAR(narrow_seconds, wide_seconds, 0.3);  // runs differ slightly (VOICE.md)
  EXPECT_GT(Rms(wide), 500);
}

class RecordingSink final : public SynthesisSink {
 public:
  void OnAudio(std::span<const std::int16_t> samples) override {
    if (after_cancel) violated = true;
    samples_ += samples.size();
    if (on_audio) on_audio();
  }
  void OnDone(Expected<void> result) override {
    if (after_cancel) violated = true;
    done.set_value(std::move(result));
  }

  std::atomic<bool> after_cancel{false};
  std::atomic<bool> violated{false};
  std::atomic<std::size_t> samples_{0};
  std::function<void()> on_audio;
  std::promise<Expected<void>> done;
};

TEST(EspeakTextToSpeech, UnknownVoiceEndsWithInvalidArgument) {
  RecordingSink sink;
  auto result = sink.done.get_future();
  auto synthesis = SharedSpeaker().Synthesize({.text = "hello", .voice = "no-such-voice"}, sink);
  Expected<void> done = result.get();
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sink.samples_, 0u);
}

TEST(EspeakTextToSpeech, NoSinkCallAfterCancelReturns) {
  RecordingSink sink;
  std::promise<void> first_audio;
  std::atomic<bool> signalled{false};
  sink.on_audio = [&] {
    if (!signalled.exchange(true)) first_audio.set_value();
  };
  std::string long_text;
  for (int i = 0; i < 40; ++i)
    long_text += "this sentence keeps the synthesizer busy for a while. ";
  auto synthesis = SharedSpeaker().Synthesize({.text = long_text}, sink);
  first_audio.get_future().wait();  // mid-synthesis: audio is flowing
  synthesis->Cancel();
  sink.after_cancel = true;
  // The next request is served after the cancelled one stopped: once it is done, the cancelled
  // synthesis can no longer call its sink.
  (void)testing::Synthesize(SharedSpeaker(), "done", kWidebandRate);
  EXPECT_FALSE(sink.violated);
  EXPECT_LT(sink.samples_, 16000u * 60);  // it stopped well before the end (minutes of speech)
}

TEST(EspeakTextToSpeech, CancelFromInsideTheSinkStopsDelivery) {
  RecordingSink sink;
  // The first audio may arrive before Synthesize has returned the handle: the sink waits for it.
  std::promise<Synthesis*> handle;
  std::shared_future<Synthesis*> handle_ready = handle.get_future().share();
  std::promise<void> cancelled;
  sink.on_audio = [&] {
    if (sink.after_cancel.exchange(true)) return;
    handle_ready.get()->Cancel();
    cancelled.set_value();
  };
  std::unique_ptr<Synthesis> synthesis =
      SharedSpeaker().Synthesize({.text = "one two three four five six seven"}, sink);
  handle.set_value(synthesis.get());
  cancelled.get_future().wait();
  (void)testing::Synthesize(SharedSpeaker(), "done", kWidebandRate);
  EXPECT_FALSE(sink.violated);
}

TEST(EspeakTextToSpeech, FourThreadsSynthesizingAtOnceAllComplete) {
  std::atomic<int> completed{0};
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const Samples audio =
            testing::Synthesize(SharedSpeaker(), "call number " + std::to_string(i),
                                t % 2 ? 8000 : 16000, t < 2 ? "en-us" : "en-gb");
        if (Rms(audio) > 100) ++completed;
      }
    });
  }
  threads.clear();
  EXPECT_EQ(completed, 40);
}

TEST(EspeakTextToSpeech, OnlyOneInstanceAtATime) {
  (void)SharedSpeaker();
  EXPECT_THROW(EspeakTextToSpeech{}, std::logic_error);
}

}  // namespace
}  // namespace talky
