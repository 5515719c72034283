// What the store keeps about calls: one CallRecord per originated call, every provider event as
// received (CallEvent, for audit and for idempotency), and the conversation's turns. Plain data.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/call_outcome.h"
#include "domain/call_status.h"
#include "domain/conversation.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

struct CallRecord {
  CallId id;
  TenantId tenant_id;
  CampaignId campaign_id;
  LeadId lead_id;
  JobId job_id;
  std::string provider_call_id;          // the telephony provider's id (Vonage's call UUID)
  std::string to_number;                 // E.164
  std::optional<std::string> caller_id;  // E.164
  CallStatus status = CallStatus::kStarted;
  std::optional<CallOutcome> outcome;
  Instant created_at{};
  std::optional<Instant> answered_at;
  std::optional<Instant> ended_at;
  std::optional<int> duration_seconds;
  // The queue lease the originating worker holds on the job (Lease::token, which stays the same
  // across extensions): whoever receives the call's final event (a webhook in another process)
  // finishes or reschedules the job with it. Empty for calls recorded before migration 2.
  std::string lease_token;

  bool operator==(const CallRecord&) const = default;
};

// One provider event. (provider_call_id, status) identifies it: a repeat of the same pair is a
// duplicate and changes nothing. Providers report it through their CallEventSink
// (src/telephony/telephony_provider.h); the store keeps it.
struct CallEvent {
  CallId
      call_id;  // ours; empty when the provider did not say (the store resolves it by provider id)
  std::string provider_call_id;
  CallStatus status = CallStatus::kStarted;
  std::optional<CallOutcome> outcome;
  Instant occurred_at{};
  nlohmann::json payload;  // the event as received (status, detail, ...)

  bool operator==(const CallEvent&) const = default;
};

// One turn of a call's conversation, with how long each voice component took for it.
struct ConversationTurn {
  CallId call_id;
  int turn_index = 0;  // 0-based, unique per call
  MessageRole role = MessageRole::kUser;
  std::string text;
  Instant at{};
  std::optional<double> stt_latency_ms;
  std::optional<double> llm_latency_ms;
  std::optional<double> tts_latency_ms;
  // An agent turn a cloud language model answered: what its server counted.
  std::optional<int> prompt_tokens;
  std::optional<int> completion_tokens;

  bool operator==(const ConversationTurn&) const = default;
};

}  // namespace talky
