// GET /v1/queue/stats: the tenant's own view of the queue: its waiting jobs, the shared priority
// lane's size, and its jobs by status from the store.
#include "http/api/api_request.h"
#include "http/api/api_resources.h"

namespace talky {
namespace {

HttpResponse QueueStatsFor(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Expected<QueueStats> stats = context.queue.Stats();
  if (!stats) return ErrorResponse(stats.error());
  Expected<StoreTally> tally = context.store.Tally(tenant.id, std::nullopt);
  if (!tally) return ErrorResponse(tally.error());
  auto waiting = stats->tenant_queue_sizes.find(tenant.id);
  return JsonResponse(
      200, {{"tenant_id", tenant.id.value},
            {"waiting", waiting == stats->tenant_queue_sizes.end() ? 0 : waiting->second},
            {"priority_lane_waiting", stats->priority_queue_size},
            {"jobs_by_status", tally->jobs_by_status}});
}

}  // namespace

void AddQueueStatsRoutes(Router& router, ApiContext& context) {
  router.Add("GET", "/v1/queue/stats",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return QueueStatsFor(context, request, tenant);
             }));
}

}  // namespace talky
