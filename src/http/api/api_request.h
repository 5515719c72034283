// Shared request handling for the REST API's handlers: strict bodies (Content-Type checked first,
// then JSON syntax), query parameters (unknown ones rejected), paging, and tenant authentication.
// A step either yields its value or the response that ends the request (`Answer<T>`), so a handler
// reads as a sequence of steps. Pure functions; thread-safe.
#pragma once

#include <expected>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/tenant.h"
#include "http/api/api_context.h"
#include "http/http_message.h"
#include "http/router.h"
#include "store/page.h"

namespace talky {

template <typename T>
using Answer = std::expected<T, HttpResponse>;

// Whether the request's Content-Type is `media_type` (parameters such as charset ignored; case
// does not matter).
bool HasContentType(const HttpRequest& request, std::string_view media_type);

// The body as JSON: 415 unless the Content-Type is application/json, 400 naming "body" when the
// text is not JSON or nests deeper than 32 levels.
Answer<nlohmann::json> ReadJsonBody(const HttpRequest& request);

// For actions without parameters: an empty body, or an empty JSON object sent as
// application/json. Anything else is 400 (or 415 for another Content-Type).
Answer<void> ExpectNoBody(const HttpRequest& request);

// 400 naming every query parameter not in `allowed`.
Answer<void> CheckQuery(const HttpRequest& request,
                        std::initializer_list<std::string_view> allowed);

// ?limit= (1-1000, default 50) and ?after= (a previous page's `next`).
Answer<PageRequest> ReadPage(const HttpRequest& request);

// {"items": [...], "next": "<cursor>" or null}.
template <typename T, typename View>
nlohmann::json PageJson(const Page<T>& page, View view) {
  nlohmann::json items = nlohmann::json::array();
  for (const T& item : page.items) items.push_back(view(item));
  return {{"items", std::move(items)},
          {"next", page.next ? nlohmann::json(*page.next) : nlohmann::json(nullptr)}};
}

// A handler for a tenant's own data: 401 without a valid tenant key, else `handler` with the
// tenant.
using TenantHandler = std::function<HttpResponse(const HttpRequest&, const Tenant&)>;
HttpHandler ForTenant(ApiContext& context, TenantHandler handler);

}  // namespace talky
