// Offline speech synthesis with espeak-ng (VOICE.md): 22,050 Hz out of espeak, resampled to each
// request's rate. espeak-ng is one global instance that crashes when two threads synthesize at
// once, so the object owns ONE synthesis thread: every espeak call happens there, and requests wait
// in a queue, served in order (a 4 s sentence takes 5-10 ms, so the queue stays short).
//
// Ownership: at most one EspeakTextToSpeech may exist in a process at a time (espeak's state is
// global); the constructor throws std::logic_error on a second. Destroying it stops the thread:
// the synthesis in progress is aborted and queued ones end silently (their sinks hear nothing
// more). Threads: Synthesize from any thread; sinks are called on the synthesis thread. Cancel()
// from any thread, including from inside the sink, and once it returns the sink is never called
// again. Errors: an unknown voice ends with OnDone(InvalidArgument); espeak failing to start or to
// synthesize ends with OnDone(Unavailable).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "voice/text_to_speech.h"

namespace talky {

class EspeakTextToSpeech final : public TextToSpeech {
 public:
  struct Options {
    int words_per_minute = 160;  // espeak's default is 175; 160 is closer to a calm phone voice
  };

  explicit EspeakTextToSpeech(Options options);
  EspeakTextToSpeech() : EspeakTextToSpeech(Options{}) {}
  ~EspeakTextToSpeech() override;
  EspeakTextToSpeech(const EspeakTextToSpeech&) = delete;
  EspeakTextToSpeech& operator=(const EspeakTextToSpeech&) = delete;

  // Queues the request; its audio (at request.sample_rate, 8000 or 16000 or any positive rate)
  // and OnDone reach the sink from the synthesis thread. Voice: an espeak voice name ("en-us",
  // "en-gb", ...); empty means "en-us".
  std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) override;

  struct Job;  // one request and its cancellation state; defined in the .cpp

 private:
  void Run();

  Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // guarded by mutex_
  std::shared_ptr<Job> current_;            // being synthesized; guarded by mutex_
  bool stopping_ = false;                   // guarded by mutex_
  std::jthread thread_;                     // last: started after the members above exist
};

}  // namespace talky
