// Voice providers and a media gateway for tests that answer at once and record what they were
// asked: a detector that calls any non-silent frame speech, a recognizer that "hears" what the
// test scripts, speech that is 100 ms of tone per word, a gateway that runs posted tasks when told.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "voice/media_gateway.h"
#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"
#include "voice/voice_activity_detector.h"

namespace talky::testing {

// A frame is speech when it is not silent.
class LoudnessDetector final : public VoiceActivityDetector {
 public:
  bool IsSpeech(std::span<const std::int16_t> frame) override {
    return std::ranges::any_of(frame, [](std::int16_t s) { return s != 0; });
  }
};
class LoudnessDetection final : public VoiceActivityDetection {
 public:
  Expected<std::unique_ptr<VoiceActivityDetector>> Open(int) override {
    return std::make_unique<LoudnessDetector>();
  }
};

// Hears what the test says it heard: the next scripted transcript at each Finalize.
class ScriptedRecognition final : public SpeechToText {
 public:
  struct Recognizer final : SpeechRecognizer {
    Recognizer(ScriptedRecognition& owner, RecognitionSink& sink) : owner_(owner), sink_(sink) {}
    void Expect(std::vector<std::string> phrases) override { owner_.expected = std::move(phrases); }
    void Write(std::span<const std::int16_t> samples) override {
      owner_.samples_written += samples.size();
    }
    void Finalize() override {
      if (owner_.fail_with) return sink_.OnError(*owner_.fail_with);
      Transcript heard{.is_final = true};
      if (!owner_.replies.empty()) {
        heard.text = owner_.replies.front();
        heard.understood = !heard.text.empty();
        owner_.replies.pop_front();
      }
      ++owner_.finalized;
      sink_.OnTranscript(heard);
    }
    ScriptedRecognition& owner_;
    RecognitionSink& sink_;
  };
  Expected<std::unique_ptr<SpeechRecognizer>> Open(int, RecognitionSink& sink) override {
    return std::make_unique<Recognizer>(*this, sink);
  }
  std::deque<std::string> replies;  // "" is speech that matched nothing expected
  std::optional<Error> fail_with;   // set: each Finalize reports it instead
  std::vector<std::string> expected;
  std::size_t samples_written = 0;
  int finalized = 0;
};

// 100 ms of a non-silent tone per word, delivered at once.
class ToneSpeech final : public TextToSpeech {
 public:
  struct Done final : Synthesis {
    void Cancel() override {}
  };
  std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) override {
    texts.push_back(request.text);
    requests.push_back(request);
    const std::size_t words = static_cast<std::size_t>(std::ranges::count(request.text, ' ') + 1);
    Samples audio(words * static_cast<std::size_t>(request.sample_rate) / 10, 1000);
    sink.OnAudio(audio);
    sink.OnDone({});
    return std::make_unique<Done>();
  }
  std::vector<std::string> texts;
  std::vector<SynthesisRequest> requests;
};

class RecordingGateway final : public MediaGateway {
 public:
  int sample_rate() const override { return kWidebandRate; }
  std::chrono::milliseconds max_lead() const override { return std::chrono::milliseconds(40); }
  // Safe from any thread (a sweeper posts from its own).
  void Post(std::function<void()> task) override {
    std::lock_guard lock(mutex);
    tasks.push_back(std::move(task));
  }
  void AudioReady() override { ++audio_ready; }
  void ClearPlayback() override { ++clears; }
  void NotifyWhenPlayed(int marker) override { markers.push_back(marker); }
  void Hangup(std::string reason) override { hangups.push_back(std::move(reason)); }
  void RunTasks() {
    for (;;) {
      std::function<void()> task;
      {
        std::lock_guard lock(mutex);
        if (tasks.empty()) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }
  std::mutex mutex;
  std::deque<std::function<void()>> tasks;
  int audio_ready = 0;
  int clears = 0;
  std::vector<int> markers;
  std::vector<std::string> hangups;
};

}  // namespace talky::testing
