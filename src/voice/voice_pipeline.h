// One answered call's voice loop (document 002 "Voice Pipeline Service"): the caller's audio ->
// voice activity and speech recognition -> end of the caller's turn -> language model -> text cut
// at sentence ends, each sentence to speech while the rest streams -> the agent's audio, pulled
// frame by frame by the media gateway at real time. Turn taking lives here: when the caller
// starts and stops (endpointing), barge-in (caller speech over the agent cancels synthesis and
// the language model and clears the far side's queued audio; the agent's turn is kept as what was
// played), "sorry, could you repeat that" for speech that matches nothing expected, re-prompts on
// silence, and the goodbye that hangs up.
//
// The CallSession here is the call's one live copy; every change of state, turn or text reaches
// the observer (which stores it and feeds the metrics), and ongoing audio does every 10 s. Time on
// the media side is counted in frames received, so turn taking is exact and testable (and audio
// may flow faster than real time); latencies are measured on the clock given.
//
// Threads: everything runs on the gateway's executor: MediaListener calls arrive there, and
// provider callbacks are posted there. Create and Start from that executor too.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/call_session.h"
#include "domain/clock.h"
#include "voice/answering_machine_detector.h"
#include "voice/conversation_recorder.h"
#include "voice/language_model.h"
#include "voice/media_gateway.h"
#include "voice/reply_grammar.h"
#include "voice/speech_to_text.h"
#include "voice/text_to_speech.h"
#include "voice/turn_taking.h"
#include "voice/voice_activity_detector.h"

namespace talky {

struct VoicePipelineConfig {
  TurnTaking turn_taking;
  double temperature = 0.6;  // the spec's defaults for the language model
  int max_tokens = 100;
  std::string repeat_line = "Sorry, could you repeat that?";
  std::string reprompt_line = "Are you still there?";
  std::string goodbye_line = "It seems this is not a good time. Goodbye.";
  // When the language model fails: said while it is asked again, and, if it fails again, the
  // goodbye (the call's verdict is then failed).
  std::string one_moment_line = "Sorry, one moment.";
  std::string trouble_line =
      "Sorry, we are having trouble on our side. We will call you another time. Goodbye.";
  // The key that opts the callee out at any time (TCPA: an automated opt-out by key press; per
  // campaign, voice_settings.h); none: digits are only recorded. The recorder's OptOut puts the
  // number on the tenant's Do-Not-Call list.
  std::optional<char> opt_out_key = '9';
  std::string opt_out_line = "You will not be called again. Goodbye.";
  std::string opt_out_failed_line = "Sorry, we could not take your request now. Goodbye.";
  // A bound on the agent's audio buffered for one turn (a runaway synthesis is cut, logged).
  std::chrono::seconds max_buffered_audio{60};
  // The longest a call may last (as Vonage's length_timer), counted in audio heard: then the agent
  // says time_up_line, whatever it was saying, and hangs up.
  std::chrono::seconds max_call_length{600};
  std::string time_up_line = "We are out of time for today. Thank you for your time. Goodbye.";
  // Answering machines (answering_machine_detector.h), told from the far side's first words: the
  // call's verdict is voicemail, the agent stops, and hangs up, or with a message waits for the
  // beep (or the greeting's end; at most max_wait_for_beep) and leaves it.
  bool detect_answering_machine = true;
  std::optional<std::string> voicemail_message;
  std::chrono::seconds max_wait_for_beep{30};
  // Where the call's timeline starts (its answer, on the clock of the call's record): turns are
  // stamped this plus the media time heard (frames received), so a transcript's offsets are the
  // call's own whatever clock latencies are measured on (talky run's calendar runs faster than
  // its audio). None: the clock's now at Start.
  std::optional<Instant> timeline_origin;
};

// The call's providers. The process-wide ones are borrowed (Borrow) and must outlive the pipeline;
// the cloud ones, the language model and the grammar may be per call.
struct VoiceProviders {
  std::shared_ptr<SpeechToText> speech_to_text;
  std::shared_ptr<TextToSpeech> text_to_speech;
  VoiceActivityDetection& voice_activity;
  std::shared_ptr<LanguageModel> language_model;
  std::shared_ptr<const ReplyGrammar> reply_grammar;  // may be null: no expectations
  std::shared_ptr<ConversationRecorder> recorder;     // may be null: nothing kept, no opt-out
};

// A provider that outlives the pipeline (a process-wide one), held as VoiceProviders holds them.
template <typename Provider>
std::shared_ptr<Provider> Borrow(Provider& provider) {
  return std::shared_ptr<Provider>(std::shared_ptr<void>(), &provider);
}

class VoicePipelineObserver {
 public:
  virtual ~VoicePipelineObserver() = default;
  virtual void OnSessionChanged(const CallSession& session) = 0;
  virtual void OnLatency(const LatencyMetric& metric) = 0;
  virtual void OnBargeIn() = 0;
  virtual void OnNotUnderstood() = 0;
  // What a cloud language model's server counted for one of the call's completions.
  virtual void OnTokenUsage(const TokenUsage& usage) = 0;
};

class VoicePipeline final : public MediaListener,
                            public std::enable_shared_from_this<VoicePipeline> {
 public:
  // `session` carries the call's identity and configuration, in state connecting. Fails when a
  // provider cannot open a recognizer or detector for the gateway's sample rate.
  static Expected<std::shared_ptr<VoicePipeline>> Create(
      CallSession session, VoicePipelineConfig config, VoiceProviders providers,
      std::shared_ptr<MediaGateway> gateway, std::shared_ptr<VoicePipelineObserver> observer,
      const Clock& clock);
  ~VoicePipeline() override;

  // The call is connected: the agent greets.
  void Start();
  const CallSession& session() const { return session_; }

  void OnAudio(std::span<const std::int16_t> frame) override;
  void OnDtmf(char digit, std::chrono::milliseconds duration) override;
  void OnPlayed(int marker) override;
  void OnPlaybackCleared() override;
  bool NextFrame(Samples& frame) override;
  void OnClosed(std::string reason) override;
  // The telephony provider's machine detection for this call (Vonage's events reach the webhook,
  // not the media socket): acted on from the next frame heard. Ignored when the campaign does not
  // detect machines.
  void OnProviderMachineDetection(ProviderMachineDetection detection);

  // Provider results, posted to the executor by the sinks (tagged with the turn they belong to,
  // so a result of a cancelled turn is dropped).
  void OnTranscript(Transcript transcript);
  void OnRecognitionError(Error error);
  void OnReplyText(std::uint64_t generation, std::string piece);
  void OnReplyToolCall(std::uint64_t generation, ToolCall call);
  void OnReplyUsage(std::uint64_t generation, TokenUsage usage);
  void OnReplyDone(std::uint64_t generation, Expected<void> result);
  void OnSpeechAudio(std::uint64_t generation, Samples samples);
  void OnSpeechDone(std::uint64_t generation, Expected<void> result);

  class Sinks;  // the provider sinks (voice_pipeline.cpp)

 private:
  // One sentence of the agent's turn and where its audio lies in the turn's output.
  struct Sentence {
    std::string text;
    std::size_t first_sample = 0;
    std::optional<std::size_t> end_sample;  // set when its synthesis is done
  };
  // The agent's turn in progress.
  struct AgentTurn {
    bool from_language_model = false;  // false: a fixed line (repeat, re-prompt, goodbye)
    bool answers_caller = false;       // the total latency is measured from the caller's speech
    std::string pending_text;          // model text not yet cut into a sentence
    std::vector<Sentence> sentences;
    std::size_t next_to_synthesize = 0;
    bool model_done = false;
    bool synthesizing = false;
    bool ends_call = false;
    bool then_ask_model_again = false;  // "one moment" after a failed model turn
    std::size_t samples_produced = 0;
    std::size_t samples_sent = 0;
    std::optional<Instant> started_at;  // of the model call or the fixed line
    std::optional<Instant> synthesis_started_at;
    bool first_audio_seen = false;
    std::optional<Instant> first_frame_at;  // on the call's timeline
    std::optional<double> llm_ms;           // to the model's first text
    std::optional<double> tts_ms;           // to the first audio
    std::optional<TokenUsage> usage;        // a cloud model's count for this turn
  };

  VoicePipeline(CallSession session, VoicePipelineConfig config, VoiceProviders providers,
                std::shared_ptr<MediaGateway> gateway,
                std::shared_ptr<VoicePipelineObserver> observer, const Clock& clock);

  // Now on the call's timeline: its origin plus the media time heard.
  Instant OnTimeline() const { return timeline_origin_ + frames_heard_ * kFrameDuration; }
  void MoveTo(CallState state);
  void Changed();
  void Measure(const char* component, std::chrono::microseconds latency, bool success = true,
               std::optional<std::string> error = std::nullopt);

  void BeginCallerSpeech();
  void EndCallerTurn();
  void BargeIn();
  bool AgentHoldsTheFloor() const;
  bool TooLongFor(const std::string& phrase) const;

  void StartModelTurn();
  void SayLine(const std::string& text, bool ends_call, bool then_ask_model_again = false);
  void QueueSentence(std::string text);
  void SynthesizeNext();
  void FinishTurnIfDone();
  void CancelAgentTurn();
  std::string PlayedText(std::size_t played_samples) const;
  void EndCall(const std::string& reason);
  void ExpectReplies();
  // The callee asked not to be called again: the number goes on the Do-Not-Call list. Whether it
  // did.
  bool OptOut(const char* how);
  void Conclude(CallOutcome verdict, std::string_view error = {});
  void RecordTurn(ConversationTurn turn);
  // The far side is an answering machine: called for each caller frame from the verdict on.
  void TendAnsweringMachine();
  void RecordAgentTurn(const AgentTurn& turn, std::string said);

  CallSession session_;
  const VoicePipelineConfig config_;
  VoiceProviders providers_;
  std::shared_ptr<MediaGateway> gateway_;
  std::shared_ptr<VoicePipelineObserver> observer_;
  const Clock& clock_;
  const std::size_t frame_samples_;

  std::unique_ptr<Sinks> sinks_;
  std::unique_ptr<SpeechRecognizer> recognizer_;
  std::unique_ptr<VoiceActivityDetector> detector_;
  std::optional<AnsweringMachineDetector> machine_detector_;
  std::unique_ptr<Completion> completion_;
  std::unique_ptr<Synthesis> synthesis_;

  // Caller side, counted in frames received.
  std::deque<Samples> pre_roll_;
  bool caller_speaking_ = false;
  int speech_run_frames_ = 0;   // consecutive speech frames before the turn starts
  int turn_speech_frames_ = 0;  // speech frames in the caller's current turn
  int turn_frames_ = 0;
  int trailing_silence_frames_ = 0;
  int listening_silence_frames_ = 0;
  bool awaiting_transcript_ = false;
  bool ignore_next_transcript_ = false;  // of speech too short to interrupt the agent
  bool caller_over_agent_ = false;       // the caller's turn began while the agent held the floor
  Instant caller_speech_start_{};        // on the call's timeline
  Instant caller_speech_end_{};
  long frames_heard_ = 0;  // the call's length, for max_call_length
  Instant timeline_origin_{};
  bool time_up_ = false;
  std::chrono::milliseconds heard_speech_{0};  // speech in the caller's last turn
  int reprompts_ = 0;
  int not_understood_ = 0;

  // Agent side.
  std::uint64_t generation_ = 0;  // bumped when the agent's turn is cancelled or replaced
  std::optional<AgentTurn> turn_;
  std::deque<std::int16_t> output_;
  int played_marker_ = 0;
  bool hangup_after_played_ = false;
  int frames_since_drained_ = 0;
  bool ended_ = false;
  bool opted_out_ = false;
  int turns_recorded_ = 0;
  bool machine_ = false;        // the far side is an answering machine
  bool model_retried_ = false;  // the current model turn is a retry after a failure
  bool voicemail_left_ = false;
  int frames_waiting_for_beep_ = 0;
  std::string goodbye_reason_ = "goodbye said";  // the session's end reason once it has played
  Instant last_reported_{};  // session_.last_activity_at when the observer last heard of it
};

}  // namespace talky
