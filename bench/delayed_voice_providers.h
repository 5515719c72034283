// Voice providers for `talky bench voice` that answer after fixed delays and do no work, so that
// the benchmark measures the engine (media socket, turn-taking, pacing) and not recognition or
// synthesis: speech is any frame that is not silent; every caller turn is heard as "yes"; the
// model answers two sentences; speech is a tone of 100 ms per word. One timer thread serves every
// call. Benchmark code only.
//
// Threads: as the interfaces say; sinks are called on the timer thread and never after the handle
// (recognizer, completion, synthesis) is cancelled or destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "voice/language_model.h"
#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"
#include "voice/voice_activity_detector.h"

namespace talky {

struct ProviderDelays {
  std::chrono::milliseconds speech_to_text{50};   // end of the caller's turn -> final text
  std::chrono::milliseconds language_model{100};  // request -> the whole reply
  std::chrono::milliseconds text_to_speech{50};   // request -> the whole audio
  std::chrono::milliseconds Total() const {
    return speech_to_text + language_model + text_to_speech;
  }
};

// Runs tasks at their due time on one thread of its own.
class DelayTimer {
 public:
  DelayTimer();
  ~DelayTimer();
  void After(std::chrono::milliseconds delay, std::function<void()> task);

 private:
  void Run();
  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due_;
  bool stopping_ = false;
  std::thread thread_;
};

class DelayedSpeechToText final : public SpeechToText {
 public:
  DelayedSpeechToText(DelayTimer& timer, std::chrono::milliseconds delay)
      : timer_(timer), delay_(delay) {}
  Expected<std::unique_ptr<SpeechRecognizer>> Open(int sample_rate, RecognitionSink& sink) override;

 private:
  DelayTimer& timer_;
  const std::chrono::milliseconds delay_;
};

class DelayedLanguageModel final : public LanguageModel {
 public:
  DelayedLanguageModel(DelayTimer& timer, std::chrono::milliseconds delay)
      : timer_(timer), delay_(delay) {}
  std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) override;

 private:
  DelayTimer& timer_;
  const std::chrono::milliseconds delay_;
};

class DelayedTextToSpeech final : public TextToSpeech {
 public:
  DelayedTextToSpeech(DelayTimer& timer, std::chrono::milliseconds delay)
      : timer_(timer), delay_(delay) {}
  std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) override;

 private:
  DelayTimer& timer_;
  const std::chrono::milliseconds delay_;
};

// The bench's speech: a 440 Hz tone, never a zero-only frame (the detector would call it silence).
std::vector<std::int16_t> BenchTone(std::size_t samples, int sample_rate);

// The bench's agent: what it says to a call's greeting (`greeting`) or to each caller turn.
std::string BenchReply(bool greeting);

// Speech is any frame with a sample that is not zero.
class LoudnessVoiceActivity final : public VoiceActivityDetection {
 public:
  Expected<std::unique_ptr<VoiceActivityDetector>> Open(int sample_rate) override;
};

}  // namespace talky
