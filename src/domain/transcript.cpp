#include "domain/transcript.h"

#include <fmt/format.h>

#include <string_view>

namespace talky {

std::chrono::milliseconds OffsetInCall(const CallRecord& call, Instant at) {
  const Instant origin = call.answered_at.value_or(call.created_at);
  return std::chrono::round<std::chrono::milliseconds>(at - origin);
}

namespace {

std::string_view Speaker(MessageRole role) {
  switch (role) {
    case MessageRole::kAssistant:
      return "agent";
    case MessageRole::kUser:
      return "callee";
    case MessageRole::kSystem:
      return "system";
  }
  return "?";
}

// "   (stt 80 ms)", the components that took part in the turn; "" when none did.
std::string Latencies(const ConversationTurn& turn) {
  std::vector<std::string> parts;
  const std::pair<const char*, const std::optional<double>&> components[] = {
      {"stt", turn.stt_latency_ms}, {"llm", turn.llm_latency_ms}, {"tts", turn.tts_latency_ms}};
  for (const auto& [name, latency] : components) {
    if (latency) parts.push_back(fmt::format("{} {:.0f} ms", name, *latency));
  }
  return parts.empty() ? "" : fmt::format("   ({})", fmt::join(parts, ", "));
}

}  // namespace

std::string TranscriptLines(const CallRecord& call, const std::vector<ConversationTurn>& turns) {
  std::string lines;
  for (const ConversationTurn& turn : turns) {
    const std::chrono::duration<double> offset = OffsetInCall(call, turn.at);
    lines += fmt::format("  {:>8}  {:<6}  {}{}\n", fmt::format("{:+.2f}s", offset.count()),
                         Speaker(turn.role), turn.text, Latencies(turn));
  }
  return lines;
}

}  // namespace talky
