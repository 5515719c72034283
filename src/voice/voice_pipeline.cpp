#include "voice/voice_pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace talky {
namespace {

constexpr std::chrono::seconds kActivityReportEvery{10};

int FramesIn(std::chrono::milliseconds span) {
  return static_cast<int>(std::max<long>(1, span / kFrameDuration));
}

// A sentence ends at . ! or ? followed by a space (or the end of a finished reply).
std::size_t SentenceEnd(const std::string& text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if ((text[i] == '.' || text[i] == '!' || text[i] == '?') && text[i + 1] == ' ') return i + 1;
  }
  return std::string::npos;
}

std::string Trimmed(std::string text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(' ');
  return text.substr(first, last - first + 1);
}

}  // namespace

// The providers' callbacks, posted to the call's executor; a callback that arrives after the
// pipeline is gone does nothing.
class VoicePipeline::Sinks final {
 public:
  Sinks(std::weak_ptr<VoicePipeline> pipeline, std::shared_ptr<MediaGateway> gateway)
      : recognition(*this),
        completion(*this),
        synthesis(*this),
        pipeline_(std::move(pipeline)),
        gateway_(std::move(gateway)) {}

  template <typename Call>
  void Post(Call call) {
    gateway_->Post([pipeline = pipeline_, call = std::move(call)]() mutable {
      if (auto alive = pipeline.lock()) call(*alive);
    });
  }

  struct Recognition final : RecognitionSink {
    explicit Recognition(Sinks& sinks) : sinks_(sinks) {}
    void OnTranscript(Transcript transcript) override {
      sinks_.Post([transcript = std::move(transcript)](VoicePipeline& p) mutable {
        p.OnTranscript(std::move(transcript));
      });
    }
    void OnError(Error error) override {
      sinks_.Post([error = std::move(error)](VoicePipeline& p) mutable {
        p.OnRecognitionError(std::move(error));
      });
    }
    Sinks& sinks_;
  };

  // Completion and synthesis sinks carry the generation of the turn they serve.
  struct Reply final : CompletionSink {
    explicit Reply(Sinks& sinks) : sinks_(sinks) {}
    void OnText(std::string_view piece) override {
      sinks_.Post([g = generation, piece = std::string(piece)](VoicePipeline& p) mutable {
        p.OnReplyText(g, std::move(piece));
      });
    }
    void OnToolCall(ToolCall call) override {
      sinks_.Post([g = generation, call = std::move(call)](VoicePipeline& p) mutable {
        p.OnReplyToolCall(g, std::move(call));
      });
    }
    void OnUsage(TokenUsage usage) override {
      sinks_.Post([g = generation, usage](VoicePipeline& p) { p.OnReplyUsage(g, usage); });
    }
    void OnDone(Expected<void> result) override {
      sinks_.Post([g = generation, result = std::move(result)](VoicePipeline& p) mutable {
        p.OnReplyDone(g, std::move(result));
      });
    }
    Sinks& sinks_;
    std::uint64_t generation = 0;
  };

  struct Speech final : SynthesisSink {
    explicit Speech(Sinks& sinks) : sinks_(sinks) {}
    void OnAudio(std::span<const std::int16_t> samples) override {
      sinks_.Post([g = generation, samples = Samples(samples.begin(), samples.end())](
                      VoicePipeline& p) mutable { p.OnSpeechAudio(g, std::move(samples)); });
    }
    void OnDone(Expected<void> result) override {
      sinks_.Post([g = generation, result = std::move(result)](VoicePipeline& p) mutable {
        p.OnSpeechDone(g, std::move(result));
      });
    }
    Sinks& sinks_;
    std::uint64_t generation = 0;
  };

  Recognition recognition;
  Reply completion;
  Speech synthesis;

 private:
  std::weak_ptr<VoicePipeline> pipeline_;
  std::shared_ptr<MediaGateway> gateway_;
};

VoicePipeline::VoicePipeline(CallSession session, VoicePipelineConfig config,
                             VoiceProviders providers, std::shared_ptr<MediaGateway> gateway,
                             std::shared_ptr<VoicePipelineObserver> observer, const Clock& clock)
    : session_(std::move(session)),
      config_(std::move(config)),
      providers_(std::move(providers)),
      gateway_(std::move(gateway)),
      observer_(std::move(observer)),
      clock_(clock),
      frame_samples_(SamplesPerFrame(gateway_->sample_rate())) {}

Expected<std::shared_ptr<VoicePipeline>> VoicePipeline::Create(
    CallSession session, VoicePipelineConfig config, VoiceProviders providers,
    std::shared_ptr<MediaGateway> gateway, std::shared_ptr<VoicePipelineObserver> observer,
    const Clock& clock) {
  session.sample_rate = gateway->sample_rate();
  std::shared_ptr<VoicePipeline> pipeline(new VoicePipeline(std::move(session), std::move(config),
                                                            std::move(providers), gateway,
                                                            std::move(observer), clock));
  pipeline->sinks_ = std::make_unique<Sinks>(pipeline, gateway);
  auto recognizer = pipeline->providers_.speech_to_text->Open(gateway->sample_rate(),
                                                              pipeline->sinks_->recognition);
  if (!recognizer) return std::unexpected(recognizer.error());
  pipeline->recognizer_ = std::move(*recognizer);
  auto detector = pipeline->providers_.voice_activity.Open(gateway->sample_rate());
  if (!detector) return std::unexpected(detector.error());
  pipeline->detector_ = std::move(*detector);
  if (pipeline->config_.detect_answering_machine) {
    pipeline->machine_detector_.emplace(gateway->sample_rate());
  }
  return pipeline;
}

VoicePipeline::~VoicePipeline() {
  if (synthesis_) synthesis_->Cancel();
  if (completion_) completion_->Cancel();
}

void VoicePipeline::Start() {
  const Instant now = clock_.Now();
  timeline_origin_ = config_.timeline_origin.value_or(now);
  session_.started_at = now;
  session_.UpdateActivity(now);
  MoveTo(CallState::kActive);
  session_.stt_active = true;
  ExpectReplies();  // the caller may answer the greeting before it ends
  StartModelTurn();
}

void VoicePipeline::MoveTo(CallState state) {
  if (Expected<void> moved = session_.Move(state); !moved) {
    spdlog::error("voice: call {}: {}", session_.call_id.value, moved.error().message);
  }
  Changed();
}

void VoicePipeline::Changed() {
  last_reported_ = session_.last_activity_at;
  observer_->OnSessionChanged(session_);
}

void VoicePipeline::Measure(const char* component, std::chrono::microseconds latency, bool success,
                            std::optional<std::string> error) {
  const double ms = std::chrono::duration<double, std::milli>(latency).count();
  session_.AddLatencyMeasurement(component, ms, clock_.Now(), success, std::move(error));
  observer_->OnLatency(session_.latency_measurements.back());
}

// ---- The caller's side ----

void VoicePipeline::OnAudio(std::span<const std::int16_t> frame) {
  if (ended_) return;
  session_.UpdateActivity(clock_.Now());
  // Audio flowing is activity: tell the observer now and then (keeps the stored session fresh
  // and the session from being swept as stale) without a store write per frame.
  if (session_.last_activity_at - last_reported_ >= kActivityReportEvery) Changed();
  const bool speech = detector_->IsSpeech(frame);
  const TurnTaking& turns = config_.turn_taking;

  if (hangup_after_played_ && ++frames_since_drained_ > FramesIn(gateway_->max_lead()) + 25) {
    return EndCall(goodbye_reason_);  // the far side never confirmed playing it
  }
  if (++frames_heard_ >= FramesIn(config_.max_call_length) && !time_up_ && !opted_out_) {
    time_up_ = true;
    gateway_->ClearPlayback();
    SayLine(config_.time_up_line, true);
    goodbye_reason_ = "call length limit";
    return;
  }
  if (machine_detector_ && machine_detector_->verdict() != AnswerKind::kHuman && !opted_out_ &&
      !time_up_) {
    machine_detector_->OnFrame(frame, speech);
    if (machine_detector_->verdict() == AnswerKind::kMachine) return TendAnsweringMachine();
  }

  if (!caller_speaking_) {
    pre_roll_.emplace_back(frame.begin(), frame.end());
    while (pre_roll_.size() > static_cast<std::size_t>(FramesIn(turns.pre_roll))) {
      pre_roll_.pop_front();
    }
    speech_run_frames_ = speech ? speech_run_frames_ + 1 : 0;
    if (speech_run_frames_ >= FramesIn(turns.speech_start)) {
      BeginCallerSpeech();
    } else if (session_.state == CallState::kListening && !awaiting_transcript_ && !turn_ &&
               !hangup_after_played_ &&
               ++listening_silence_frames_ >= FramesIn(turns.silence_reprompt)) {
      listening_silence_frames_ = 0;
      if (++reprompts_ > turns.max_reprompts) {
        SayLine(config_.goodbye_line, true);
      } else {
        SayLine(config_.reprompt_line, false);
      }
    }
    return;
  }

  recognizer_->Write(frame);
  ++turn_frames_;
  if (speech) {
    ++turn_speech_frames_;
    trailing_silence_frames_ = 0;
    caller_speech_end_ = clock_.Now();
  } else {
    ++trailing_silence_frames_;
  }
  if (caller_over_agent_ && AgentHoldsTheFloor() && !opted_out_ &&  // the goodbye is not cut
      turn_speech_frames_ >= FramesIn(turns.barge_in_min)) {
    BargeIn();
  }
  if (trailing_silence_frames_ >= FramesIn(turns.endpointing_min) ||
      turn_frames_ >= FramesIn(turns.endpointing_max)) {
    EndCallerTurn();
  }
}

bool VoicePipeline::AgentHoldsTheFloor() const { return turn_.has_value(); }

void VoicePipeline::BeginCallerSpeech() {
  caller_speaking_ = true;
  caller_over_agent_ = AgentHoldsTheFloor();
  listening_silence_frames_ = 0;
  turn_frames_ = static_cast<int>(pre_roll_.size());
  turn_speech_frames_ = speech_run_frames_;
  trailing_silence_frames_ = 0;
  caller_speech_end_ = clock_.Now();
  caller_speech_start_ = OnTimeline() - static_cast<long>(pre_roll_.size()) * kFrameDuration;
  for (const Samples& frame : pre_roll_) recognizer_->Write(frame);
  pre_roll_.clear();
  session_.user_speaking = true;
  Changed();
}

void VoicePipeline::EndCallerTurn() {
  caller_speaking_ = false;
  speech_run_frames_ = 0;
  session_.user_speaking = false;
  heard_speech_ = turn_speech_frames_ * kFrameDuration;
  session_.total_user_speech_ms += heard_speech_.count();
  if ((caller_over_agent_ && AgentHoldsTheFloor()) || session_.state == CallState::kEnding) {
    // Too short to interrupt the agent (a cough, "uh-huh"), or said after the goodbye: heard, not
    // answered.
    recognizer_->Finalize();
    awaiting_transcript_ = false;
    ignore_next_transcript_ = true;
    return;
  }
  awaiting_transcript_ = true;
  MoveTo(CallState::kProcessing);
  recognizer_->Finalize();
}

void VoicePipeline::OnTranscript(Transcript transcript) {
  if (!transcript.is_final || ended_ || opted_out_ || machine_) return;
  if (ignore_next_transcript_) {
    ignore_next_transcript_ = false;
    return;
  }
  if (!awaiting_transcript_) return;
  awaiting_transcript_ = false;
  const Instant now = clock_.Now();
  const auto recognized_in =
      std::chrono::duration_cast<std::chrono::microseconds>(now - caller_speech_end_);
  Measure("stt", recognized_in);
  spdlog::debug("voice: call {}: heard '{}' ({}) in {} ms of speech", session_.call_id.value,
                transcript.text, transcript.understood ? "understood" : "not understood",
                heard_speech_.count());
  if (transcript.understood && TooLongFor(transcript.text)) {
    spdlog::debug("voice: call {}: heard '{}' in {} ms of speech: too long for it, not understood",
                  session_.call_id.value, transcript.text, heard_speech_.count());
    transcript.understood = false;
  }
  if (!transcript.understood || transcript.text.empty()) {
    observer_->OnNotUnderstood();
    if (++not_understood_ >= config_.turn_taking.max_not_understood) {
      return SayLine(config_.goodbye_line, true);
    }
    return SayLine(config_.repeat_line, false);
  }
  not_understood_ = 0;
  reprompts_ = 0;
  session_.current_user_input = transcript.text;
  session_.conversation_history.push_back(
      {.role = MessageRole::kUser, .content = transcript.text, .timestamp = now});
  RecordTurn({.role = MessageRole::kUser,
              .text = transcript.text,
              .at = caller_speech_start_,
              .stt_latency_ms = std::chrono::duration<double, std::milli>(recognized_in).count()});
  model_retried_ = false;  // a new question for the model, with its own retry
  StartModelTurn();
}

bool VoicePipeline::TooLongFor(const std::string& phrase) const {
  const long words = std::ranges::count(phrase, ' ') + 1;
  const TurnTaking& turns = config_.turn_taking;
  return heard_speech_ > words * turns.speech_per_word + turns.speech_slack;
}

void VoicePipeline::OnRecognitionError(Error error) {
  spdlog::warn("voice: call {}: speech recognition failed: {}", session_.call_id.value,
               error.message);
  Measure("stt", {}, false, error.message);
  awaiting_transcript_ = false;
  // Without ears the call cannot go on: a polite goodbye, and the verdict failed with the cause.
  Conclude(CallOutcome::kFailed, "speech recognition failed: " + error.message);
  goodbye_reason_ = "speech recognition failed";
  SayLine(config_.trouble_line, true);
}

void VoicePipeline::OnDtmf(char digit, std::chrono::milliseconds) {
  session_.dtmf_digits += digit;
  session_.UpdateActivity(clock_.Now());
  Changed();
  if (ended_ || opted_out_ || !config_.opt_out_key || digit != *config_.opt_out_key) return;
  const bool listed = OptOut("by key press");
  gateway_->ClearPlayback();  // what the agent was saying stops at once
  SayLine(listed ? config_.opt_out_line : config_.opt_out_failed_line, true);
}

bool VoicePipeline::OptOut(const char* how) {
  opted_out_ = true;
  const Expected<void> listed =
      providers_.recorder
          ? providers_.recorder->OptOut(timeline_origin_)
          : Expected<void>(std::unexpected(Error::Internal("nothing records this call")));
  if (!listed) {
    // Not on the list: the callee must not hear that it is. Logged loudly for an operator.
    spdlog::error(
        "voice: call {}: the callee opted out {}, and the number could not be put on the "
        "Do-Not-Call list: {}",
        session_.call_id.value, how, listed.error().Describe());
  }
  goodbye_reason_ = listed ? std::string("opted out ") + how : "opt-out failed";
  return listed.has_value();
}

void VoicePipeline::OnProviderMachineDetection(ProviderMachineDetection detection) {
  if (!machine_detector_ || ended_) return;
  spdlog::info("voice: call {}: the provider's machine detection says {}", session_.call_id.value,
               detection.beep                            ? "beep"
               : detection.verdict == AnswerKind::kHuman ? "human"
                                                         : "machine");
  machine_detector_->Told(detection);
}

void VoicePipeline::TendAnsweringMachine() {
  if (!machine_) {
    machine_ = true;
    spdlog::info("voice: call {}: an answering machine answered", session_.call_id.value);
    Conclude(CallOutcome::kVoicemail);
    // Whatever the agent was saying or about to answer was for no one.
    CancelAgentTurn();
    gateway_->ClearPlayback();
    caller_speaking_ = false;
    awaiting_transcript_ = false;
    session_.user_speaking = false;
    if (!config_.voicemail_message) return EndCall("answering machine");
    MoveTo(CallState::kListening);
  }
  if (voicemail_left_ || ended_) return;
  if (machine_detector_->ready_for_message() ||
      ++frames_waiting_for_beep_ >= FramesIn(config_.max_wait_for_beep)) {
    voicemail_left_ = true;
    SayLine(*config_.voicemail_message, true);
    goodbye_reason_ =
        machine_detector_->beep_heard() ? "voicemail left after the beep" : "voicemail left";
  }
}

void VoicePipeline::Conclude(CallOutcome verdict, std::string_view error) {
  if (!providers_.recorder) return;
  if (Expected<void> kept = providers_.recorder->Conclude(verdict, timeline_origin_, error);
      !kept) {
    spdlog::warn("voice: call {}: its verdict {} could not be recorded: {}", session_.call_id.value,
                 ToString(verdict), kept.error().Describe());
  }
}

void VoicePipeline::RecordTurn(ConversationTurn turn) {
  if (!providers_.recorder) return;
  turn.call_id = session_.call_id;
  turn.turn_index = turns_recorded_++;
  if (Expected<void> kept = providers_.recorder->AppendTurn(turn); !kept) {
    spdlog::warn("voice: call {}: turn {} could not be recorded: {}", session_.call_id.value,
                 turn.turn_index, kept.error().Describe());
  }
}

void VoicePipeline::RecordAgentTurn(const AgentTurn& turn, std::string said) {
  if (said.empty()) return;
  RecordTurn({.role = MessageRole::kAssistant,
              .text = std::move(said),
              .at = turn.first_frame_at.value_or(OnTimeline()),
              .llm_latency_ms = turn.llm_ms,
              .tts_latency_ms = turn.tts_ms,
              .prompt_tokens = turn.usage ? std::optional(turn.usage->prompt_tokens) : std::nullopt,
              .completion_tokens =
                  turn.usage ? std::optional(turn.usage->completion_tokens) : std::nullopt});
}

// ---- The agent's side ----

void VoicePipeline::ExpectReplies() {
  if (providers_.reply_grammar) {
    recognizer_->Expect(providers_.reply_grammar->ExpectedReplies(session_.conversation_history));
  }
}

void VoicePipeline::StartModelTurn() {
  CancelAgentTurn();
  turn_ = AgentTurn{.from_language_model = true,
                    .answers_caller = !session_.conversation_history.empty(),
                    .started_at = clock_.Now()};
  session_.llm_active = true;
  session_.current_ai_response.clear();
  if (providers_.reply_grammar) {
    session_.conversation_state =
        providers_.reply_grammar->ConversationState(session_.conversation_history);
  }
  sinks_->completion.generation = generation_;
  CompletionRequest request{.system_prompt = session_.system_prompt,
                            .history = session_.conversation_history,
                            .temperature = config_.temperature,
                            .max_tokens = config_.max_tokens};
  completion_ = providers_.language_model->Complete(std::move(request), sinks_->completion);
  Changed();
}

void VoicePipeline::SayLine(const std::string& text, bool ends_call, bool then_ask_model_again) {
  CancelAgentTurn();
  turn_ = AgentTurn{.model_done = true,
                    .ends_call = ends_call,
                    .then_ask_model_again = then_ask_model_again,
                    .started_at = clock_.Now()};
  QueueSentence(text);
}

void VoicePipeline::OnReplyText(std::uint64_t generation, std::string piece) {
  if (generation != generation_ || !turn_) return;
  if (session_.current_ai_response.empty()) {
    const auto first_text =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now() - *turn_->started_at);
    Measure("llm", first_text);
    turn_->llm_ms = std::chrono::duration<double, std::milli>(first_text).count();
  }
  session_.current_ai_response += piece;
  turn_->pending_text += piece;
  for (std::size_t end = SentenceEnd(turn_->pending_text); end != std::string::npos;
       end = SentenceEnd(turn_->pending_text)) {
    QueueSentence(Trimmed(turn_->pending_text.substr(0, end)));
    turn_->pending_text.erase(0, end + 1);
  }
}

void VoicePipeline::OnReplyToolCall(std::uint64_t generation, ToolCall call) {
  if (generation != generation_ || !turn_) return;
  if (call.name == "end_call") {
    turn_->ends_call = true;
  } else if (call.name == "goal_achieved") {
    Conclude(CallOutcome::kGoalAchieved);
  } else if (call.name == "goal_not_achieved") {
    Conclude(CallOutcome::kGoalNotAchieved);
  } else if (call.name == "opt_out" && !opted_out_ && !OptOut("by voice")) {
    // The model's confirmation would be a lie: say that it failed instead.
    SayLine(config_.opt_out_failed_line, true);
  } else if (call.name != "opt_out") {
    spdlog::warn("voice: call {}: the language model called an unknown tool '{}'",
                 session_.call_id.value, call.name);
  }
}

void VoicePipeline::OnReplyUsage(std::uint64_t generation, TokenUsage usage) {
  observer_->OnTokenUsage(usage);  // spent whether or not the turn is still wanted
  if (generation != generation_ || !turn_) return;
  turn_->usage = usage;
}

void VoicePipeline::OnReplyDone(std::uint64_t generation, Expected<void> result) {
  if (generation != generation_ || !turn_) return;
  session_.llm_active = false;
  completion_.reset();
  if (!result) {
    spdlog::warn("voice: call {}: the language model failed: {}", session_.call_id.value,
                 result.error().message);
    Measure("llm", {}, false, result.error().message);
    // The caller must not hear silence: a word while the model is asked once more, then, if it
    // fails again, a polite goodbye and the verdict failed, with the model's error.
    if (!model_retried_) {
      model_retried_ = true;
      return SayLine(config_.one_moment_line, false, true);
    }
    Conclude(CallOutcome::kFailed, "the language model failed: " + result.error().message);
    goodbye_reason_ = "language model failed";
    return SayLine(config_.trouble_line, true);
  }
  model_retried_ = false;
  turn_->model_done = true;
  if (std::string rest = Trimmed(turn_->pending_text); !rest.empty()) QueueSentence(rest);
  turn_->pending_text.clear();
  FinishTurnIfDone();
}

void VoicePipeline::QueueSentence(std::string text) {
  if (text.empty()) return;
  turn_->sentences.push_back({.text = std::move(text)});
  SynthesizeNext();
}

void VoicePipeline::SynthesizeNext() {
  if (!turn_ || turn_->synthesizing || turn_->next_to_synthesize >= turn_->sentences.size()) {
    return;
  }
  Sentence& sentence = turn_->sentences[turn_->next_to_synthesize++];
  sentence.first_sample = turn_->samples_produced;
  turn_->synthesizing = true;
  if (!turn_->synthesis_started_at) turn_->synthesis_started_at = clock_.Now();
  session_.tts_active = true;
  sinks_->synthesis.generation = generation_;
  // A turn is one generation: its sentences join into one synthesis where the provider can.
  synthesis_ = providers_.text_to_speech->Synthesize(
      {.text = sentence.text,
       .voice = session_.voice_id,
       .sample_rate = gateway_->sample_rate(),
       .turn_id = session_.call_id.value + "-turn-" + std::to_string(generation_),
       .last_of_turn = turn_->model_done && turn_->next_to_synthesize == turn_->sentences.size()},
      sinks_->synthesis);
}

void VoicePipeline::OnSpeechAudio(std::uint64_t generation, Samples samples) {
  if (generation != generation_ || !turn_) return;
  if (!turn_->first_audio_seen) {
    turn_->first_audio_seen = true;
    const auto first_audio = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_.Now() - *turn_->synthesis_started_at);
    Measure("tts", first_audio);
    turn_->tts_ms = std::chrono::duration<double, std::milli>(first_audio).count();
  }
  const std::size_t limit = static_cast<std::size_t>(config_.max_buffered_audio.count()) *
                            static_cast<std::size_t>(gateway_->sample_rate());
  if (output_.size() + samples.size() > limit) {
    spdlog::warn("voice: call {}: the agent's audio for one turn passed {} s; the rest is cut",
                 session_.call_id.value, config_.max_buffered_audio.count());
    return;
  }
  output_.insert(output_.end(), samples.begin(), samples.end());
  turn_->samples_produced += samples.size();
  if (turn_->samples_sent == 0) gateway_->AudioReady();  // last: it may pull frames at once
}

void VoicePipeline::OnSpeechDone(std::uint64_t generation, Expected<void> result) {
  if (generation != generation_ || !turn_) return;
  synthesis_.reset();
  turn_->synthesizing = false;
  turn_->sentences[turn_->next_to_synthesize - 1].end_sample = turn_->samples_produced;
  if (!result) {
    spdlog::warn("voice: call {}: speech synthesis failed: {}", session_.call_id.value,
                 result.error().message);
    Measure("tts", {}, false, result.error().message);
  }
  SynthesizeNext();
  if (!turn_->synthesizing) session_.tts_active = false;
  FinishTurnIfDone();
}

bool VoicePipeline::NextFrame(Samples& frame) {
  if (ended_ || !turn_ || output_.empty()) return false;
  const bool more_coming = turn_->synthesizing || !turn_->model_done ||
                           turn_->next_to_synthesize < turn_->sentences.size();
  if (output_.size() < frame_samples_ && more_coming) return false;  // wait for a whole frame
  frame.assign(frame_samples_, 0);
  const std::size_t take = std::min(frame_samples_, output_.size());
  std::copy_n(output_.begin(), take, frame.begin());
  output_.erase(output_.begin(), output_.begin() + static_cast<std::ptrdiff_t>(take));
  if (turn_->samples_sent == 0) {
    turn_->first_frame_at = OnTimeline();
    if (turn_->answers_caller) {
      Measure("total", std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now() -
                                                                             caller_speech_end_));
    }
    session_.ai_speaking = true;
    MoveTo(CallState::kSpeaking);
  }
  turn_->samples_sent += frame_samples_;
  session_.total_ai_speech_ms += kFrameDuration.count();
  FinishTurnIfDone();
  return true;
}

void VoicePipeline::FinishTurnIfDone() {
  if (!turn_ || !turn_->model_done || turn_->synthesizing ||
      turn_->next_to_synthesize < turn_->sentences.size() || !output_.empty()) {
    return;
  }
  AgentTurn done = std::move(*turn_);
  turn_.reset();
  session_.ai_speaking = false;
  session_.tts_active = false;
  std::string said;
  for (const Sentence& sentence : done.sentences) said += (said.empty() ? "" : " ") + sentence.text;
  if (done.from_language_model && !said.empty()) {
    session_.conversation_history.push_back(
        {.role = MessageRole::kAssistant, .content = said, .timestamp = clock_.Now()});
  }
  RecordAgentTurn(done, std::move(said));
  session_.IncrementTurn();
  gateway_->NotifyWhenPlayed(++played_marker_);
  listening_silence_frames_ = 0;
  if (done.ends_call) {
    hangup_after_played_ = true;
    frames_since_drained_ = 0;
    MoveTo(CallState::kEnding);
    return;
  }
  if (done.then_ask_model_again) return StartModelTurn();
  ExpectReplies();
  MoveTo(CallState::kListening);
}

void VoicePipeline::OnPlayed(int marker) {
  if (hangup_after_played_ && marker == played_marker_) EndCall(goodbye_reason_);
}

void VoicePipeline::OnPlaybackCleared() {}

void VoicePipeline::BargeIn() {
  observer_->OnBargeIn();
  const std::size_t lead_samples = SamplesPerFrame(gateway_->sample_rate()) *
                                   static_cast<std::size_t>(FramesIn(gateway_->max_lead()));
  const std::size_t played =
      turn_->samples_sent > lead_samples ? turn_->samples_sent - lead_samples : 0;
  const std::string said = PlayedText(played);
  const bool from_model = turn_->from_language_model;
  RecordAgentTurn(*turn_, said);
  CancelAgentTurn();
  gateway_->ClearPlayback();
  if (from_model && !said.empty()) {
    session_.conversation_history.push_back(
        {.role = MessageRole::kAssistant, .content = said, .timestamp = clock_.Now()});
  }
  session_.IncrementTurn();
  caller_over_agent_ = false;
  ExpectReplies();
  MoveTo(CallState::kListening);
}

std::string VoicePipeline::PlayedText(std::size_t played_samples) const {
  std::string said;
  for (const Sentence& sentence : turn_->sentences) {
    if (played_samples <= sentence.first_sample) break;
    std::string part = sentence.text;
    const std::size_t end = sentence.end_sample.value_or(turn_->samples_produced);
    if (played_samples < end && end > sentence.first_sample) {
      // Cut the sentence at the word reached, in proportion to its audio played.
      std::istringstream words(sentence.text);
      std::vector<std::string> list;
      for (std::string word; words >> word;) list.push_back(word);
      const std::size_t reached =
          list.size() * (played_samples - sentence.first_sample) / (end - sentence.first_sample);
      part.clear();
      for (std::size_t i = 0; i < reached; ++i) part += (i ? " " : "") + list[i];
      if (!part.empty()) part += "...";
    }
    if (!part.empty()) said += (said.empty() ? "" : " ") + part;
  }
  return said;
}

void VoicePipeline::CancelAgentTurn() {
  ++generation_;
  if (synthesis_) synthesis_->Cancel();
  if (completion_) completion_->Cancel();
  synthesis_.reset();
  completion_.reset();
  output_.clear();
  turn_.reset();
  hangup_after_played_ = false;
  session_.llm_active = false;
  session_.tts_active = false;
  session_.ai_speaking = false;
}

void VoicePipeline::EndCall(const std::string& reason) {
  if (ended_) return;
  CancelAgentTurn();
  session_.end_reason = reason;
  if (session_.state != CallState::kEnding) MoveTo(CallState::kEnding);
  gateway_->Hangup(reason);
}

void VoicePipeline::OnClosed(std::string reason) {
  if (ended_) return;
  CancelAgentTurn();
  ended_ = true;
  if (session_.end_reason.empty()) session_.end_reason = reason;
  session_.stt_active = false;
  session_.user_speaking = false;
  if (session_.state != CallState::kEnding) MoveTo(CallState::kEnding);
  MoveTo(CallState::kEnded);
}

}  // namespace talky
