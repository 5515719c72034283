#include "bench/bench_voice_command.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/cli.h"
#include "app/cloud_providers.h"
#include "app/offline_voice.h"
#include "bench/cloud_provider_fakes.h"
#include "bench/cpu_time.h"
#include "bench/delayed_voice_providers.h"
#include "bench/figures.h"
#include "bench/voice_load.h"
#include "http/http_server.h"
#include "http/media/prometheus_voice_metrics.h"
#include "http/media/vonage_media_endpoint.h"
#include "http/metrics.h"
#include "http/router.h"
#include "voice/campaign_script.h"
#include "voice/conversation_engine.h"
#include "voice/memory_call_session_store.h"
#include "voice/session_manager.h"

namespace talky {
namespace {

using namespace std::chrono;

constexpr double kLatenessAimSeconds = 0.005;

// The bound of the bucket that holds the p99 observation; +inf above the last bound.
double HistogramP99(const Metrics::Histogram& histogram, const std::vector<double>& bounds) {
  const std::vector<std::uint64_t> counts = histogram.BucketCounts();
  const auto total = histogram.Count();
  if (total == 0) return 0;
  const auto wanted = static_cast<std::uint64_t>(std::ceil(0.99 * static_cast<double>(total)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (seen >= wanted) return i < bounds.size() ? bounds[i] : INFINITY;
  }
  return INFINITY;
}

// Milliseconds, or ">100" past the last bucket (JSON has no infinity).
nlohmann::json PacingFigure(double seconds) {
  if (std::isinf(seconds)) return ">100";
  return seconds * 1000;
}

double ResidentMegabytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e6;
}

struct RunSettings {
  int calls;
  int turns;
  int sample_rate;
  ProviderDelays delays;
  int server_threads;
  int load_threads;
  std::string providers;  // delayed, offline or cloud-fakes
  bool offline() const { return providers == "offline"; }
  bool cloud() const { return providers == "cloud-fakes"; }
};

// One run: a fresh server and N calls. Its figures as one JSON object.
Expected<nlohmann::json> RunOnce(const RunSettings& settings) {
  const std::vector<double> lateness_bounds = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1};
  Metrics metrics;
  SystemClock clock;
  DelayTimer timer;
  DelayedSpeechToText delayed_stt(timer, settings.delays.speech_to_text);
  DelayedTextToSpeech delayed_tts(timer, settings.delays.text_to_speech);
  LoudnessVoiceActivity loudness;
  auto delayed_model =
      std::make_shared<DelayedLanguageModel>(timer, settings.delays.language_model);
  std::shared_ptr<OfflineVoice> offline = settings.offline() ? AcquireOfflineVoice() : nullptr;
  // The real cloud clients, against fakes that answer at once (a server of their own).
  CloudProviderFakes fakes;
  std::unique_ptr<CloudProviders> cloud;
  if (settings.cloud()) {
    if (Expected<void> started = fakes.Start(settings.server_threads); !started) {
      return std::unexpected(started.error());
    }
    cloud = std::make_unique<CloudProviders>(Secrets{});
  }

  MemoryCallSessionStore sessions(clock);
  PrometheusVoiceMetrics voice_metrics(metrics);
  // Offline, every call runs the default appointment script.
  auto script = std::make_shared<const ConversationScript>(
      *ParseConversationScript(DefaultScriptConfig(GoalKind::kAppointment), "Bright Smile Dental"));
  AnsweredCallLookup lookup = [&](const CallId& call) -> Expected<AnsweredCall> {
    AnsweredCall answered{.session = {.call_id = call,
                                      .campaign_id = CampaignId{"bench"},
                                      .lead_id = LeadId{call.value},
                                      .tenant_id = TenantId{"bench"}},
                          .config = {},
                          .language_model = delayed_model,
                          .reply_grammar = nullptr};
    if (settings.cloud()) {
      answered.speech_to_text =
          *cloud->SpeechToTextFor({.cloud = true, .url = fakes.DeepgramUrl(), .api_key_name = ""});
      answered.language_model = *cloud->ModelFor(
          {.cloud = true, .base_url = fakes.ChatCompletionsBase(), .model = "bench"});
      answered.text_to_speech = *cloud->TextToSpeechFor(
          {.cloud = true, .url = fakes.CartesiaUrl(), .voice = "bench", .api_key_name = ""});
    }
    if (settings.offline()) {
      auto engine = std::make_shared<ConversationEngine>(
          script, LineFields{{"first_name", "Ada"}, {"business", "Bright Smile Dental"}});
      answered.language_model = engine;
      answered.reply_grammar = engine;
    }
    return answered;
  };
  SessionManager manager(lookup, offline ? *offline->speech_to_text : delayed_stt,
                         offline ? *offline->text_to_speech : delayed_tts,
                         offline ? *offline->voice_activity : loudness, sessions, voice_metrics,
                         clock);
  VonageMediaEndpoint media(manager, metrics);
  Router router;
  HttpServer server(router, metrics,
                    {.address = "127.0.0.1", .port = 0, .threads = settings.server_threads});
  server.RouteWebSocket("/media", media);
  Expected<int> port = server.Start();
  if (!port) return std::unexpected(port.error());

  VoiceLoadOptions load{
      .port = *port,
      .calls = settings.calls,
      .sample_rate = settings.sample_rate,
      .turns = settings.turns,
      .provider_delay = settings.providers == "delayed" ? settings.delays.Total() : milliseconds(0),
      .threads = settings.load_threads};
  if (settings.offline()) {
    // The callee says "yes" (the script's first expected reply) in another voice than the agent's.
    struct Collect final : SynthesisSink {
      void OnAudio(std::span<const std::int16_t> samples) override {
        std::lock_guard lock(mutex);
        audio.insert(audio.end(), samples.begin(), samples.end());
      }
      void OnDone(Expected<void>) override {
        std::lock_guard lock(mutex);
        done = true;
        changed.notify_all();
      }
      std::mutex mutex;
      std::condition_variable changed;
      Samples audio;
      bool done = false;
    } collect;
    auto synthesis = offline->text_to_speech->Synthesize(
        {.text = "yes", .voice = "en-gb", .sample_rate = settings.sample_rate}, collect);
    std::unique_lock lock(collect.mutex);
    collect.changed.wait_for(lock, seconds(10), [&] { return collect.done; });
    load.speech_samples = collect.audio;
    load.turns = 1;  // the script: greeting, "yes", its answer; then the callee hangs up
  }
  const double memory_before = ResidentMegabytes();
  double memory_loaded = memory_before;
  const double cpu_before = ProcessCpuSeconds();
  Expected<VoiceLoadResult> result =
      RunVoiceLoad(load, [&memory_loaded] { memory_loaded = ResidentMegabytes(); });
  const double cpu = ProcessCpuSeconds() - cpu_before;
  server.Stop();
  if (!result) return std::unexpected(result.error());

  const double server_cpu = cpu - result->client_cpu_seconds;
  const Metrics::Histogram& lateness = metrics.GetHistogram(
      "talky_media_pacing_lateness_seconds", "", lateness_bounds);  // the endpoint's own family
  nlohmann::json figures = {
      {"providers", settings.providers},
      {"calls", settings.calls},
      {"calls_finished", result->calls_finished},
      {"calls_failed", result->calls_failed},
      {"answers", result->engine_latency_ms.size()},
      {"elapsed_s", Round3(result->elapsed.count())},
      {"pacing_lateness_p99_ms_at_most", PacingFigure(HistogramP99(lateness, lateness_bounds))},
      {"pacing_ticks", lateness.Count()},
      {"server_cpu_s", Round3(server_cpu)},
      {"client_cpu_s", Round3(result->client_cpu_seconds)},
      {"server_cpu_ms_per_call_second",
       Round3(result->call_seconds > 0 ? server_cpu * 1000 / result->call_seconds : 0)},
      {"memory_mb_per_call", Round3((memory_loaded - memory_before) / settings.calls)},
      {"cores", std::thread::hardware_concurrency()}};
  if (settings.offline()) {
    figures["total_latency_p50_ms"] = Round3(Percentile(result->engine_latency_ms, 0.5));
    figures["total_latency_p99_ms"] = Round3(Percentile(result->engine_latency_ms, 0.99));
    figures["calls_per_core"] = Round3(server_cpu > 0 ? result->call_seconds / server_cpu : 0);
  } else {
    figures["provider_delay_ms"] = settings.cloud() ? 0 : settings.delays.Total().count();
    if (settings.cloud()) figures["fakes_served"] = fakes.Served();
    figures["engine_latency_p50_ms"] = Round3(Percentile(result->engine_latency_ms, 0.5));
    figures["engine_latency_p99_ms"] = Round3(Percentile(result->engine_latency_ms, 0.99));
  }
  if (!result->first_failure.empty()) figures["first_failure"] = result->first_failure;
  return figures;
}

}  // namespace

BenchVoiceCommand::BenchVoiceCommand(CLI::App& app) {
  voice_ = BenchGroup(app)->add_subcommand(
      "voice",
      "Concurrent calls over loopback media WebSockets; the latency and pacing the engine adds");
  voice_->add_option("--calls", calls_, "Concurrent calls")
      ->check(CLI::Range(1, 20'000))
      ->capture_default_str();
  voice_->add_option("--turns", turns_, "Agent answers per call")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  voice_->add_option("--sample-rate", sample_rate_, "8000 or 16000")
      ->check(CLI::IsMember({8000, 16000}))
      ->capture_default_str();
  voice_->add_option("--stt-ms", stt_ms_, "The recognizer's delay")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  voice_->add_option("--llm-ms", llm_ms_, "The language model's delay")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  voice_->add_option("--tts-ms", tts_ms_, "The synthesizer's delay")
      ->check(CLI::Range(0, 10'000))
      ->capture_default_str();
  voice_->add_option("--server-threads", server_threads_, "Server threads (0: the default)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  voice_->add_option("--load-threads", load_threads_, "Threads driving the callers")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  voice_->add_flag(
      "--find-max", find_max_,
      "Double the calls from 50 up to --calls while pacing lateness p99 <= 5 ms and none fails");
  voice_->add_flag("--offline", offline_,
                   "The offline providers (espeak-ng, pocketsphinx, WebRTC VAD): calls per core");
  voice_
      ->add_option("--providers", providers_,
                   "delayed (fixed delays, no work), offline (as --offline) or cloud-fakes (our "
                   "Deepgram, OpenAI-compatible and Cartesia clients against fakes that answer "
                   "at once)")
      ->check(CLI::IsMember({"delayed", "offline", "cloud-fakes"}))
      ->capture_default_str();
}

bool BenchVoiceCommand::Selected() const { return voice_->parsed(); }

int BenchVoiceCommand::Run(std::ostream& out, std::ostream& err) const {
  spdlog::set_level(spdlog::level::err);  // a run of thousands of calls logs nothing per call
  RunSettings settings{.calls = calls_,
                       .turns = turns_,
                       .sample_rate = sample_rate_,
                       .delays = {.speech_to_text = milliseconds(stt_ms_),
                                  .language_model = milliseconds(llm_ms_),
                                  .text_to_speech = milliseconds(tts_ms_)},
                       .server_threads = server_threads_,
                       .load_threads = load_threads_,
                       .providers = offline_ ? "offline" : providers_};
  if (!find_max_) {
    Expected<nlohmann::json> figures = RunOnce(settings);
    if (!figures) {
      err << "talky bench voice: " << figures.error().Describe() << "\n";
      return kExitFailure;
    }
    out << figures->dump() << "\n";
    return figures->at("calls_failed") == 0 ? 0 : kExitFailure;
  }
  int held = 0;
  for (int calls = 50; calls <= calls_; calls *= 2) {
    settings.calls = calls;
    Expected<nlohmann::json> figures = RunOnce(settings);
    if (!figures) {
      err << "talky bench voice: " << figures.error().Describe() << "\n";
      return kExitFailure;
    }
    out << figures->dump() << std::endl;
    const nlohmann::json& lateness_ms = figures->at("pacing_lateness_p99_ms_at_most");
    if (figures->at("calls_failed") != 0 || !lateness_ms.is_number() ||
        lateness_ms.get<double>() > kLatenessAimSeconds * 1000) {
      break;
    }
    held = calls;
  }
  out << nlohmann::json{{"largest_calls_within_5ms_pacing", held}}.dump() << "\n";
  return 0;
}

}  // namespace talky
