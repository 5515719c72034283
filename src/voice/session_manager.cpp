#include "voice/session_manager.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "voice/recording_media_listener.h"
#include "voice/text_to_speech_with_fallback.h"

namespace talky {

// Sees one pipeline's changes: stores the session and feeds the metrics.
class SessionManager::Observer final : public VoicePipelineObserver {
 public:
  explicit Observer(SessionManager& manager) : manager_(manager) {}
  void OnSessionChanged(const CallSession& session) override { manager_.Saved(session); }
  void OnLatency(const LatencyMetric& metric) override { manager_.metrics_.ObserveLatency(metric); }
  void OnBargeIn() override { manager_.metrics_.CountBargeIn(); }
  void OnNotUnderstood() override { manager_.metrics_.CountNotUnderstood(); }
  void OnTokenUsage(const TokenUsage& usage) override { manager_.metrics_.CountTokens(usage); }

 private:
  SessionManager& manager_;
};

SessionManager::SessionManager(AnsweredCallLookup lookup, SpeechToText& speech_to_text,
                               TextToSpeech& text_to_speech, VoiceActivityDetection& voice_activity,
                               CallSessionStore& store, VoiceMetrics& metrics, const Clock& clock,
                               SessionManagerOptions options)
    : lookup_(std::move(lookup)),
      speech_to_text_(speech_to_text),
      text_to_speech_(text_to_speech),
      voice_activity_(voice_activity),
      store_(store),
      metrics_(metrics),
      clock_(clock),
      options_(options),
      sweeper_([this] { Sweep(); }) {}

SessionManager::~SessionManager() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  sweeper_.join();
}

Expected<std::shared_ptr<MediaListener>> SessionManager::Accept(
    const CallId& call, std::shared_ptr<MediaGateway> gateway) {
  auto refuse = [this](Error error,
                       std::string_view why) -> Expected<std::shared_ptr<MediaListener>> {
    metrics_.CountSession(why);
    return std::unexpected(std::move(error));
  };
  {
    std::lock_guard lock(mutex_);
    if (live_.contains(call)) {
      return refuse(Error::Conflict("call " + call.value + " already has a media connection"),
                    "refused_duplicate");
    }
  }
  Expected<AnsweredCall> answered = lookup_(call);
  if (!answered) {
    return refuse(answered.error(), answered.error().code == ErrorCode::kNotFound
                                        ? "refused_unknown_call"
                                        : "refused_unavailable");
  }
  auto observer = std::make_shared<Observer>(*this);
  if (std::optional<Instant> answered_at = gateway->answered_at()) {
    answered->config.timeline_origin = answered_at;
  }
  const std::chrono::seconds max_call_length = answered->config.max_call_length;
  Expected<std::shared_ptr<VoicePipeline>> pipeline = VoicePipeline::Create(
      std::move(answered->session), std::move(answered->config),
      VoiceProviders{.speech_to_text = answered->speech_to_text ? answered->speech_to_text
                                                                : Borrow(speech_to_text_),
                     .text_to_speech = VoiceOf(*answered),
                     .voice_activity = voice_activity_,
                     .language_model = std::move(answered->language_model),
                     .reply_grammar = std::move(answered->reply_grammar),
                     .recorder = std::move(answered->recorder)},
      gateway, std::move(observer), clock_);
  if (!pipeline) return refuse(pipeline.error(), "refused_provider");
  {
    std::lock_guard lock(mutex_);
    if (live_.contains(call)) {  // a second connection raced this one in
      return refuse(Error::Conflict("call " + call.value + " already has a media connection"),
                    "refused_duplicate");
    }
    live_[call] = Live{.gateway = gateway, .pipeline = *pipeline, .last_activity = clock_.Now()};
  }
  metrics_.CountSession("started");
  std::shared_ptr<MediaListener> listener = *pipeline;
  if (answered->keep_recording) {
    // Past the call's length limit the pipeline is saying its goodbye: a minute covers it.
    listener = std::make_shared<RecordingMediaListener>(std::move(listener), gateway->sample_rate(),
                                                        max_call_length + std::chrono::seconds(60),
                                                        std::move(answered->keep_recording));
  }
  (*pipeline)->Start();
  return listener;
}

std::shared_ptr<TextToSpeech> SessionManager::VoiceOf(const AnsweredCall& call) {
  if (!call.text_to_speech) return Borrow(text_to_speech_);
  // The pipeline hears of no failure (the offline voice spoke): the metrics are told here.
  return std::make_shared<TextToSpeechWithFallback>(
      call.text_to_speech, text_to_speech_, [&metrics = metrics_](const Error& error) {
        metrics.ObserveLatency(
            {.component = "tts", .success = false, .error_message = error.message});
      });
}

std::size_t SessionManager::LiveCount() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

bool SessionManager::OnProviderMachineDetection(const CallId& call,
                                                ProviderMachineDetection detection) {
  std::shared_ptr<MediaGateway> gateway;
  std::weak_ptr<VoicePipeline> pipeline;
  {
    std::lock_guard lock(mutex_);
    auto found = live_.find(call);
    if (found == live_.end()) return false;
    gateway = found->second.gateway.lock();
    pipeline = found->second.pipeline;
  }
  if (!gateway) return false;
  gateway->Post([pipeline, detection] {
    if (auto live = pipeline.lock()) live->OnProviderMachineDetection(detection);
  });
  return true;
}

void SessionManager::Saved(const CallSession& session) {
  if (Expected<void> saved = store_.Save(session, options_.stale_after); !saved) {
    spdlog::warn("voice: call {}: the session could not be saved: {}", session.call_id.value,
                 saved.error().message);
  }
  if (session.IsLive()) {
    std::lock_guard lock(mutex_);
    if (auto found = live_.find(session.call_id); found != live_.end()) {
      found->second.last_activity = session.last_activity_at;
    }
    return;
  }
  metrics_.CountSession("ended");
  std::lock_guard lock(mutex_);
  live_.erase(session.call_id);
}

void SessionManager::Sweep() {
  std::unique_lock lock(mutex_);
  while (!stop_signal_.wait_for(lock, options_.sweep_every, [this] { return stopping_; })) {
    const Instant now = clock_.Now();
    std::vector<std::shared_ptr<MediaGateway>> stale;
    std::erase_if(live_, [](const auto& entry) { return entry.second.gateway.expired(); });
    for (auto& [call, live] : live_) {
      if (now - live.last_activity <= options_.stale_after) continue;
      live.last_activity = now;  // asked to hang up; asked again only after another timeout
      if (auto gateway = live.gateway.lock()) stale.push_back(std::move(gateway));
    }
    lock.unlock();
    for (const auto& gateway : stale) {
      metrics_.CountSession("swept_stale");
      gateway->Post([gateway, seconds = options_.stale_after.count()] {
        gateway->Hangup("no activity for " + std::to_string(seconds) + " s");
      });
    }
    lock.lock();
  }
}

}  // namespace talky
