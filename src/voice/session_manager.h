// The live call sessions of this process (spec: session_manager): a media connection that names a
// call gets the call's voice pipeline, started; every change of a session is written to the
// CallSessionStore, without the runtime parts, so that any `talky serve` can show a live call's
// session; a session without activity for stale_after (the spec's 300 s) is hung up and removed.
//
// Threads: Accept is called from connection executors, Get from any thread; the pipelines run
// on their connections' executors. The manager must outlive every connection it accepted.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "domain/call_session.h"
#include "domain/clock.h"
#include "voice/call_session_store.h"
#include "voice/media_gateway.h"
#include "voice/voice_metrics.h"
#include "voice/voice_pipeline.h"

namespace talky {

// What the manager needs to know of an answered call: its session (identity and the campaign's
// configuration), the providers for it, what keeps its record and, when its campaign records
// calls, what keeps the recording. NotFound for an unknown call or one already over.
struct AnsweredCall {
  CallSession session;
  VoicePipelineConfig config;
  // The campaign's cloud ears and voice; null: the process's offline ones. A cloud voice speaks
  // with the offline one behind it (text_to_speech_with_fallback.h).
  std::shared_ptr<SpeechToText> speech_to_text;
  std::shared_ptr<TextToSpeech> text_to_speech;
  std::shared_ptr<LanguageModel> language_model;
  std::shared_ptr<const ReplyGrammar> reply_grammar;
  std::shared_ptr<ConversationRecorder> recorder;
  std::function<void(std::string wav)> keep_recording;  // empty: the call is not recorded
};
using AnsweredCallLookup = std::function<Expected<AnsweredCall>(const CallId&)>;

struct SessionManagerOptions {
  std::chrono::seconds stale_after{300};
  std::chrono::milliseconds sweep_every{10'000};
};

class SessionManager final : public MediaCallAcceptor {
 public:
  SessionManager(AnsweredCallLookup lookup, SpeechToText& speech_to_text,
                 TextToSpeech& text_to_speech, VoiceActivityDetection& voice_activity,
                 CallSessionStore& store, VoiceMetrics& metrics, const Clock& clock,
                 SessionManagerOptions options = {});
  ~SessionManager() override;

  Expected<std::shared_ptr<MediaListener>> Accept(const CallId& call,
                                                  std::shared_ptr<MediaGateway> gateway) override;
  std::size_t LiveCount() const;
  // The provider's machine detection for a call: passed to its pipeline on the call's executor
  // when the call is live in this process. False when it is not (the media socket went to another
  // process, or the call is over): the pipeline then goes by its own detection from the audio.
  bool OnProviderMachineDetection(const CallId& call, ProviderMachineDetection detection);

 private:
  class Observer;
  // Weak: a call's connection owns its pipeline; the manager only finds them.
  struct Live {
    std::weak_ptr<MediaGateway> gateway;
    std::weak_ptr<VoicePipeline> pipeline;
    Instant last_activity{};
  };

  // The call's voice: its campaign's cloud voice with ours behind it, or ours.
  std::shared_ptr<TextToSpeech> VoiceOf(const AnsweredCall& call);
  void Saved(const CallSession& session);
  void Sweep();

  AnsweredCallLookup lookup_;
  SpeechToText& speech_to_text_;
  TextToSpeech& text_to_speech_;
  VoiceActivityDetection& voice_activity_;
  CallSessionStore& store_;
  VoiceMetrics& metrics_;
  const Clock& clock_;
  const SessionManagerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::map<CallId, Live> live_;
  std::thread sweeper_;  // last: started after, and joined before, the members above go
};

}  // namespace talky
