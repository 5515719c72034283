// The routes an operator and Prometheus use, outside /v1 and without an API key:
//   GET /health   200 {"status":"ok","queue":"ok","store":"ok"} when the job queue answers Stats()
//                 and the store answers a one-row query; 503 with "status":"unavailable" and the
//                 failing part's error message in its place otherwise.
//   GET /metrics  the registry (Metrics::Render) in the Prometheus text format.
// And the scrape-time collectors for the queue (talky_queue_waiting{lane}, talky_queue_scheduled,
// talky_queue_processing) and the store (talky_jobs{status}, talky_calls{outcome}).
//
// The queue, the store and the metrics must outlive the router. The handlers are thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "http/http_message.h"
#include "http/metrics.h"
#include "http/router.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace talky {

// The /health answer, as a plain function of the two backends.
HttpResponse CheckHealth(JobQueue& queue, Store& store);

// Queue sizes now: the priority lane as lane="priority", each tenant with waiting jobs as
// lane=<tenant id>.
Expected<std::vector<CollectedGauge>> CollectQueueMetrics(JobQueue& queue);

// Jobs by status and calls by outcome across every tenant.
Expected<std::vector<CollectedGauge>> CollectStoreMetrics(Store& store);

// Adds GET /health and GET /metrics, and registers both collectors with `metrics`.
void AddOperationalRoutes(Router& router, Metrics& metrics, JobQueue& queue, Store& store);

}  // namespace talky
