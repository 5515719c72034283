#include "voice/text_to_speech_with_fallback.h"

#include <spdlog/spdlog.h>

#include <mutex>

namespace talky {
namespace {

// One sentence: the primary's synthesis, and the fallback's when the primary failed silent. The
// caller's sink is called under mutex_, and never once cancelled_ is set.
class FallingBack final : public Synthesis {
 public:
  FallingBack(SynthesisRequest request, SynthesisSink& sink, TextToSpeech& fallback,
              std::function<void(const Error&)> on_failure)
      : request_(std::move(request)),
        sink_(sink),
        fallback_(fallback),
        on_failure_(std::move(on_failure)),
        primary_sink_(*this),
        fallback_sink_(*this) {}
  ~FallingBack() override { Cancel(); }

  void Begin(TextToSpeech& primary) {
    std::unique_ptr<Synthesis> started = primary.Synthesize(request_, primary_sink_);
    std::lock_guard lock(mutex_);
    primary_ = std::move(started);
  }

  void Cancel() override {
    std::unique_ptr<Synthesis> primary;
    std::unique_ptr<Synthesis> fallback;
    {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      primary = std::move(primary_);
      fallback = std::move(fallback_synthesis_);
    }
    // Outside the lock: a provider's Cancel waits for its sink call in progress, which may be
    // waiting for mutex_.
    if (primary) primary->Cancel();
    if (fallback) fallback->Cancel();
  }

 private:
  struct PrimarySink final : SynthesisSink {
    explicit PrimarySink(FallingBack& owner) : owner_(owner) {}
    void OnAudio(std::span<const std::int16_t> samples) override {
      std::lock_guard lock(owner_.mutex_);
      if (owner_.cancelled_) return;
      owner_.primary_spoke_ = true;
      owner_.sink_.OnAudio(samples);
    }
    void OnDone(Expected<void> result) override {
      std::lock_guard lock(owner_.mutex_);
      if (owner_.cancelled_) return;
      if (result || owner_.primary_spoke_) return owner_.sink_.OnDone(std::move(result));
      spdlog::warn("voice: the cloud voice failed ({}); the offline voice says '{}'",
                   result.error().message, owner_.request_.text);
      if (owner_.on_failure_) owner_.on_failure_(result.error());
      owner_.fallback_synthesis_ =
          owner_.fallback_.Synthesize(owner_.request_, owner_.fallback_sink_);
    }
    FallingBack& owner_;
  };

  struct FallbackSink final : SynthesisSink {
    explicit FallbackSink(FallingBack& owner) : owner_(owner) {}
    void OnAudio(std::span<const std::int16_t> samples) override {
      std::lock_guard lock(owner_.mutex_);
      if (!owner_.cancelled_) owner_.sink_.OnAudio(samples);
    }
    void OnDone(Expected<void> result) override {
      std::lock_guard lock(owner_.mutex_);
      if (!owner_.cancelled_) owner_.sink_.OnDone(std::move(result));
    }
    FallingBack& owner_;
  };

  const SynthesisRequest request_;
  SynthesisSink& sink_;
  TextToSpeech& fallback_;
  const std::function<void(const Error&)> on_failure_;
  PrimarySink primary_sink_;
  FallbackSink fallback_sink_;

  std::recursive_mutex mutex_;  // recursive: a sink may cancel from inside its call
  std::unique_ptr<Synthesis> primary_;
  std::unique_ptr<Synthesis> fallback_synthesis_;
  bool primary_spoke_ = false;
  bool cancelled_ = false;
};

}  // namespace

TextToSpeechWithFallback::TextToSpeechWithFallback(std::shared_ptr<TextToSpeech> primary,
                                                   TextToSpeech& fallback,
                                                   std::function<void(const Error&)> on_failure)
    : primary_(std::move(primary)), fallback_(fallback), on_failure_(std::move(on_failure)) {}

std::unique_ptr<Synthesis> TextToSpeechWithFallback::Synthesize(SynthesisRequest request,
                                                                SynthesisSink& sink) {
  auto synthesis = std::make_unique<FallingBack>(std::move(request), sink, fallback_, on_failure_);
  synthesis->Begin(*primary_);
  return synthesis;
}

}  // namespace talky
