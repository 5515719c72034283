// The REST API (/v1/...): tenants, calling rules, campaigns and their leads, jobs, calls, the
// Do-Not-Call list and the tenant's view of the queue. Handlers are plain functions on
// HttpRequest/HttpResponse, so tests drive them through Router::Handle without a socket.
// docs/openapi.yaml describes every route added here (a unit test keeps the two equal).
//
// Every /v1 request but POST /v1/tenants (admin key) carries "Authorization: Bearer <tenant key>"
// and sees only its own tenant: another tenant's id answers 404. Errors are JSON
// ({"error": {"code", "message", "fields"}}): 400 names every bad field, 401 without a valid key,
// 404, 409 for a state clash, 415 for a wrong Content-Type; no error writes anything.
//
// `context` is borrowed and must outlive the router. The handlers are thread-safe.
#pragma once

#include "http/api/api_context.h"
#include "http/router.h"

namespace talky {

void AddApiRoutes(Router& router, ApiContext& context);

}  // namespace talky
