// The HTTP request and response as our handlers see them: plain data, free of Beast, so a handler
// is a plain function that a unit test calls without a socket. The server (http_server.h) converts
// to and from the wire; the router (router.h) fills in the path parameters.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/error.h"

namespace talky {

struct HttpRequest {
  std::string method;                              // upper case: "GET", "POST", ...
  std::string path;                                // percent-decoded, without the query
  std::string target;                              // as received: path and query, undecoded
  std::map<std::string, std::string> query;        // percent-decoded; a repeated key keeps the last
  std::map<std::string, std::string> path_params;  // "{id}" in the route -> "id"
  std::map<std::string, std::string> headers;      // names in lower case
  std::string body;

  // The header's value, or "" when absent. `name` in lower case.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// The status code that answers an error of this kind (kInvalidArgument -> 400, kNotFound -> 404,
// kConflict -> 409, kUnavailable -> 503, kPermissionDenied -> 403, kUnauthenticated -> 401,
// kInternal -> 500).
int HttpStatusFor(ErrorCode code);

HttpResponse JsonResponse(int status, const nlohmann::json& body);

// {"error": {"code": "invalid_argument", "message": ..., "fields": [{"field": ..., "message":
// ...}]}} with HttpStatusFor(error.code), or `status` when given.
HttpResponse ErrorResponse(const Error& error, int status = 0);

}  // namespace talky
