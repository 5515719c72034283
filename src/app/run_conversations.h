// What `talky run` reports of its conversations when calls speak: how many answered calls talked
// and how many turns they took, each component's latency per turn (p50, p95 of speech
// recognition, the language model and synthesis, from the stored turns), opt-outs, voicemail
// detections and a few sample transcripts (one per outcome). Gathered from the store once the run
// is over; rendered as a section of the final report.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "domain/call_record.h"
#include "domain/error.h"
#include "store/store.h"

namespace talky {

struct ConversationSample {
  CallRecord call;
  std::vector<ConversationTurn> turns;
};

struct RunConversations {
  int64_t conversations = 0;  // answered calls with at least one turn
  int64_t turns = 0;
  std::map<std::string, std::vector<double>> latencies_ms;  // "stt", "llm", "tts"
  int64_t opt_outs = 0;                                     // calls that ended do_not_call
  int64_t voicemails = 0;  // answered calls judged answering machines
  std::vector<ConversationSample> samples;
};

Expected<RunConversations> GatherConversations(
    Store& store, const std::vector<std::pair<TenantId, CampaignId>>& campaigns);

// `media_speed`: how many times faster than real time the calls' audio ran.
std::string RenderConversations(const RunConversations& conversations, double media_speed);

}  // namespace talky
