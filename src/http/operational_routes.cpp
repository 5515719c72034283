#include "http/operational_routes.h"

namespace talky {

HttpResponse CheckHealth(JobQueue& queue, Store& store) {
  nlohmann::json body = {{"status", "ok"}, {"queue", "ok"}, {"store", "ok"}};
  bool healthy = true;
  if (Expected<QueueStats> stats = queue.Stats(); !stats) {
    body["queue"] = stats.error().message;
    healthy = false;
  }
  if (Expected<Page<DialerJob>> jobs = store.ListOpenJobs(PageRequest{.limit = 1}); !jobs) {
    body["store"] = jobs.error().message;
    healthy = false;
  }
  if (!healthy) body["status"] = "unavailable";
  return JsonResponse(healthy ? 200 : 503, body);
}

Expected<std::vector<CollectedGauge>> CollectQueueMetrics(JobQueue& queue) {
  Expected<QueueStats> stats = queue.Stats();
  if (!stats) return std::unexpected(stats.error());
  CollectedGauge waiting{
      .name = "talky_queue_waiting",
      .help = "Jobs waiting to be taken: the priority lane, then each tenant's queue",
      .samples = {{{{"lane", "priority"}}, static_cast<double>(stats->priority_queue_size)}}};
  for (const auto& [tenant, size] : stats->tenant_queue_sizes) {
    waiting.samples.push_back({{{"lane", tenant.value}}, static_cast<double>(size)});
  }
  return std::vector<CollectedGauge>{
      std::move(waiting),
      {.name = "talky_queue_scheduled",
       .help = "Jobs scheduled for a later instant (retries, deferrals)",
       .samples = {{{}, static_cast<double>(stats->scheduled_size)}}},
      {.name = "talky_queue_processing",
       .help = "Jobs taken by a worker under a lease",
       .samples = {{{}, static_cast<double>(stats->processing_size)}}},
  };
}

Expected<std::vector<CollectedGauge>> CollectStoreMetrics(Store& store) {
  // Store::Tally lands with the campaign service; until then the store has no cross-tenant count.
  (void)store;
  return std::vector<CollectedGauge>{};
}

void AddOperationalRoutes(Router& router, Metrics& metrics, JobQueue& queue, Store& store) {
  router.Add("GET", "/health",
             [&queue, &store](const HttpRequest&) { return CheckHealth(queue, store); });
  router.Add("GET", "/metrics", [&metrics](const HttpRequest&) {
    return HttpResponse{
        .status = 200, .content_type = kPrometheusContentType, .body = metrics.Render()};
  });
  metrics.AddCollector("queue", [&queue] { return CollectQueueMetrics(queue); });
  metrics.AddCollector("store", [&store] { return CollectStoreMetrics(store); });
}

}  // namespace talky
