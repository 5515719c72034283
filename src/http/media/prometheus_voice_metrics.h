// The voice path's counts in /metrics: per-turn latency by component (stt, llm, tts, total) as
// histograms, barge-ins, replies not understood, call sessions by event, and the cloud language
// models' tokens. Thread-safe.
#pragma once

#include "http/metrics.h"
#include "voice/voice_metrics.h"

namespace talky {

class PrometheusVoiceMetrics final : public VoiceMetrics {
 public:
  explicit PrometheusVoiceMetrics(Metrics& metrics) : metrics_(metrics) {}
  void ObserveLatency(const LatencyMetric& metric) override;
  void CountBargeIn() override;
  void CountNotUnderstood() override;
  void CountTokens(const TokenUsage& usage) override;
  void CountSession(std::string_view event) override;

 private:
  Metrics& metrics_;
  const std::vector<double> buckets_ = DefaultLatencyBuckets();
};

}  // namespace talky
