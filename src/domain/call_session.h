// A live call's session (document 002 "CallSession Model"): who is being called, where the voice
// pipeline is (CallState), what was said, and how long each part of each turn took
// (LatencyMetric). The pipeline owns one per call and changes its state only through Move, which
// refuses a move that the state table does not allow; the session manager stores it without the
// runtime parts (sockets, buffers, providers: those live in the pipeline, not here).
// Plain data: not thread-safe; the call's own thread changes it, others read copies.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/call_state.h"
#include "domain/conversation.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

// Whether the pipeline may go from `from` to `to` (the table in call_session.cpp).
bool CanMove(CallState from, CallState to);

struct LatencyMetric {
  std::string component;  // "stt", "llm", "tts", "total"
  double latency_ms = 0;
  Instant timestamp{};
  int turn_id = 0;
  bool success = true;
  std::optional<std::string> error_message;

  bool operator==(const LatencyMetric&) const = default;
};

struct CallSession {
  // Identity
  CallId call_id;
  CampaignId campaign_id;
  LeadId lead_id;
  TenantId tenant_id;

  // Connection
  std::string vonage_call_uuid;  // the provider's call id
  CallState state = CallState::kConnecting;
  int sample_rate = 16000;  // of the call's audio, as the media connection announced it

  // Conversation
  std::vector<Message> conversation_history;
  std::string current_user_input;   // the caller's turn being heard
  std::string current_ai_response;  // the agent's turn being produced
  int turn_id = 0;
  std::string dtmf_digits;  // keys the caller pressed, in order

  // Streaming
  bool stt_active = false;
  bool llm_active = false;
  bool tts_active = false;
  bool user_speaking = false;
  bool ai_speaking = false;

  // Timing and metrics
  Instant started_at{};
  Instant last_activity_at{};
  long total_user_speech_ms = 0;
  long total_ai_speech_ms = 0;
  std::vector<LatencyMetric> latency_measurements;

  // Configuration (from the campaign)
  std::string system_prompt;
  std::string voice_id;
  std::string language = "en";

  // The conversation engine's place in the script (spec: conversation_state, from GREETING).
  std::string conversation_state = "greeting";
  // Why the session ended in ERROR, or why it is ending.
  std::string end_reason;

  // Moves the state; InvalidArgument (naming both states) when the table does not allow it, and
  // the state stays. Moving to the current state is allowed and changes nothing.
  Expected<void> Move(CallState to);
  void UpdateActivity(Instant now) { last_activity_at = now; }
  void AddLatencyMeasurement(std::string component, double latency_ms, Instant now,
                             bool success = true,
                             std::optional<std::string> error_message = std::nullopt);
  // No activity for longer than timeout (the spec's 300 s default).
  bool IsStale(Instant now, std::chrono::seconds timeout = std::chrono::seconds(300)) const;
  double DurationSeconds(Instant now) const;
  // Next turn: the turn counter moves on and the turn's accumulating text starts empty.
  void IncrementTurn();
  // Mean latency of one component's successful measurements ("" for all); 0 without any.
  double AverageLatency(std::string_view component = "") const;
  bool IsLive() const { return state != CallState::kEnded && state != CallState::kError; }

  bool operator==(const CallSession&) const = default;
};

// The session as stored and as the API shows it (every field above).
nlohmann::json ToJson(const CallSession& session);
// The inverse; InvalidArgument naming the first field that is missing or of the wrong kind.
Expected<CallSession> CallSessionFromJson(const nlohmann::json& json);

}  // namespace talky
