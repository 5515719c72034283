#include "app/worker_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "app/cli.h"
#include "app/offline_voice.h"
#include "app/open_records.h"
#include "app/sip_command_line.h"
#include "app/stop_signals.h"
#include "app/worker_pool.h"
#include "dialer/dialer_worker.h"
#include "domain/instant.h"
#include "domain/scaled_clock.h"
#include "net/http_endpoint.h"
#include "telephony/simulated/simulated_telephony.h"
#include "telephony/vonage/vonage_telephony.h"
#include "voice/audio.h"

namespace talky {
namespace {

// The command-line option behind each VonageOptions field, so an error names what to fix.
const std::map<std::string, std::string, std::less<>> kVonageOptionNames{
    {"api_base_url", "--vonage-api-url"},
    {"application_id", "--vonage-application-id (or TALKY_VONAGE_APPLICATION_ID)"},
    {"private_key_pem", "--vonage-private-key (or TALKY_VONAGE_PRIVATE_KEY_FILE)"},
    {"event_url", "--vonage-event-url"},
    {"media_websocket_uri", "--media-websocket-uri or --vonage-answer-url"},
    {"answer_url", "--vonage-answer-url"},
};

}  // namespace

WorkerCommand::WorkerCommand(CLI::App& app) {
  worker_ = app.add_subcommand("worker", "Run dialer workers until SIGTERM, then drain and exit");
  worker_->option_defaults()->always_capture_default();  // --help shows each default
  worker_->add_option("--database-url", database_url_,
                      "sqlite:PATH or postgresql://... (default: SQLite file ./talky.db)");
  worker_->add_option("--redis-url", redis_url_,
                      "Redis queue shared with other processes (default: the embedded queue)");
  worker_->add_option("--workers", workers_, "Worker loops in this process")
      ->check(CLI::Range(1, 256));
  worker_->add_option("--max-calls", max_calls_, "Calls in flight per worker loop")
      ->check(CLI::Range(1, 100'000));
  worker_->add_option("--ring-time-ms", ring_time_ms_, "Simulated provider: ring time")
      ->check(CLI::Range(0, 600'000));
  worker_->add_option("--talk-time-ms", talk_time_ms_, "Simulated provider: talk time")
      ->check(CLI::Range(0, 3'600'000));
  worker_->add_option("--speed", speed_, "Simulated provider: play calls this many times faster")
      ->check(CLI::Range(0.001, 1'000'000.0));
  worker_->add_option("--seed", seed_, "Simulated provider: seed of the outcome mix");
  worker_->add_option("--start-at", start_at_,
                      "The worker's clock starts at this ISO-8601 instant, not now, and runs at "
                      "real speed (embedded queue only; default: the system clock)");
  worker_
      ->add_option("--drain-timeout-ms", drain_timeout_ms_,
                   "On stop, how long calls in flight may go on before they are hung up")
      ->check(CLI::Range(0, 3'600'000));
  worker_
      ->add_option("--retry-unavailable-ms", retry_unavailable_ms_,
                   "A job whose provider or store could not be reached is tried again this "
                   "much later (default 60000)")
      ->check(CLI::Range(1, 86'400'000));
  worker_->add_option("--provider", provider_, "Telephony provider: simulated, vonage or sip")
      ->check(CLI::IsMember({"simulated", "vonage", "sip"}));
  worker_->add_option("--vonage-api-url", vonage_api_url_, "Vonage: API base URL")
      ->envname("TALKY_VONAGE_API_URL");
  worker_->add_option("--vonage-application-id", vonage_application_id_, "Vonage: application id")
      ->envname("TALKY_VONAGE_APPLICATION_ID");
  worker_
      ->add_option("--vonage-private-key", vonage_private_key_file_,
                   "Vonage: the application's private key (PEM file)")
      ->envname("TALKY_VONAGE_PRIVATE_KEY_FILE");
  worker_
      ->add_option("--vonage-event-url", vonage_event_url_,
                   "Vonage: our event webhook, https://HOST/webhooks/vonage/event at talky serve")
      ->envname("TALKY_VONAGE_EVENT_URL");
  worker_
      ->add_option("--vonage-answer-url", vonage_answer_url_,
                   "Vonage: where Vonage fetches the NCCO (https://HOST/webhooks/vonage/answer)")
      ->envname("TALKY_VONAGE_ANSWER_URL");
  worker_
      ->add_option("--media-websocket-uri", media_websocket_uri_,
                   "Vonage: the media WebSocket (wss://HOST/media) named in an inline NCCO; "
                   "sip: where answered calls' audio goes; simulated: answered calls speak "
                   "there, with simulated callees (ws://ADDRESS:PORT/media of a talky serve)")
      ->envname("TALKY_MEDIA_WEBSOCKET_URI");
  worker_
      ->add_option("--vonage-signature-secret", vonage_signature_secret_,
                   "Vonage: signature secret of signed webhooks")
      ->envname("TALKY_VONAGE_SIGNATURE_SECRET");
  AddSipOptions(*worker_, sip_);
}

bool WorkerCommand::Selected() const { return worker_->parsed(); }

int WorkerCommand::Run(std::ostream& out, std::ostream& err) const {
  std::optional<VonageOptions> vonage;
  if (provider_ == "vonage") {
    vonage = VonageOptions{.api_base_url = vonage_api_url_,
                           .application_id = vonage_application_id_,
                           .event_url = vonage_event_url_,
                           .media_websocket_uri = media_websocket_uri_,
                           .answer_url = vonage_answer_url_,
                           .signature_secret = vonage_signature_secret_};
    if (!vonage_private_key_file_.empty()) {
      std::ifstream key_file(vonage_private_key_file_);
      if (!key_file) {
        err << "talky worker: --vonage-private-key: cannot read '" << vonage_private_key_file_
            << "'\n";
        return kExitUsage;
      }
      std::ostringstream key;
      key << key_file.rdbuf();
      vonage->private_key_pem = key.str();
    }
    if (Expected<void> valid = ValidateVonageOptions(*vonage); !valid) {
      err << "talky worker: --provider vonage needs:\n";
      for (const FieldError& field : valid.error().fields) {
        auto name = kVonageOptionNames.find(field.field);
        err << "  " << (name != kVonageOptionNames.end() ? name->second : field.field) << ": "
            << field.message << "\n";
      }
      return kExitUsage;
    }
  }

  // Simulated callees and SIP calls speak to a serve's media socket, over plain TCP to an address.
  std::optional<MediaSocketAddress> media_socket;
  if (!vonage && !media_websocket_uri_.empty()) {
    Expected<MediaSocketAddress> media = ParseMediaSocketUri(media_websocket_uri_);
    if (!media) {
      err << "talky worker: --media-websocket-uri: the " << provider_ << " provider "
          << media.error().message << "\n";
      return kExitUsage;
    }
    media_socket = *media;
  }
  if (provider_ == "sip") {
    // Checked now, so that every problem is named before anything starts.
    Expected<SipTelephonyOptions> sip = SipTelephonyOptionsOf(sip_, media_socket);
    if (!sip) {
      err << "talky worker: --provider sip needs:\n" << DescribeSipOptionErrors(sip.error());
      return kExitUsage;
    }
  }

  std::optional<Instant> start_at;
  if (!start_at_.empty()) {
    Expected<Instant> parsed = ParseIso8601(start_at_);
    if (!parsed) {
      err << "talky worker: --start-at needs an ISO-8601 instant such as 2026-11-23T15:00:00Z\n";
      return kExitUsage;
    }
    if (!redis_url_.empty()) {
      err << "talky worker: --start-at needs the embedded queue: a clock of its own cannot be "
             "shared with other processes through Redis. Leave out --redis-url, or --start-at.\n";
      return kExitUsage;
    }
    start_at = *parsed;
  }

  const sigset_t stop_signals = BlockStopSignals();  // before any thread starts

  SystemClock system_clock;
  std::optional<ScaledClock> shifted_clock;
  if (start_at) shifted_clock.emplace(*start_at, 1.0);
  Clock& clock = shifted_clock ? static_cast<Clock&>(*shifted_clock) : system_clock;
  TimeOrderedIdGenerator ids;
  Expected<Records> records = OpenRecords(database_url_, redis_url_, clock, ids, workers_ + 2);
  if (!records) {
    err << "talky worker: " << records.error().Describe() << "\n";
    return records.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }

  // Simulated calls that speak: their callees talk to the media WebSocket of a `talky serve`.
  SimulatedTelephonyOptions simulation{
      .timing = {.ring_time = std::chrono::milliseconds(ring_time_ms_),
                 .talk_time = std::chrono::milliseconds(talk_time_ms_)},
      .seed = seed_,
      .speed = speed_};
  std::atomic<int> talking{0};
  std::optional<SimulatedCalleeVoices> callee_voices;
  if (media_socket && provider_ == "simulated") {
    Expected<SimulatedCalleeVoices> voices =
        SimulatedCalleeVoices::Make(*AcquireOfflineVoice()->text_to_speech, kWidebandRate);
    if (!voices) {
      err << "talky worker: the simulated callees' voices: " << voices.error().Describe() << "\n";
      return kExitFailure;
    }
    callee_voices = std::move(*voices);
    simulation.media = SimulatedMedia{.host = media_socket->host,
                                      .port = media_socket->port,
                                      .voices = &*callee_voices,
                                      .talking = &talking};
  }
  HttpClient http;
  WorkerPool::MakeProvider make_provider = MakeSimulatedProviders(clock, simulation);
  if (vonage) {
    make_provider = [&](boost::asio::io_context&, boost::asio::io_context&, CallEventSink& sink) {
      return std::make_unique<VonageTelephony>(*vonage, http, clock, sink, std::random_device{}());
    };
  }
  if (provider_ == "sip") make_provider = MakeSipProviders(sip_, *media_socket, clock);
  std::optional<WorkerPool> pool;
  try {
    pool.emplace(*records->queue, *records->store, clock, ids, workers_,
                 DialerWorkerOptions{
                     .max_calls_in_flight = max_calls_,
                     .drain_timeout = std::chrono::milliseconds(drain_timeout_ms_),
                     .provider_retry_delay = std::chrono::milliseconds(retry_unavailable_ms_)},
                 make_provider);
  } catch (const ProviderStartError& error) {
    err << "talky worker: " << error.what() << "\n";
    return kExitFailure;
  }
  out << "talky worker: " << workers_ << " worker(s) running with the " << provider_ << " provider"
      << (start_at ? "; clock started at " + FormatIso8601(*start_at) : std::string())
      << (simulation.media ? "; answered calls speak at " + media_websocket_uri_ : std::string())
      << "; stop with SIGTERM or Ctrl-C" << std::endl;

  const int signal_number = WaitForStopSignal(stop_signals);
  out << "talky worker: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
      << ": draining calls in flight" << std::endl;
  pool->Stop();  // drains: calls in flight end (up to --drain-timeout-ms)
  const WorkerPool::Totals totals = pool->Stats();
  out << "talky worker: stopped; " << totals.calls_started << " calls started, "
      << totals.calls_completed << " completed" << std::endl;
  return kExitOk;
}

}  // namespace talky
