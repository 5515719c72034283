// The HTTP side of Talky assembled from its backends: a Router with every route, the Metrics
// registry, and the HttpServer that serves them. `talky serve` builds one around the store and
// queue it opened; `talky run` builds one beside its workers.
//
// Routes: the dashboard at / (src/http/dashboard/; TALKY_DASHBOARD_DIR serves web files from a
// folder instead), /health and /metrics, the REST API (/v1, src/http/api/) and the Vonage webhooks,
// whose events complete calls through a CallEventIntake of this process (the worker that placed the
// call may be another process), and the media WebSocket (/media) where answered calls talk: each
// gets a voice pipeline with the offline providers (app/offline_voice.h), and its live session is
// readable at GET /v1/calls/{id}/session. A campaign's figures stream live at GET
// /v1/campaigns/{id}/live.
//
// The store, the queue, the clock and the id generator are borrowed and must outlive the
// TalkyServer. Routes are added in the constructor; Start and Stop may be called from any thread
// (not from a handler). A bad sessions_redis_url throws std::invalid_argument.
#pragma once

#include <memory>
#include <string>

#include "app/cloud_providers.h"
#include "app/offline_voice.h"
#include "app/secrets.h"
#include "campaigns/campaign_service.h"
#include "dialer/call_event_intake.h"
#include "domain/clock.h"
#include "domain/error.h"
#include "http/api/api_context.h"
#include "http/api/campaign_live_stream.h"
#include "http/http_server.h"
#include "http/media/prometheus_voice_metrics.h"
#include "http/media/vonage_media_endpoint.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/webhooks/vonage_webhooks.h"
#include "queue/job_queue.h"
#include "store/id_generator.h"
#include "store/store.h"
#include "voice/call_session_store.h"
#include "voice/session_manager.h"

namespace talky {

struct TalkyServerOptions {
  HttpServerOptions http;
  std::string admin_key;  // creates tenants (POST /v1/tenants); never empty in `talky serve`
  VonageWebhookOptions vonage{.media_websocket_uri = "ws://127.0.0.1:8080/media"};
  VonageMediaOptions media;
  // Where live call sessions are kept: Redis (every `talky serve` of the deployment answers GET
  // /v1/calls/{id}/session), or, when empty, this process's memory.
  std::string sessions_redis_url;
  // The keys of the campaigns' cloud providers (secrets.h), and authorities their servers' TLS
  // certificates may be signed by beside the system's.
  Secrets secrets;
  std::string extra_ca_pem;
};

class TalkyServer {
 public:
  TalkyServer(Store& store, JobQueue& queue, Clock& clock, IdGenerator& ids,
              TalkyServerOptions options);
  TalkyServer(const TalkyServer&) = delete;
  TalkyServer& operator=(const TalkyServer&) = delete;

  // The bound port (see HttpServer::Start for the errors).
  Expected<int> Start();
  void Stop();

  Metrics& metrics() { return metrics_; }
  SessionManager& sessions() { return session_manager_; }
  const Router& router() const { return router_; }

 private:
  void AddStoreHealthMetrics();
  void AddWebhookMetrics();

  TalkyServerOptions options_;
  SystemClock latency_clock_;  // the voice path's latencies are real time, even under --speed
  std::unique_ptr<CallSessionStore> session_store_;
  CampaignService campaigns_;
  ApiContext api_;
  CallEventIntake intake_;
  Metrics metrics_;
  Router router_;
  std::shared_ptr<OfflineVoice> voice_;
  CloudProviders cloud_;  // before the sessions, whose calls use its providers
  PrometheusVoiceMetrics voice_metrics_;
  SessionManager session_manager_;
  VonageMediaEndpoint media_;
  CampaignLiveStream live_;
  std::shared_ptr<const VonageWebhookCounters> webhook_counters_;
  HttpServer server_;  // last: built once the router is complete, stopped first
};

}  // namespace talky
