#include "http/media/prometheus_voice_metrics.h"

namespace talky {

void PrometheusVoiceMetrics::ObserveLatency(const LatencyMetric& metric) {
  if (!metric.success) {
    metrics_
        .GetCounter("talky_voice_component_errors_total",
                    "Voice provider failures during a turn, by component",
                    {{"component", metric.component}})
        .Increment();
    return;
  }
  metrics_
      .GetHistogram("talky_voice_latency_seconds",
                    "Per-turn latency by component: stt (end of speech to final text), llm (to "
                    "first token), tts (to first audio), total (end of the caller's speech to the "
                    "agent's first frame sent)",
                    buckets_, {{"component", metric.component}})
      .Observe(metric.latency_ms / 1000.0);
}

void PrometheusVoiceMetrics::CountTokens(const TokenUsage& usage) {
  auto count = [&](const char* kind, int tokens) {
    metrics_
        .GetCounter("talky_llm_tokens_total",
                    "Tokens the cloud language models' servers counted, by kind", {{"kind", kind}})
        .Increment(static_cast<double>(tokens));
  };
  count("prompt", usage.prompt_tokens);
  count("completion", usage.completion_tokens);
}

void PrometheusVoiceMetrics::CountBargeIn() {
  metrics_.GetCounter("talky_voice_barge_ins_total", "Times a caller interrupted the agent")
      .Increment();
}

void PrometheusVoiceMetrics::CountNotUnderstood() {
  metrics_
      .GetCounter("talky_voice_not_understood_total",
                  "Caller turns that matched nothing the conversation expected")
      .Increment();
}

void PrometheusVoiceMetrics::CountSession(std::string_view event) {
  metrics_
      .GetCounter("talky_voice_sessions_total", "Call sessions by event",
                  {{"event", std::string(event)}})
      .Increment();
}

}  // namespace talky
