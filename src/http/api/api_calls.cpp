// Calls: GET /v1/calls?campaign_id=&outcome=&since=&until= (paged, in the order they were dialed),
// each with its outcome and which attempt of its lead it was; GET /v1/calls/{id}, one call with its
// stored transcript; GET /v1/calls/{id}/recording, the call's audio (a stereo WAV, caller left,
// agent right) when its campaign records calls; GET /v1/calls/{id}/session, a call's live session
// (state, what was said, latency per turn) while it lasts and for a while after.
#include <algorithm>
#include <map>
#include <vector>

#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"

namespace talky {
namespace {

// A lead's number is unique within its campaign and its job makes one call per attempt, so the
// call's attempt is its place among the calls to that number in that campaign.
class AttemptCounter {
 public:
  AttemptCounter(Store& store, const TenantId& tenant) : store_(store), tenant_(tenant) {}

  Expected<int> AttemptOf(const CallRecord& call) {
    auto key = std::pair{call.campaign_id.value, call.to_number};
    auto it = history_.find(key);
    if (it == history_.end()) {
      Expected<NumberCallHistory> history =
          store_.CallsToNumberSince(tenant_, call.to_number, Instant{}, call.campaign_id);
      if (!history) return std::unexpected(history.error());
      it = history_.emplace(key, std::move(history->call_times)).first;
    }
    const std::vector<Instant>& times = it->second;
    return static_cast<int>(std::lower_bound(times.begin(), times.end(), call.created_at) -
                            times.begin()) +
           1;
  }

 private:
  Store& store_;
  const TenantId& tenant_;
  std::map<std::pair<std::string, std::string>, std::vector<Instant>> history_;
};

// ?campaign_id= &outcome= &since= &until= as a filter; 400 naming each bad parameter.
Answer<CallFilter> ReadCallFilter(ApiContext& context, const HttpRequest& request,
                                  const Tenant& tenant) {
  CallFilter filter;
  std::vector<FieldError> errors;
  if (auto it = request.query.find("outcome"); it != request.query.end()) {
    filter.outcome = ParseCallOutcome(it->second);
    if (!filter.outcome)
      errors.push_back({"outcome", "'" + it->second + "' is not a call outcome"});
  }
  for (auto [name, bound] :
       {std::pair{"since", &filter.since}, std::pair{"until", &filter.until}}) {
    auto it = request.query.find(name);
    if (it == request.query.end()) continue;
    Expected<Instant> instant = ParseIso8601(it->second);
    if (instant) {
      *bound = *instant;
    } else {
      errors.push_back({name, "'" + it->second +
                                  "' is not an ISO-8601 instant, e.g. "
                                  "2026-12-01T00:00:00Z"});
    }
  }
  if (!errors.empty()) {
    return std::unexpected(
        ErrorResponse(Error::InvalidArgument("invalid call filter", std::move(errors))));
  }
  if (auto it = request.query.find("campaign_id"); it != request.query.end()) {
    filter.campaign = CampaignId{it->second};
    if (Expected<Campaign> found = context.store.GetCampaign(tenant.id, *filter.campaign); !found) {
      return std::unexpected(ErrorResponse(found.error()));
    }
  }
  return filter;
}

HttpResponse ListCalls(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query =
          CheckQuery(request, {"limit", "after", "campaign_id", "outcome", "since", "until"});
      !query) {
    return query.error();
  }
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  Answer<CallFilter> filter = ReadCallFilter(context, request, tenant);
  if (!filter) return filter.error();
  Expected<Page<CallRecord>> calls = context.store.ListCalls(tenant.id, *filter, *page);
  if (!calls) return ErrorResponse(calls.error());
  AttemptCounter attempts(context.store, tenant.id);
  nlohmann::json items = nlohmann::json::array();
  for (const CallRecord& call : calls->items) {
    Expected<int> attempt = attempts.AttemptOf(call);
    if (!attempt) return ErrorResponse(attempt.error());
    items.push_back(CallJson(call, *attempt));
  }
  return JsonResponse(
      200, {{"items", std::move(items)},
            {"next", calls->next ? nlohmann::json(*calls->next) : nlohmann::json(nullptr)}});
}

HttpResponse GetCall(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  const CallId id{request.path_params.at("id")};
  // Another tenant's call is not found, as the store reports it.
  Expected<CallRecord> call = context.store.GetCall(tenant.id, id);
  if (!call) return ErrorResponse(call.error());
  Expected<int> attempt = AttemptCounter(context.store, tenant.id).AttemptOf(*call);
  if (!attempt) return ErrorResponse(attempt.error());
  Expected<std::vector<ConversationTurn>> turns =
      context.store.ListConversationTurns(tenant.id, id);
  if (!turns) return ErrorResponse(turns.error());
  return JsonResponse(200, CallDetailJson(*call, *attempt, *turns));
}

HttpResponse GetRecording(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  const CallId id{request.path_params.at("id")};
  // Another tenant's call is not found, as the store reports it.
  if (Expected<CallRecord> call = context.store.GetCall(tenant.id, id); !call) {
    return ErrorResponse(call.error());
  }
  Expected<std::string> wav = context.store.GetCallRecording(tenant.id, id);
  if (!wav) return ErrorResponse(wav.error());
  return HttpResponse{.status = 200, .content_type = "audio/wav", .body = std::move(*wav)};
}

HttpResponse GetSession(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  const CallId call{request.path_params.at("id")};
  const Error not_found = Error::NotFound("no live session for call " + call.value);
  if (context.sessions == nullptr) return ErrorResponse(not_found);
  Expected<CallSession> session = context.sessions->Get(call);
  if (!session) return ErrorResponse(session.error());
  if (session->tenant_id != tenant.id) return ErrorResponse(not_found);  // another tenant's
  return JsonResponse(200, ToJson(*session));
}

}  // namespace

void AddCallRoutes(Router& router, ApiContext& context) {
  router.Add("GET", "/v1/calls",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ListCalls(context, request, tenant);
             }));
  router.Add("GET", "/v1/calls/{id}",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return GetCall(context, request, tenant);
             }));
  router.Add("GET", "/v1/calls/{id}/recording",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return GetRecording(context, request, tenant);
             }));
  router.Add("GET", "/v1/calls/{id}/session",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return GetSession(context, request, tenant);
             }));
}

}  // namespace talky
