#include "bench/delayed_voice_providers.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace talky {
namespace {

// Whether a handle's sink may still be called. The timer thread holds the lock while it calls the
// sink, so once Stop() returns the sink hears nothing more. Recursive: a sink may stop its own
// handle from inside the call.
class Liveness {
 public:
  template <typename Call>
  void IfLive(Call call) {
    std::lock_guard lock(mutex_);
    if (live_) call();
  }
  void Stop() {
    std::lock_guard lock(mutex_);
    live_ = false;
  }

 private:
  std::recursive_mutex mutex_;
  bool live_ = true;
};

class Recognizer final : public SpeechRecognizer {
 public:
  Recognizer(DelayTimer& timer, std::chrono::milliseconds delay, RecognitionSink& sink)
      : timer_(timer), delay_(delay), sink_(sink) {}
  ~Recognizer() override { liveness_->Stop(); }
  void Expect(std::vector<std::string>) override {}
  void Write(std::span<const std::int16_t>) override {}
  void Finalize() override {
    timer_.After(delay_, [liveness = liveness_, &sink = sink_] {
      liveness->IfLive([&] {
        sink.OnTranscript({.text = "yes", .is_final = true, .understood = true, .confidence = 1});
      });
    });
  }

 private:
  DelayTimer& timer_;
  const std::chrono::milliseconds delay_;
  RecognitionSink& sink_;
  std::shared_ptr<Liveness> liveness_ = std::make_shared<Liveness>();
};

class StoppableHandle final : public Completion, public Synthesis {
 public:
  ~StoppableHandle() override { Cancel(); }
  void Cancel() override { liveness->Stop(); }
  std::shared_ptr<Liveness> liveness = std::make_shared<Liveness>();
};

class LoudnessDetector final : public VoiceActivityDetector {
 public:
  bool IsSpeech(std::span<const std::int16_t> frame) override {
    return std::ranges::any_of(frame, [](std::int16_t sample) { return sample != 0; });
  }
};

}  // namespace

DelayTimer::DelayTimer() : thread_([this] { Run(); }) {}

DelayTimer::~DelayTimer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DelayTimer::After(std::chrono::milliseconds delay, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    due_.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
  }
  changed_.notify_all();
}

void DelayTimer::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      changed_.wait(lock);
      continue;
    }
    const auto next = due_.begin()->first;
    if (std::chrono::steady_clock::now() < next) {
      changed_.wait_until(lock, next);
      continue;
    }
    std::function<void()> task = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    lock.unlock();
    task();
    lock.lock();
  }
}

Expected<std::unique_ptr<SpeechRecognizer>> DelayedSpeechToText::Open(int, RecognitionSink& sink) {
  return std::make_unique<Recognizer>(timer_, delay_, sink);
}

std::unique_ptr<Completion> DelayedLanguageModel::Complete(CompletionRequest request,
                                                           CompletionSink& sink) {
  auto handle = std::make_unique<StoppableHandle>();
  const bool greeting = request.history.empty();
  timer_.After(delay_, [liveness = handle->liveness, &sink, greeting] {
    liveness->IfLive([&] {
      sink.OnText(BenchReply(greeting));
      sink.OnDone({});
    });
  });
  return handle;
}

std::unique_ptr<Synthesis> DelayedTextToSpeech::Synthesize(SynthesisRequest request,
                                                           SynthesisSink& sink) {
  auto handle = std::make_unique<StoppableHandle>();
  const auto words = static_cast<std::size_t>(std::ranges::count(request.text, ' ') + 1);
  const std::size_t samples = words * static_cast<std::size_t>(request.sample_rate) / 10;
  timer_.After(delay_, [liveness = handle->liveness, &sink, samples, rate = request.sample_rate] {
    liveness->IfLive([&] {
      sink.OnAudio(BenchTone(samples, rate));
      sink.OnDone({});
    });
  });
  return handle;
}

Samples BenchTone(std::size_t samples, int sample_rate) {
  Samples tone(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    const double phase = 2 * std::numbers::pi * 440.0 * static_cast<double>(i) / sample_rate;
    tone[i] = static_cast<std::int16_t>(3000 * std::sin(phase) + (i % 2 == 0 ? 1 : -1));
  }
  return tone;
}

std::string BenchReply(bool greeting) {
  return std::string(greeting ? "Hello, this is a benchmark call. " : "Thank you, noted. ") +
         "Is there anything else?";
}

Expected<std::unique_ptr<VoiceActivityDetector>> LoudnessVoiceActivity::Open(int) {
  return std::make_unique<LoudnessDetector>();
}

}  // namespace talky
