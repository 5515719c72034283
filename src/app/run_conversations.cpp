#include "app/run_conversations.h"

#include <fmt/format.h>

#include <algorithm>

#include "domain/transcript.h"

namespace talky {
namespace {

// The sample outcomes, in the report's order.
constexpr CallOutcome kSampled[] = {CallOutcome::kGoalAchieved, CallOutcome::kGoalNotAchieved,
                                    CallOutcome::kDoNotCall, CallOutcome::kVoicemail};

double Percentile(std::vector<double> values, double share) {
  if (values.empty()) return 0;
  std::ranges::sort(values);
  const auto index = static_cast<std::size_t>(share * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

void Add(RunConversations& into, const CallRecord& call, std::vector<ConversationTurn> turns) {
  if (call.outcome == CallOutcome::kDoNotCall) ++into.opt_outs;
  if (call.outcome == CallOutcome::kVoicemail && call.answered_at) ++into.voicemails;
  if (turns.empty()) return;
  ++into.conversations;
  into.turns += static_cast<int64_t>(turns.size());
  for (const ConversationTurn& turn : turns) {
    if (turn.stt_latency_ms) into.latencies_ms["stt"].push_back(*turn.stt_latency_ms);
    if (turn.llm_latency_ms) into.latencies_ms["llm"].push_back(*turn.llm_latency_ms);
    if (turn.tts_latency_ms) into.latencies_ms["tts"].push_back(*turn.tts_latency_ms);
  }
  const bool sampled = std::ranges::any_of(into.samples, [&call](const ConversationSample& s) {
    return s.call.outcome == call.outcome;
  });
  if (!sampled && std::ranges::find(kSampled, call.outcome) != std::end(kSampled)) {
    into.samples.push_back({.call = call, .turns = std::move(turns)});
  }
}

}  // namespace

Expected<RunConversations> GatherConversations(
    Store& store, const std::vector<std::pair<TenantId, CampaignId>>& campaigns) {
  RunConversations gathered;
  for (const auto& [tenant, campaign] : campaigns) {
    PageRequest page{.limit = kMaxPageSize};
    while (true) {
      Expected<Page<CallRecord>> calls = store.ListCalls(tenant, {.campaign = campaign}, page);
      if (!calls) return std::unexpected(calls.error());
      for (const CallRecord& call : calls->items) {
        if (!call.answered_at) continue;
        Expected<std::vector<ConversationTurn>> turns =
            store.ListConversationTurns(tenant, call.id);
        if (!turns) return std::unexpected(turns.error());
        Add(gathered, call, std::move(*turns));
      }
      if (!calls->next) break;
      page.after = *calls->next;
    }
  }
  std::ranges::sort(gathered.samples, [](const ConversationSample& a, const ConversationSample& b) {
    const auto rank = [](const ConversationSample& s) {
      return std::ranges::find(kSampled, s.call.outcome) - std::begin(kSampled);
    };
    return rank(a) < rank(b);
  });
  return gathered;
}

std::string RenderConversations(const RunConversations& conversations, double media_speed) {
  std::string out;
  auto add = [&out](std::string line) { out += line + "\n"; };
  add(
      fmt::format("Conversations ({} answered calls talked, {} turns; audio at {}x real time, "
                  "latencies in real time)",
                  conversations.conversations, conversations.turns, media_speed));
  for (const char* component : {"stt", "llm", "tts"}) {
    auto it = conversations.latencies_ms.find(component);
    if (it == conversations.latencies_ms.end() || it->second.empty()) continue;
    add(fmt::format("  {:<4} p50 {:>6.1f} ms   p95 {:>6.1f} ms   ({} turns)", component,
                    Percentile(it->second, 0.5), Percentile(it->second, 0.95), it->second.size()));
  }
  add(fmt::format("  opt-outs by voice or key: {} (numbers put on the tenant's Do-Not-Call list)",
                  conversations.opt_outs));
  add(fmt::format("  answering machines detected: {}", conversations.voicemails));
  for (const ConversationSample& sample : conversations.samples) {
    add("");
    add(fmt::format("  Sample: call {} ({}), outcome {}", sample.call.id.value,
                    sample.call.to_number,
                    sample.call.outcome ? ToString(*sample.call.outcome) : "-"));
    out += TranscriptLines(sample.call, sample.turns);
  }
  return out;
}

}  // namespace talky
