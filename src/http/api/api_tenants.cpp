// The admin's tenants: POST /v1/tenants creates one and answers its API key, once; GET /v1/tenants
// lists them (id order, paged).
#include <cstdio>

#include "domain/calling_rules.h"
#include "domain/json_fields.h"
#include "domain/phone_number.h"
#include "http/api/api_auth.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"
#include "http/api/api_views.h"

namespace talky {
namespace {

std::optional<std::chrono::year_month_day> ParseDate(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char end = 0;
  if (text.size() != 10 ||
      std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &end) != 3) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  return date;
}

HttpResponse CreateTenant(ApiContext& context, const HttpRequest& request) {
  if (Expected<void> admin = AuthenticateAdmin(request, context.admin_key); !admin) {
    HttpResponse response = ErrorResponse(admin.error());
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return body.error();
  JsonFields fields(*body);
  Tenant tenant;
  if (std::optional<std::string> name = fields.RequiredNonEmptyString("name")) tenant.name = *name;
  if (std::optional<std::string> region = fields.OptionalString("default_region")) {
    if (IsSupportedRegion(*region)) {
      tenant.default_region = *region;
    } else {
      fields.AddError("default_region",
                      "'" + *region + "' is not a supported ISO 3166 region code, e.g. US");
    }
  }
  if (const nlohmann::json* rules = fields.OptionalValue("calling_rules")) {
    Expected<CallingRules> parsed = CallingRulesFromJson(*rules);
    if (parsed) {
      tenant.rules = *parsed;
    } else {
      for (const FieldError& error : parsed.error().fields) {
        fields.AddError("calling_rules." + error.field, error.message);
      }
    }
  }
  if (const nlohmann::json* holidays = fields.OptionalValue("holidays")) {
    if (!holidays->is_array()) {
      fields.AddError("holidays", "must be an array of dates (YYYY-MM-DD)");
    } else {
      for (size_t i = 0; i < holidays->size(); ++i) {
        const nlohmann::json& day = (*holidays)[i];
        std::optional<std::chrono::year_month_day> date =
            day.is_string() ? ParseDate(day.get<std::string>()) : std::nullopt;
        if (date) {
          tenant.holidays.push_back(*date);
        } else {
          fields.AddError("holidays[" + std::to_string(i) + "]", "must be a date (YYYY-MM-DD)");
        }
      }
    }
  }
  fields.RejectUnknownKeys();
  if (!fields.errors().empty()) {
    return ErrorResponse(Error::InvalidArgument("invalid tenant", std::move(fields.errors())));
  }
  Expected<std::string> key = NewApiKey();
  if (!key) return ErrorResponse(key.error());
  tenant.id = TenantId{context.ids.Next()};
  tenant.api_key_hash = HashApiKey(*key);
  if (Expected<void> created = context.store.CreateTenant(tenant); !created) {
    return ErrorResponse(created.error());
  }
  return JsonResponse(201, {{"tenant", TenantJson(tenant)}, {"api_key", *key}});
}

HttpResponse ListTenants(ApiContext& context, const HttpRequest& request) {
  if (Expected<void> admin = AuthenticateAdmin(request, context.admin_key); !admin) {
    return ErrorResponse(admin.error());
  }
  if (Answer<void> query = CheckQuery(request, {"limit", "after"}); !query) return query.error();
  Answer<PageRequest> page = ReadPage(request);
  if (!page) return page.error();
  Expected<Page<Tenant>> tenants = context.store.ListTenants(*page);
  if (!tenants) return ErrorResponse(tenants.error());
  return JsonResponse(200, PageJson(*tenants, TenantJson));
}

}  // namespace

void AddTenantRoutes(Router& router, ApiContext& context) {
  router.Add("POST", "/v1/tenants",
             [&context](const HttpRequest& request) { return CreateTenant(context, request); });
  router.Add("GET", "/v1/tenants",
             [&context](const HttpRequest& request) { return ListTenants(context, request); });
}

}  // namespace talky
