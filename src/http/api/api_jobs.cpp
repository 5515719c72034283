// Dialer jobs: GET /v1/jobs?campaign_id=&status= (paged) and GET /v1/jobs/{id}.
#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"

namespace talky {
namespace {

std::string JobStatusNames() {
  std::string names;
  for (JobStatus status : AllJobStatuses()) {
    names += (names.empty() ? "" : ", ") + std::string(ToString(status));
  }
  return names;
}

HttpResponse ListJobs(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {"limit", "after", "campaign_id", "status"});
      !query) {
    return query.error();
  }
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  std::optional<JobStatus> status;
  if (auto it = request.query.find("status"); it != request.query.end()) {
    status = ParseJobStatus(it->second);
    if (!status) {
      return ErrorResponse(Error::InvalidArgument(
          "invalid query", {{"status", "must be one of " + JobStatusNames()}}));
    }
  }
  std::optional<CampaignId> campaign;
  if (auto it = request.query.find("campaign_id"); it != request.query.end()) {
    campaign = CampaignId{it->second};
    // Another tenant's campaign is not found, rather than an empty list.
    if (Expected<Campaign> found = context.store.GetCampaign(tenant.id, *campaign); !found) {
      return ErrorResponse(found.error());
    }
  }
  Expected<Page<DialerJob>> jobs = context.store.ListJobs(tenant.id, campaign, status, *page);
  if (!jobs) return ErrorResponse(jobs.error());
  return JsonResponse(200, PageJson(*jobs, JobJson));
}

}  // namespace

void AddJobRoutes(Router& router, ApiContext& context) {
  router.Add("GET", "/v1/jobs",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ListJobs(context, request, tenant);
             }));
  router.Add("GET", "/v1/jobs/{id}",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
               Expected<DialerJob> job =
                   context.store.GetJob(tenant.id, JobId{request.path_params.at("id")});
               if (!job) return ErrorResponse(job.error());
               return JsonResponse(200, JobJson(*job));
             }));
}

}  // namespace talky
