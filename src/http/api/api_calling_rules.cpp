// GET and PUT /v1/calling-rules: the tenant's calling rules and retry policy. PUT replaces them
// whole (missing fields take their defaults) and applies the queue's limits at once.
#include "domain/calling_rules.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"

namespace talky {
namespace {

HttpResponse ReplaceRules(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return body.error();
  Expected<CallingRules> rules = CallingRulesFromJson(*body);
  if (!rules) return ErrorResponse(rules.error());
  Tenant updated = tenant;
  updated.rules = *rules;
  if (Expected<void> saved = context.store.UpdateTenant(updated); !saved) {
    return ErrorResponse(saved.error());
  }
  if (Expected<void> limited = context.queue.SetTenantLimits(
          tenant.id, {.max_concurrent_calls = rules->max_concurrent_calls,
                      .high_priority_threshold = rules->high_priority_threshold});
      !limited) {
    return ErrorResponse(limited.error());
  }
  return JsonResponse(200, ToJson(*rules));
}

}  // namespace

void AddCallingRulesRoutes(Router& router, ApiContext& context) {
  router.Add("GET", "/v1/calling-rules",
             ForTenant(context, [](const HttpRequest& request, const Tenant& tenant) {
               if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
               return JsonResponse(200, ToJson(tenant.rules));
             }));
  router.Add("PUT", "/v1/calling-rules",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ReplaceRules(context, request, tenant);
             }));
}

}  // namespace talky
