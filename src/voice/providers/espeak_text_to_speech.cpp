#include "voice/providers/espeak_text_to_speech.h"

#include <espeak-ng/speak_lib.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "voice/resampler.h"

namespace talky {
namespace {

constexpr const char* kDefaultVoice = "en-us";
// espeak hands audio to the callback in pieces of about this many milliseconds.
constexpr int kBufferMilliseconds = 20;

std::atomic<bool> instance_exists{false};

// A voice by its name ("en-gb-x-rp") or by its language ("en-gb", which espeak-ng 1.51 only finds
// by language); false when neither names a voice. The language match must be exact: espeak's own
// matching would take "no-such-voice" for Norwegian ("no").
bool SelectVoice(const std::string& name) {
  if (espeak_SetVoiceByName(name.c_str()) == EE_OK) return true;
  espeak_VOICE wanted{};
  wanted.languages = name.c_str();
  if (espeak_SetVoiceByProperties(&wanted) != EE_OK) return false;
  const espeak_VOICE* chosen = espeak_GetCurrentVoice();
  if (chosen == nullptr || chosen->languages == nullptr) return false;
  // languages: a priority byte, a name and its terminating zero, repeated; a zero byte ends it.
  for (const char* entry = chosen->languages; *entry != 0;) {
    const char* language = entry + 1;
    if (name == language) return true;
    entry = language + std::char_traits<char>::length(language) + 1;
  }
  return false;
}

}  // namespace

struct EspeakTextToSpeech::Job {
  SynthesisRequest request;
  SynthesisSink* sink;
  // Held while the sink is called and while Cancel marks the job: after Cancel returns, the
  // synthesis thread sees `cancelled` before any further call. Recursive: the sink may Cancel.
  std::recursive_mutex delivery;
  bool cancelled = false;              // guarded by delivery
  std::atomic<bool> abort{false};      // read by espeak's callback to stop synthesizing early
  std::optional<Resampler> resampler;  // synthesis thread only

  // Calls `call(*sink)` unless the job was cancelled; false when it was.
  template <typename Call>
  bool Deliver(Call&& call) {
    std::lock_guard lock(delivery);
    if (cancelled) return false;
    std::forward<Call>(call)(*sink);
    return true;
  }

  void Cancel() {
    abort = true;
    std::lock_guard lock(delivery);
    cancelled = true;
  }
};

namespace {

class Handle final : public Synthesis {
 public:
  explicit Handle(std::shared_ptr<EspeakTextToSpeech::Job> job) : job_(std::move(job)) {}
  ~Handle() override { Cancel(); }
  void Cancel() override { job_->Cancel(); }

 private:
  std::shared_ptr<EspeakTextToSpeech::Job> job_;
};

int OnEspeakAudio(short* samples, int count, espeak_EVENT* events) {
  auto* job =
      static_cast<EspeakTextToSpeech::Job*>(events != nullptr ? events->user_data : nullptr);
  if (job == nullptr) return 0;
  if (job->abort) return 1;
  if (samples == nullptr || count <= 0) return 0;
  Samples audio = job->resampler->Process(
      std::span<const std::int16_t>(samples, static_cast<std::size_t>(count)));
  if (audio.empty()) return 0;
  bool delivered = job->Deliver([&](SynthesisSink& sink) { sink.OnAudio(audio); });
  return delivered ? 0 : 1;
}

}  // namespace

EspeakTextToSpeech::EspeakTextToSpeech(Options options) : options_(options) {
  if (instance_exists.exchange(true)) {
    throw std::logic_error("only one EspeakTextToSpeech may exist at a time (espeak-ng is global)");
  }
  thread_ = std::jthread([this] { Run(); });
}

EspeakTextToSpeech::~EspeakTextToSpeech() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& job : queue_) job->abort = true;
    if (current_) current_->abort = true;  // espeak's callback stops the synthesis in progress
  }
  wake_.notify_all();
  thread_.join();
  instance_exists = false;
}

std::unique_ptr<Synthesis> EspeakTextToSpeech::Synthesize(SynthesisRequest request,
                                                          SynthesisSink& sink) {
  auto job = std::make_shared<Job>();
  job->request = std::move(request);
  if (job->request.voice.empty()) job->request.voice = kDefaultVoice;
  job->sink = &sink;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(job);
  }
  wake_.notify_one();
  return std::make_unique<Handle>(std::move(job));
}

void EspeakTextToSpeech::Run() {
  const int espeak_rate =
      espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, kBufferMilliseconds, nullptr, 0);
  if (espeak_rate > 0) espeak_SetSynthCallback(&OnEspeakAudio);

  while (true) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      job = std::move(queue_.front());
      queue_.pop_front();
      current_ = job;
    }
    if (job->abort) continue;
    if (espeak_rate <= 0) {
      job->Deliver([](SynthesisSink& sink) {
        sink.OnDone(std::unexpected(Error::Unavailable("espeak-ng failed to initialize")));
      });
      continue;
    }
    if (job->request.sample_rate <= 0) {
      job->Deliver([&](SynthesisSink& sink) {
        sink.OnDone(std::unexpected(Error::InvalidArgument(
            "sample rate must be positive, got " + std::to_string(job->request.sample_rate))));
      });
      continue;
    }
    if (!SelectVoice(job->request.voice)) {
      job->Deliver([&](SynthesisSink& sink) {
        sink.OnDone(std::unexpected(
            Error::InvalidArgument("unknown espeak-ng voice \"" + job->request.voice + "\"")));
      });
      continue;
    }
    espeak_SetParameter(espeakRATE, options_.words_per_minute, 0);
    job->resampler.emplace(espeak_rate, job->request.sample_rate);
    const std::string& text = job->request.text;
    const espeak_ERROR result = espeak_Synth(text.c_str(), text.size() + 1, 0, POS_CHARACTER, 0,
                                             espeakCHARS_UTF8, nullptr, job.get());
    espeak_Synchronize();
    if (job->abort) continue;  // cancelled (or destroying): nothing more for this sink
    if (result != EE_OK) {
      job->Deliver([](SynthesisSink& sink) {
        sink.OnDone(std::unexpected(Error::Unavailable("espeak-ng failed to synthesize")));
      });
      continue;
    }
    Samples tail = job->resampler->Flush();
    job->Deliver([&](SynthesisSink& sink) {
      if (!tail.empty()) sink.OnAudio(tail);
      sink.OnDone({});
    });
  }
  if (espeak_rate > 0) espeak_Terminate();
}

}  // namespace talky
