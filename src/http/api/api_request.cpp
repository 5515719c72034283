#include "http/api/api_request.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "domain/json_fields.h"
#include "http/api/api_auth.h"

namespace talky {
namespace {

constexpr int kMaxJsonDepth = 32;

HttpResponse BadRequest(std::string message, std::vector<FieldError> fields) {
  return ErrorResponse(Error::InvalidArgument(std::move(message), std::move(fields)));
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

HttpResponse UnsupportedMediaType(const HttpRequest& request, std::string_view expected) {
  std::string_view type = request.Header("content-type");
  return ErrorResponse(
      Error::InvalidArgument(
          "unsupported Content-Type '" + std::string(type) + "': send " + std::string(expected),
          {{"content-type", "must be " + std::string(expected)}}),
      415);
}

}  // namespace

bool HasContentType(const HttpRequest& request, std::string_view media_type) {
  std::string_view value = request.Header("content-type");
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return Lower(value) == Lower(media_type);
}

Answer<nlohmann::json> ReadJsonBody(const HttpRequest& request) {
  if (!HasContentType(request, "application/json")) {
    return std::unexpected(UnsupportedMediaType(request, "application/json"));
  }
  // Deeply nested JSON is refused: printing or comparing a value recurses once per level.
  int deepest = 0;
  nlohmann::json body = nlohmann::json::parse(
      request.body,
      [&deepest](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        deepest = std::max(deepest, depth);
        return true;
      },
      /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return std::unexpected(
        BadRequest("the request body is not valid JSON", {{"body", "malformed JSON"}}));
  }
  if (deepest > kMaxJsonDepth) {
    return std::unexpected(BadRequest(
        "the request body is nested too deeply",
        {{"body", "must not nest deeper than " + std::to_string(kMaxJsonDepth) + " levels"}}));
  }
  return body;
}

Answer<void> ExpectNoBody(const HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return {};
  Answer<nlohmann::json> body = ReadJsonBody(request);
  if (!body) return std::unexpected(body.error());
  if (!body->is_object()) {
    return std::unexpected(BadRequest("invalid body", {{"body", "must be empty or {}"}}));
  }
  std::vector<FieldError> unknown;
  for (const auto& [key, value] : body->items()) unknown.push_back({key, "is not a known field"});
  if (!unknown.empty()) return std::unexpected(BadRequest("invalid body", std::move(unknown)));
  return {};
}

Answer<void> CheckQuery(const HttpRequest& request,
                        std::initializer_list<std::string_view> allowed) {
  std::vector<FieldError> unknown;
  for (const auto& [key, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      unknown.push_back({key, "is not a known query parameter"});
    }
  }
  if (!unknown.empty()) return std::unexpected(BadRequest("invalid query", std::move(unknown)));
  return {};
}

Answer<PageRequest> ReadPage(const HttpRequest& request) {
  PageRequest page;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    const std::string& text = it->second;
    int limit = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc() || end != text.data() + text.size() || limit < 1 ||
        limit > kMaxPageSize) {
      return std::unexpected(BadRequest(
          "invalid page",
          {{"limit", "must be a whole number from 1 to " + std::to_string(kMaxPageSize)}}));
    }
    page.limit = limit;
  }
  if (auto it = request.query.find("after"); it != request.query.end()) page.after = it->second;
  return page;
}

HttpHandler ForTenant(ApiContext& context, TenantHandler handler) {
  return [&context, handler = std::move(handler)](const HttpRequest& request) {
    Expected<Tenant> tenant = AuthenticateTenant(request, context.store);
    if (!tenant) {
      HttpResponse response = ErrorResponse(tenant.error());
      if (response.status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    return handler(request, *tenant);
  };
}

}  // namespace talky
