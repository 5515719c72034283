// Campaigns: POST and GET /v1/campaigns, GET and DELETE /v1/campaigns/{id}, the status actions
// POST /v1/campaigns/{id}/start|pause|resume|cancel (through CampaignService) and
// GET /v1/campaigns/{id}/stats.
#include <algorithm>
#include <iterator>

#include "domain/json_fields.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"
#include "voice/conversation_script.h"
#include "voice/voice_settings.h"

namespace talky {
namespace {

// A JSON object or null for the free-form settings.
nlohmann::json OptionalObject(JsonFields& fields, const std::string& key) {
  const nlohmann::json* value = fields.OptionalValue(key);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    fields.AddError(key, "must be a JSON object");
    return nullptr;
  }
  return *value;
}

HttpResponse CreateCampaign(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return body.error();
  JsonFields fields(*body);
  Campaign campaign;
  campaign.name = fields.RequiredNonEmptyString("name").value_or("");
  campaign.description = fields.OptionalString("description");
  campaign.system_prompt = fields.RequiredNonEmptyString("system_prompt").value_or("");
  campaign.voice_id = fields.RequiredNonEmptyString("voice_id").value_or("");
  if (std::optional<long long> calls = fields.OptionalInt("max_concurrent_calls")) {
    if (std::optional<std::string> problem = CampaignConcurrencyProblem(*calls)) {
      fields.AddError("max_concurrent_calls", *problem);
    } else {
      campaign.max_concurrent_calls = static_cast<int>(*calls);
    }
  }
  campaign.retry_failed = fields.OptionalBool("retry_failed").value_or(true);
  if (std::optional<long long> retries = fields.OptionalInt("max_retries")) {
    if (std::optional<std::string> problem = CampaignRetriesProblem(*retries)) {
      fields.AddError("max_retries", *problem);
    } else {
      campaign.max_retries = static_cast<int>(*retries);
    }
  }
  campaign.goal = fields.OptionalString("goal");
  campaign.marketing = fields.OptionalBool("marketing").value_or(false);
  campaign.script_config = OptionalObject(fields, "script_config");
  campaign.calling_config = OptionalObject(fields, "calling_config");
  if (Expected<VoiceSettings> voice = VoiceSettingsFromCallingConfig(campaign.calling_config);
      !voice) {
    std::ranges::copy(voice.error().fields, std::back_inserter(fields.errors()));
  }
  // Checked now, never mid-call: a campaign without one runs its goal's default script.
  if (!campaign.script_config.is_null()) {
    if (Expected<ConversationScript> script =
            ParseConversationScript(campaign.script_config, tenant.name);
        !script) {
      std::ranges::copy(script.error().fields, std::back_inserter(fields.errors()));
    }
  }
  fields.RejectUnknownKeys();
  if (!fields.errors().empty()) {
    return ErrorResponse(Error::InvalidArgument("invalid campaign", std::move(fields.errors())));
  }
  campaign.id = CampaignId{context.ids.Next()};
  campaign.tenant_id = tenant.id;
  campaign.created_at = context.clock.Now();
  if (Expected<void> created = context.store.CreateCampaign(campaign); !created) {
    return ErrorResponse(created.error());
  }
  Expected<Campaign> stored = context.store.GetCampaign(tenant.id, campaign.id);
  if (!stored) return ErrorResponse(stored.error());
  return JsonResponse(201, CampaignJson(*stored));
}

HttpResponse ListCampaigns(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {"limit", "after"}); !query) return query.error();
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  Expected<Page<Campaign>> campaigns = context.store.ListCampaigns(tenant.id, *page);
  if (!campaigns) return ErrorResponse(campaigns.error());
  return JsonResponse(200, PageJson(*campaigns, CampaignJson));
}

CampaignId PathCampaign(const HttpRequest& request) {
  return CampaignId{request.path_params.at("id")};
}

HttpResponse GetCampaign(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Expected<Campaign> campaign = context.store.GetCampaign(tenant.id, PathCampaign(request));
  if (!campaign) return ErrorResponse(campaign.error());
  return JsonResponse(200, CampaignJson(*campaign));
}

using CampaignAction = Expected<Campaign> (CampaignService::*)(const TenantId&, const CampaignId&);

HttpResponse RunAction(ApiContext& context, CampaignAction action, const HttpRequest& request,
                       const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  if (Answer<void> empty = ExpectNoBody(request); !empty) return empty.error();
  Expected<Campaign> campaign = (context.campaigns.*action)(tenant.id, PathCampaign(request));
  if (!campaign) return ErrorResponse(campaign.error());
  return JsonResponse(200, CampaignJson(*campaign));
}

HttpResponse CampaignStatistics(ApiContext& context, const HttpRequest& request,
                                const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Expected<CampaignStats> stats = context.campaigns.Stats(tenant.id, PathCampaign(request));
  if (!stats) return ErrorResponse(stats.error());
  return JsonResponse(200, CampaignStatsJson(*stats));
}

// Erasure: the campaign, its jobs and its leads' personal data go; its calls stay for the
// tenant's statistics without the numbers; Do-Not-Call entries stay. 409 while it runs.
HttpResponse DeleteCampaign(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  if (Answer<void> empty = ExpectNoBody(request); !empty) return empty.error();
  const CampaignId campaign = PathCampaign(request);
  Expected<CampaignDeletion> deleted = context.campaigns.DeleteCampaign(tenant.id, campaign);
  if (!deleted) return ErrorResponse(deleted.error());
  return JsonResponse(200, {{"id", campaign.value},
                            {"deleted", true},
                            {"leads_erased", deleted->leads_erased},
                            {"jobs_deleted", deleted->jobs_deleted},
                            {"calls_kept", deleted->calls_kept}});
}

}  // namespace

void AddCampaignRoutes(Router& router, ApiContext& context) {
  auto with = [&context](auto handler) {
    return ForTenant(context,
                     [&context, handler](const HttpRequest& request, const Tenant& tenant) {
                       return handler(context, request, tenant);
                     });
  };
  router.Add("POST", "/v1/campaigns", with(CreateCampaign));
  router.Add("GET", "/v1/campaigns", with(ListCampaigns));
  router.Add("GET", "/v1/campaigns/{id}", with(GetCampaign));
  router.Add("DELETE", "/v1/campaigns/{id}", with(DeleteCampaign));
  router.Add("GET", "/v1/campaigns/{id}/stats", with(CampaignStatistics));
  const std::pair<const char*, CampaignAction> kActions[] = {
      {"start", &CampaignService::Start},
      {"pause", &CampaignService::Pause},
      {"resume", &CampaignService::Resume},
      {"cancel", &CampaignService::Cancel},
  };
  for (const auto& [name, action] : kActions) {
    router.Add(
        "POST", std::string("/v1/campaigns/{id}/") + name,
        ForTenant(context, [&context, action](const HttpRequest& request, const Tenant& tenant) {
          return RunAction(context, action, request, tenant);
        }));
  }
}

}  // namespace talky
