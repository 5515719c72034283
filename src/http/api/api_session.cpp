// The dashboard's sign-in: POST /v1/session trades an API key (a tenant's or the admin's) for an
// HttpOnly cookie, so the page's scripts never keep the key; GET /v1/session says who is signed
// in; DELETE /v1/session signs out. What the cookie allows is api_auth.h's business.
#include "domain/json_fields.h"
#include "http/api/api_auth.h"
#include "http/api/api_request.h"
#include "http/api/api_resources.h"

namespace talky {
namespace {

bool CameOverHttps(const HttpRequest& request) {
  return request.Header("x-forwarded-proto") == "https";
}

// Who `key` signs in: {"tenant": {id, name} or null, "admin": bool}; Unauthenticated if no one.
Expected<nlohmann::json> WhoHolds(ApiContext& context, const std::string& key) {
  if (!context.admin_key.empty() && ConstantTimeEquals(key, context.admin_key)) {
    return nlohmann::json{{"tenant", nullptr}, {"admin", true}};
  }
  Expected<Tenant> tenant = context.store.FindTenantByApiKeyHash(HashApiKey(key));
  if (!tenant) {
    if (tenant.error().code != ErrorCode::kNotFound) return std::unexpected(tenant.error());
    return std::unexpected(
        Error{.code = ErrorCode::kUnauthenticated, .message = "unknown API key", .fields = {}});
  }
  return nlohmann::json{{"tenant", {{"id", tenant->id.value}, {"name", tenant->name}}},
                        {"admin", false}};
}

HttpResponse SignIn(ApiContext& context, const HttpRequest& request) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return body.error();
  JsonFields fields(*body);
  std::optional<std::string> key = fields.RequiredNonEmptyString("api_key");
  fields.RejectUnknownKeys();
  if (!fields.errors().empty()) {
    return ErrorResponse(Error::InvalidArgument("invalid sign-in", std::move(fields.errors())));
  }
  Expected<nlohmann::json> who = WhoHolds(context, *key);
  if (!who) return ErrorResponse(who.error());
  HttpResponse response = JsonResponse(200, *who);
  response.headers.emplace_back("Set-Cookie", SessionCookie(*key, CameOverHttps(request)));
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse SignedIn(ApiContext& context, const HttpRequest& request) {
  if (Answer<void> query = CheckQuery(request, {}); !query) return query.error();
  Expected<std::string> key = PresentedKey(request, "API key");
  if (!key) return ErrorResponse(key.error());
  Expected<nlohmann::json> who = WhoHolds(context, *key);
  if (!who) return ErrorResponse(who.error());
  return JsonResponse(200, *who);
}

HttpResponse SignOut(const HttpRequest& request) {
  HttpResponse response{.status = 204, .content_type = "", .body = "", .headers = {}};
  response.headers.emplace_back("Set-Cookie", SessionCookie("", CameOverHttps(request)));
  return response;
}

}  // namespace

void AddSessionRoutes(Router& router, ApiContext& context) {
  router.Add("POST", "/v1/session",
             [&context](const HttpRequest& request) { return SignIn(context, request); });
  router.Add("GET", "/v1/session",
             [&context](const HttpRequest& request) { return SignedIn(context, request); });
  router.Add("DELETE", "/v1/session", [](const HttpRequest& request) { return SignOut(request); });
}

}  // namespace talky
