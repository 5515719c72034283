#include "app/talky_server.h"

#include <cstdlib>

#include "app/answered_call_lookup.h"
#include "http/api/api_routes.h"
#include "http/dashboard/dashboard_routes.h"
#include "http/operational_routes.h"
#include "store/store_connection_health.h"
#include "voice/memory_call_session_store.h"
#include "voice/redis_call_session_store.h"

namespace talky {
namespace {

std::unique_ptr<CallSessionStore> OpenCallSessionStore(const std::string& redis_url,
                                                       const Clock& clock) {
  if (redis_url.empty()) return std::make_unique<MemoryCallSessionStore>(clock);
  Expected<std::unique_ptr<RedisCallSessionStore>> redis = RedisCallSessionStore::Open(redis_url);
  if (!redis) throw std::invalid_argument(redis.error().Describe());
  return std::move(*redis);
}

}  // namespace

TalkyServer::TalkyServer(Store& store, JobQueue& queue, Clock& clock, IdGenerator& ids,
                         TalkyServerOptions options)
    : options_(std::move(options)),
      session_store_(OpenCallSessionStore(options_.sessions_redis_url, latency_clock_)),
      campaigns_(store, queue, clock),
      api_{.store = store,
           .queue = queue,
           .clock = clock,
           .ids = ids,
           .campaigns = campaigns_,
           .admin_key = options_.admin_key,
           .sessions = session_store_.get()},
      intake_(queue, store, clock),
      voice_(AcquireOfflineVoice()),
      cloud_(options_.secrets, options_.extra_ca_pem),
      voice_metrics_(metrics_),
      session_manager_(
          [this, &store, &clock](const CallId& call) {
            return LookUpAnsweredCall(store, clock, call, &cloud_);
          },
          *voice_->speech_to_text, *voice_->text_to_speech, *voice_->voice_activity,
          *session_store_, voice_metrics_, latency_clock_),
      media_(session_manager_, metrics_, options_.media),
      live_(api_),
      server_(router_, metrics_, options_.http) {
  server_.RouteWebSocket("/media", media_);
  server_.RouteStream(CampaignLiveStream::kPattern, live_);
  AddOperationalRoutes(router_, metrics_, queue, store);
  AddApiRoutes(router_, api_);
  const char* dashboard_directory = std::getenv("TALKY_DASHBOARD_DIR");
  AddDashboardRoutes(router_, dashboard_directory ? dashboard_directory : "");
  VonageWebhookOptions vonage = options_.vonage;
  vonage.on_machine_detection = [this](const CallId& call, ProviderMachineDetection detection) {
    session_manager_.OnProviderMachineDetection(call, detection);
  };
  webhook_counters_ = AddVonageWebhookRoutes(router_, std::move(vonage), intake_, clock);
  AddWebhookMetrics();
  AddStoreHealthMetrics();
}

// The store's connection trouble since start (a database restart shows here).
void TalkyServer::AddStoreHealthMetrics() {
  metrics_.AddCollector("store_connections", []() -> Expected<std::vector<CollectedGauge>> {
    const StoreConnectionHealth& health = StoreConnectionHealthCounters();
    auto sample = [](std::string label, int64_t value) {
      return MetricSample{.labels = {{"event", std::move(label)}},
                          .value = static_cast<double>(value)};
    };
    return std::vector<CollectedGauge>{
        {.name = "talky_store_connection_events",
         .help = "The store's connections lost, failed reconnection attempts and reconnections "
                 "since start",
         .samples = {sample("lost", health.connections_lost.load()),
                     sample("reconnect_failed", health.reconnect_failures.load()),
                     sample("reconnected", health.reconnects.load())}}};
  });
}

// Counts since start, read at scrape time from the routes' and the intake's own counters.
void TalkyServer::AddWebhookMetrics() {
  metrics_.AddCollector("webhooks", [this]() -> Expected<std::vector<CollectedGauge>> {
    const VonageWebhookCounters& routes = *webhook_counters_;
    const CallEventIntakeStats intake = intake_.Stats();
    auto sample = [](std::string label, int64_t value) {
      return MetricSample{.labels = {{"result", std::move(label)}},
                          .value = static_cast<double>(value)};
    };
    return std::vector<CollectedGauge>{
        {.name = "talky_vonage_webhooks",
         .help = "Vonage webhook requests since start, by result",
         .samples = {sample("event", routes.events.load()),
                     sample("ignored", routes.events_ignored.load()),
                     sample("unauthorized", routes.unauthorized.load()),
                     sample("replay", routes.replays.load()),
                     sample("bad_request", routes.bad_requests.load()),
                     sample("answer", routes.answers.load())}},
        {.name = "talky_call_events",
         .help = "Provider call events taken in by this process since start, by effect",
         .samples = {sample("recorded", intake.recorded), sample("duplicate", intake.duplicates),
                     sample("completed", intake.completed),
                     sample("already_complete", intake.already_complete),
                     sample("unknown_call", intake.unknown_calls),
                     sample("parked", intake.waited_for_record), sample("failed", intake.failed)}}};
  });
}

Expected<int> TalkyServer::Start() { return server_.Start(); }

void TalkyServer::Stop() { server_.Stop(); }

}  // namespace talky
