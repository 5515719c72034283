// Maps (method, path) to a handler. Routes are patterns whose segments are literal or "{name}";
// a "{name}" segment matches one non-empty path segment and lands in request.path_params["name"].
// An unknown path answers 404 and a known path with another method 405, both as JSON errors.
//
// Routes are added before the server starts; after that the router is read-only and Handle may be
// called from any thread at once. Handlers run on the server's threads and may block (store calls).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/http_message.h"

namespace talky {

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;   // "GET", "POST", "PUT", "DELETE"
  std::string pattern;  // e.g. "/v1/campaigns/{id}/start"
  HttpHandler handler;
};

// Whether `path` matches `pattern`; if so, `params` holds its "{name}" segments.
bool MatchesPattern(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>& params);

class Router {
 public:
  // A second route with the same method and pattern replaces the first.
  void Add(std::string method, std::string pattern, HttpHandler handler);

  // The pattern that `request` matches ("" when none), for metrics labels: a path with ids would
  // make one label per id.
  std::string PatternOf(const HttpRequest& request) const;

  // Fills request.path_params and runs the matching handler; 404 or 405 when none matches.
  HttpResponse Handle(HttpRequest request) const;

  const std::vector<Route>& Routes() const { return routes_; }

 private:
  const Route* Find(const HttpRequest& request, bool& path_known,
                    std::map<std::string, std::string>& params) const;

  std::vector<Route> routes_;
};

}  // namespace talky
