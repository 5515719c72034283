// `talky bench voice [--calls N] [--turns T] [--sample-rate R] [--stt-ms A] [--llm-ms B]
// [--tts-ms C] [--server-threads S] [--load-threads L] [--find-max] [--offline]
// [--providers delayed|offline|cloud-fakes]`: N concurrent
// calls over loopback media WebSockets against an in-process /media (the real endpoint, session
// manager and pipeline), with providers that answer after fixed delays (delayed_voice_providers.h)
// so that only the engine is measured. Prints one JSON line per run: the latency the engine adds
// per answer (p50/p99: the caller's turn complete -> the agent's first frame, minus the provider
// delays), the media clock's lateness p99 (from talky_media_pacing_lateness_seconds, a bucket
// bound), the server's CPU per call-second, memory per call.
//
// --find-max doubles N from 50 up to --calls while the lateness p99 stays <= 5 ms and no call
// fails, and prints the largest N that held. --offline uses the offline providers (espeak-ng,
// pocketsphinx, WebRTC VAD; the callee says "yes" synthesized by espeak-ng) and reports calls per
// core. --providers cloud-fakes runs our cloud clients (Deepgram, OpenAI-compatible, Cartesia: a
// socket each per call) against fakes that answer at once (cloud_provider_fakes.h): the latency
// they and the pipeline add. Benchmark code only.
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace talky {

class BenchVoiceCommand {
 public:
  explicit BenchVoiceCommand(CLI::App& app);

  bool Selected() const;
  int Run(std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* voice_ = nullptr;
  int calls_ = 100;
  int turns_ = 3;
  int sample_rate_ = 16000;
  int stt_ms_ = 50;
  int llm_ms_ = 100;
  int tts_ms_ = 50;
  int server_threads_ = 0;
  int load_threads_ = 1;
  bool find_max_ = false;
  bool offline_ = false;
  std::string providers_ = "delayed";
};

}  // namespace talky
