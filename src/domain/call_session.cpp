#include "domain/call_session.h"

#include <algorithm>
#include <array>
#include <utility>

#include "domain/json_fields.h"

namespace talky {
namespace {

using enum CallState;

// Every move the pipeline makes (ARCHITECTURE: one place decides). Listening, processing and
// speaking follow one another in any order within a call (barge-in goes from speaking straight
// back to listening); any live state may end or fail.
constexpr std::array<std::pair<CallState, CallState>, 20> kMoves{{
    {kConnecting, kActive},    {kActive, kListening},   {kActive, kSpeaking},
    {kListening, kProcessing}, {kListening, kSpeaking}, {kProcessing, kSpeaking},
    {kProcessing, kListening}, {kSpeaking, kListening}, {kSpeaking, kProcessing},
    {kConnecting, kEnding},    {kActive, kEnding},      {kListening, kEnding},
    {kProcessing, kEnding},    {kSpeaking, kEnding},    {kEnding, kEnded},
    {kConnecting, kError},     {kActive, kError},       {kListening, kError},
    {kProcessing, kError},     {kSpeaking, kError},
}};

nlohmann::json ToJson(const LatencyMetric& metric) {
  nlohmann::json json = {{"component", metric.component},
                         {"latency_ms", metric.latency_ms},
                         {"timestamp", FormatIso8601(metric.timestamp)},
                         {"turn_id", metric.turn_id},
                         {"success", metric.success}};
  json["error_message"] = metric.error_message ? nlohmann::json(*metric.error_message) : nullptr;
  return json;
}

nlohmann::json ToJson(const Message& message) {
  nlohmann::json json = {{"role", ToString(message.role)},
                         {"content", message.content},
                         {"timestamp", FormatIso8601(message.timestamp)}};
  json["audio_url"] = message.audio_url ? nlohmann::json(*message.audio_url) : nullptr;
  return json;
}

// Reads an array of objects under `key`, each through `read`, collecting errors as "key[i].field".
template <typename T, typename Read>
std::vector<T> ReadArray(JsonFields& fields, const std::string& key, Read read) {
  std::vector<T> items;
  const nlohmann::json* array = fields.OptionalValue(key);
  if (array == nullptr) return items;
  if (!array->is_array()) {
    fields.AddError(key, "must be an array");
    return items;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    JsonFields item((*array)[i], key + "[" + std::to_string(i) + "]");
    T value = read(item);
    for (FieldError& error : item.errors()) fields.errors().push_back(std::move(error));
    items.push_back(std::move(value));
  }
  return items;
}

}  // namespace

bool CanMove(CallState from, CallState to) {
  return std::ranges::find(kMoves, std::pair{from, to}) != kMoves.end();
}

Expected<void> CallSession::Move(CallState to) {
  if (to == state) return {};
  if (!CanMove(state, to)) {
    return std::unexpected(Error::InvalidArgument("a call session cannot move from " +
                                                  std::string(ToString(state)) + " to " +
                                                  std::string(ToString(to))));
  }
  state = to;
  return {};
}

void CallSession::AddLatencyMeasurement(std::string component, double latency_ms, Instant now,
                                        bool success, std::optional<std::string> error_message) {
  latency_measurements.push_back({.component = std::move(component),
                                  .latency_ms = latency_ms,
                                  .timestamp = now,
                                  .turn_id = turn_id,
                                  .success = success,
                                  .error_message = std::move(error_message)});
}

bool CallSession::IsStale(Instant now, std::chrono::seconds timeout) const {
  return now - last_activity_at > timeout;
}

double CallSession::DurationSeconds(Instant now) const {
  return std::chrono::duration<double>(now - started_at).count();
}

void CallSession::IncrementTurn() {
  ++turn_id;
  current_user_input.clear();
  current_ai_response.clear();
}

double CallSession::AverageLatency(std::string_view component) const {
  double sum = 0;
  int count = 0;
  for (const LatencyMetric& metric : latency_measurements) {
    if (!metric.success || (!component.empty() && metric.component != component)) continue;
    sum += metric.latency_ms;
    ++count;
  }
  return count == 0 ? 0 : sum / count;
}

nlohmann::json ToJson(const CallSession& session) {
  nlohmann::json history = nlohmann::json::array();
  for (const Message& message : session.conversation_history) history.push_back(ToJson(message));
  nlohmann::json latencies = nlohmann::json::array();
  for (const LatencyMetric& metric : session.latency_measurements) {
    latencies.push_back(ToJson(metric));
  }
  return {{"call_id", session.call_id.value},
          {"campaign_id", session.campaign_id.value},
          {"lead_id", session.lead_id.value},
          {"tenant_id", session.tenant_id.value},
          {"vonage_call_uuid", session.vonage_call_uuid},
          {"state", ToString(session.state)},
          {"sample_rate", session.sample_rate},
          {"conversation_history", std::move(history)},
          {"current_user_input", session.current_user_input},
          {"current_ai_response", session.current_ai_response},
          {"turn_id", session.turn_id},
          {"dtmf_digits", session.dtmf_digits},
          {"stt_active", session.stt_active},
          {"llm_active", session.llm_active},
          {"tts_active", session.tts_active},
          {"user_speaking", session.user_speaking},
          {"ai_speaking", session.ai_speaking},
          {"started_at", FormatIso8601(session.started_at)},
          {"last_activity_at", FormatIso8601(session.last_activity_at)},
          {"total_user_speech_ms", session.total_user_speech_ms},
          {"total_ai_speech_ms", session.total_ai_speech_ms},
          {"latency_measurements", std::move(latencies)},
          {"system_prompt", session.system_prompt},
          {"voice_id", session.voice_id},
          {"language", session.language},
          {"conversation_state", session.conversation_state},
          {"end_reason", session.end_reason}};
}

Expected<CallSession> CallSessionFromJson(const nlohmann::json& json) {
  JsonFields fields(json);
  CallSession session;
  session.call_id = CallId{fields.RequiredNonEmptyString("call_id").value_or("")};
  session.campaign_id = CampaignId{fields.RequiredString("campaign_id").value_or("")};
  session.lead_id = LeadId{fields.RequiredString("lead_id").value_or("")};
  session.tenant_id = TenantId{fields.RequiredString("tenant_id").value_or("")};
  session.vonage_call_uuid = fields.RequiredString("vonage_call_uuid").value_or("");
  if (auto state = fields.RequiredString("state")) {
    if (auto parsed = ParseCallState(*state)) {
      session.state = *parsed;
    } else {
      fields.AddError("state", "unknown call state '" + *state + "'");
    }
  }
  session.sample_rate = static_cast<int>(fields.RequiredInt("sample_rate").value_or(0));
  session.conversation_history =
      ReadArray<Message>(fields, "conversation_history", [](JsonFields& item) {
        Message message;
        if (auto role = item.RequiredString("role")) {
          if (auto parsed = ParseMessageRole(*role)) {
            message.role = *parsed;
          } else {
            item.AddError("role", "unknown role '" + *role + "'");
          }
        }
        message.content = item.RequiredString("content").value_or("");
        message.timestamp = item.RequiredInstant("timestamp").value_or(Instant{});
        message.audio_url = item.OptionalString("audio_url");
        return message;
      });
  session.current_user_input = fields.RequiredString("current_user_input").value_or("");
  session.current_ai_response = fields.RequiredString("current_ai_response").value_or("");
  session.turn_id = static_cast<int>(fields.RequiredInt("turn_id").value_or(0));
  session.dtmf_digits = fields.RequiredString("dtmf_digits").value_or("");
  session.stt_active = fields.OptionalBool("stt_active").value_or(false);
  session.llm_active = fields.OptionalBool("llm_active").value_or(false);
  session.tts_active = fields.OptionalBool("tts_active").value_or(false);
  session.user_speaking = fields.OptionalBool("user_speaking").value_or(false);
  session.ai_speaking = fields.OptionalBool("ai_speaking").value_or(false);
  session.started_at = fields.RequiredInstant("started_at").value_or(Instant{});
  session.last_activity_at = fields.RequiredInstant("last_activity_at").value_or(Instant{});
  session.total_user_speech_ms = fields.RequiredInt("total_user_speech_ms").value_or(0);
  session.total_ai_speech_ms = fields.RequiredInt("total_ai_speech_ms").value_or(0);
  session.latency_measurements =
      ReadArray<LatencyMetric>(fields, "latency_measurements", [](JsonFields& item) {
        LatencyMetric metric;
        metric.component = item.RequiredString("component").value_or("");
        if (const nlohmann::json* latency = item.OptionalValue("latency_ms");
            latency != nullptr && latency->is_number()) {
          metric.latency_ms = latency->get<double>();
        } else {
          item.AddError("latency_ms", "must be a number");
        }
        metric.timestamp = item.RequiredInstant("timestamp").value_or(Instant{});
        metric.turn_id = static_cast<int>(item.RequiredInt("turn_id").value_or(0));
        metric.success = item.OptionalBool("success").value_or(true);
        metric.error_message = item.OptionalString("error_message");
        return metric;
      });
  session.system_prompt = fields.RequiredString("system_prompt").value_or("");
  session.voice_id = fields.RequiredString("voice_id").value_or("");
  session.language = fields.RequiredString("language").value_or("");
  session.conversation_state = fields.RequiredString("conversation_state").value_or("");
  session.end_reason = fields.OptionalString("end_reason").value_or("");
  fields.RejectUnknownKeys();
  return ValueOrFieldErrors(std::move(session), std::move(fields.errors()), "call session");
}

}  // namespace talky
