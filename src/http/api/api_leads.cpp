// A campaign's leads: POST /v1/campaigns/{id}/leads uploads a JSON array (application/json) or a
// CSV file with a header row (text/csv); one bad row rejects the whole upload and the answer lists
// every bad field of every row ("leads[i].<field>", with the CSV line): the first
// kMaxListedLeadErrors of them and, in fields_total, how many in all. GET pages through them.
// DELETE /v1/leads/{id} erases one lead's personal data (its calls stay, without the number, for
// the statistics; the tenant's Do-Not-Call entries stay: they are a legal record).
// GET /v1/leads/{id}/explanation: whether the lead may be called now, and why not.
#include <algorithm>
#include <charconv>

#include "campaigns/lead_csv.h"
#include "campaigns/lead_json.h"
#include "dialer/call_facts.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"

namespace talky {
namespace {

// The row index of "leads[12].phone_number", or nullopt for another name.
std::optional<size_t> RowOf(const std::string& field) {
  constexpr std::string_view kPrefix = "leads[";
  if (!field.starts_with(kPrefix)) return std::nullopt;
  size_t row = 0;
  const char* begin = field.data() + kPrefix.size();
  auto [end, error] = std::from_chars(begin, field.data() + field.size(), row);
  if (error != std::errc() || end == begin || *end != ']') return std::nullopt;
  return row;
}

// Points the store's per-row errors (which know only the row index) at the CSV file's lines.
std::vector<FieldError> WithLines(std::vector<FieldError> errors, const std::vector<int>& lines) {
  for (FieldError& field : errors) {
    std::optional<size_t> row = RowOf(field.field);
    if (row && *row < lines.size()) {
      field.message = "line " + std::to_string(lines[*row]) + ": " + field.message;
    }
  }
  return errors;
}

// A rejected upload: its first problems and, beside the message, how many there are in all.
HttpResponse RejectedUpload(std::vector<FieldError> errors, size_t leads) {
  const size_t total = errors.size();
  HttpResponse response = ErrorResponse(LeadUploadError(std::move(errors), leads));
  nlohmann::json body = nlohmann::json::parse(response.body);
  body["error"]["fields_total"] = total;
  response.body = body.dump();
  return response;
}

HttpResponse UploadLeads(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  const CampaignId campaign_id{request.path_params.at("id")};
  Expected<Campaign> campaign = context.store.GetCampaign(tenant.id, campaign_id);
  if (!campaign) return ErrorResponse(campaign.error());
  if (campaign->status == CampaignStatus::kCompleted ||
      campaign->status == CampaignStatus::kCancelled) {
    return ErrorResponse(Error::Conflict("campaign '" + campaign_id.value + "' is " +
                                         std::string(ToString(campaign->status)) +
                                         " and takes no more leads"));
  }
  Expected<LeadUpload> upload = std::unexpected(Error::Internal("no upload read"));
  if (HasContentType(request, "text/csv")) {
    upload = ReadLeadsCsv(request.body);
  } else if (HasContentType(request, "application/json")) {
    Answer<nlohmann::json> body = ReadJsonBody(request);
    if (!body) return body.error();
    upload = ReadLeadsJson(*body);
  } else {
    return ErrorResponse(
        Error::InvalidArgument("unsupported Content-Type '" +
                                   std::string(request.Header("content-type")) +
                                   "': send application/json (an array of leads) or text/csv",
                               {{"content-type", "must be application/json or text/csv"}}),
        415);
  }
  if (!upload) return ErrorResponse(upload.error());
  if (upload->leads.empty()) {
    return ErrorResponse(Error::InvalidArgument("no leads in the upload",
                                                {{"body", "must hold at least one lead"}}));
  }
  if (!upload->errors.empty()) {
    // The store never sees this upload: name what it would have found as well.
    std::vector<FieldError> errors = CheckLeadUpload(*upload, tenant.default_region);
    errors.insert(errors.end(), std::make_move_iterator(upload->errors.begin()),
                  std::make_move_iterator(upload->errors.end()));
    return RejectedUpload(std::move(errors), upload->leads.size());
  }
  Expected<ImportResult> imported =
      context.store.ImportLeads(tenant.id, campaign_id, upload->leads);
  if (!imported) {
    const std::vector<FieldError>& fields = imported.error().fields;
    if (imported.error().code != ErrorCode::kInvalidArgument || fields.empty() ||
        !std::all_of(fields.begin(), fields.end(),
                     [](const FieldError& field) { return RowOf(field.field).has_value(); })) {
      return ErrorResponse(imported.error());
    }
    return RejectedUpload(WithLines(std::move(imported.error().fields), upload->lines),
                          upload->leads.size());
  }
  return JsonResponse(201, {{"imported", imported->imported}});
}

HttpResponse ListLeads(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {"limit", "after"}); !query) return query.error();
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  const CampaignId campaign_id{request.path_params.at("id")};
  if (Expected<Campaign> campaign = context.store.GetCampaign(tenant.id, campaign_id); !campaign) {
    return ErrorResponse(campaign.error());
  }
  Expected<Page<Lead>> leads = context.store.ListLeads(tenant.id, campaign_id, *page);
  if (!leads) return ErrorResponse(leads.error());
  return JsonResponse(200, PageJson(*leads, LeadJson));
}

// Erasure of one lead's personal data (CampaignService::EraseLead).
HttpResponse EraseLead(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  if (Answer<void> empty = ExpectNoBody(request); !empty) return empty.error();
  const LeadId lead{request.path_params.at("id")};
  Expected<LeadErasure> erased = context.campaigns.EraseLead(tenant.id, lead);
  if (!erased) return ErrorResponse(erased.error());
  return JsonResponse(200, {{"id", lead.value},
                            {"campaign_id", erased->campaign_id.value},
                            {"erased", true},
                            {"jobs_closed", erased->jobs_closed},
                            {"calls_kept", erased->calls_kept}});
}

// Whether the lead's next attempt may be dialed now, and if not why and when: the worker's own
// reads and rules (dialer/call_facts.h), so the answer is what the dialer would decide.
HttpResponse ExplainLead(ApiContext& context, const HttpRequest& request, const Tenant& tenant) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Expected<Lead> lead = context.store.GetLead(tenant.id, LeadId{request.path_params.at("id")});
  if (!lead) return ErrorResponse(lead.error());
  Expected<Campaign> campaign = context.store.GetCampaign(tenant.id, lead->campaign_id);
  if (!campaign) return ErrorResponse(campaign.error());
  DialerJob job;
  job.tenant_id = tenant.id;
  job.campaign_id = lead->campaign_id;
  job.lead_id = lead->id;
  job.phone_number = lead->phone_number;
  job.attempt_number = lead->call_attempts + 1;
  const Instant now = context.clock.Now();
  Expected<CallFacts> facts = ReadCallFacts(context.store, job, now);
  if (!facts) return ErrorResponse(facts.error());
  Expected<CallDecision> decision =
      CanCall(job, facts->lead, CallingPolicyOf(tenant, *campaign), facts->history, now);
  if (!decision) return ErrorResponse(decision.error());
  return JsonResponse(200,
                      {{"lead", LeadJson(*lead)}, {"decision", CallDecisionJson(*decision, now)}});
}

}  // namespace

void AddLeadRoutes(Router& router, ApiContext& context) {
  router.Add("POST", "/v1/campaigns/{id}/leads",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return UploadLeads(context, request, tenant);
             }));
  router.Add("GET", "/v1/campaigns/{id}/leads",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ListLeads(context, request, tenant);
             }));
  router.Add("GET", "/v1/leads/{id}/explanation",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return ExplainLead(context, request, tenant);
             }));
  router.Add("DELETE", "/v1/leads/{id}",
             ForTenant(context, [&context](const HttpRequest& request, const Tenant& tenant) {
               return EraseLead(context, request, tenant);
             }));
}

}  // namespace talky
