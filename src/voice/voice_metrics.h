// What the voice path counts, for /metrics (the http layer implements it over its Metrics).
// Thread-safe.
#pragma once

#include <string_view>

#include "domain/call_session.h"
#include "voice/language_model.h"

namespace talky {

class VoiceMetrics {
 public:
  virtual ~VoiceMetrics() = default;
  virtual void ObserveLatency(const LatencyMetric& metric) = 0;
  virtual void CountBargeIn() = 0;
  virtual void CountNotUnderstood() = 0;
  // Tokens a cloud language model's server counted (prompt and completion).
  virtual void CountTokens(const TokenUsage& usage) = 0;
  // sessions: started, ended, refused (with why), swept (stale)
  virtual void CountSession(std::string_view event) = 0;
};

}  // namespace talky
