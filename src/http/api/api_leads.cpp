// A campaign's leads: POST /v1/campaigns/{id}/leads uploads a JSON array (application/json) or a
// CSV file with a header row (text/csv); one bad row rejects the whole upload and the answer lists
// every bad row ("leads[i].<field>", with the CSV line). GET pages through them.
#include <charconv>

#include "campaigns/lead_csv.h"
#include "campaigns/lead_json.h"
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
Error WithLines(Error error, const std::vector<int>& lines) {
  for (FieldError& field : error.fields) {
    std::optional<size_t> row = RowOf(field.field);
    if (row && *row < lines.size()) {
      field.message = "line " + std::to_string(lines[*row]) + ": " + field.message;
    }
  }
  return error;
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
  std::vector<Lead> leads;
  std::vector<int> lines;
  if (HasContentType(request, "text/csv")) {
    Expected<CsvLeads> parsed = ParseLeadsCsvWithLines(request.body);
    if (!parsed) return ErrorResponse(parsed.error());
    leads = std::move(parsed->leads);
    lines = std::move(parsed->lines);
  } else if (HasContentType(request, "application/json")) {
    Answer<nlohmann::json> body = ReadJsonBody(request);
    if (!body) return body.error();
    Expected<std::vector<Lead>> parsed = ParseLeadsJson(*body);
    if (!parsed) return ErrorResponse(parsed.error());
    leads = std::move(*parsed);
  } else {
    return ErrorResponse(
        Error::InvalidArgument("unsupported Content-Type '" +
                                   std::string(request.Header("content-type")) +
                                   "': send application/json (an array of leads) or text/csv",
                               {{"content-type", "must be application/json or text/csv"}}),
        415);
  }
  if (leads.empty()) {
    return ErrorResponse(Error::InvalidArgument("no leads in the upload",
                                                {{"body", "must hold at least one lead"}}));
  }
  Expected<ImportResult> imported = context.store.ImportLeads(tenant.id, campaign_id, leads);
  if (!imported) return ErrorResponse(WithLines(imported.error(), lines));
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
}

}  // namespace talky
