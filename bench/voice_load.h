// The callers' side of `talky bench voice`: N concurrent media WebSockets speaking Vonage's
// protocol to a /media route, each a callee that waits for the agent to finish a turn, pauses,
// speaks (a tone), then stays silent until the agent answers; it hangs up after `turns` answers.
// Frames go out every 20 ms on each call's own media clock.
//
// What it measures per answer: from the caller's frame that completes the turn (the last of the
// endpointing silence) to the agent's first frame received, minus the providers' fixed delays: the
// latency the engine adds. Benchmark code only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/error.h"

namespace talky {

struct VoiceLoadOptions {
  int port = 0;
  int calls = 100;
  int sample_rate = 16000;
  int turns = 3;                                  // answers per call before hanging up
  std::chrono::milliseconds speech{600};          // each caller turn
  std::chrono::milliseconds pause{300};           // after the agent's turn, before speaking
  std::chrono::milliseconds endpointing{500};     // the server's silence that ends a turn
  std::chrono::milliseconds provider_delay{200};  // subtracted from each answer's latency
  std::chrono::milliseconds ramp{2'000};          // calls start spread over this
  std::chrono::milliseconds timeout{120'000};     // the whole run
  int threads = 1;
  // The caller's speech, one frame's worth of samples at a time (20 ms at sample_rate); empty: a
  // tone (enough for a loudness detector, not for a real one).
  std::vector<std::int16_t> speech_samples;
};

struct VoiceLoadResult {
  std::vector<double> engine_latency_ms;  // one per answer
  int calls_finished = 0;                 // hung up after all their turns
  int calls_failed = 0;                   // connection errors, closes by the server, timeouts
  std::string first_failure;
  double call_seconds = 0;        // summed over calls, from the first frame to the end
  double client_cpu_seconds = 0;  // of the load threads, to tell the server's CPU apart
  std::chrono::duration<double> elapsed{};
};

// `on_all_connected` runs (on a load thread) once every call has been greeted.
Expected<VoiceLoadResult> RunVoiceLoad(const VoiceLoadOptions& options,
                                       std::function<void()> on_all_connected = {});

}  // namespace talky
