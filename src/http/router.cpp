#include "http/router.h"

#include <ranges>

namespace talky {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  for (auto part : std::views::split(path, '/')) {
    if (!part.empty()) segments.emplace_back(part.begin(), part.end());
  }
  return segments;
}

}  // namespace

bool MatchesPattern(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>& params) {
  std::vector<std::string_view> want = Segments(pattern);
  std::vector<std::string_view> have = Segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with('{') && want[i].ends_with('}')) {
      found[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(have[i]);
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

void Router::Add(std::string method, std::string pattern, HttpHandler handler) {
  for (Route& route : routes_) {
    if (route.method == method && route.pattern == pattern) {
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler)});
}

const Route* Router::Find(const HttpRequest& request, bool& path_known,
                          std::map<std::string, std::string>& params) const {
  path_known = false;
  for (const Route& route : routes_) {
    std::map<std::string, std::string> found;
    if (!MatchesPattern(route.pattern, request.path, found)) continue;
    path_known = true;
    if (route.method == request.method) {
      params = std::move(found);
      return &route;
    }
  }
  return nullptr;
}

std::string Router::PatternOf(const HttpRequest& request) const {
  bool path_known = false;
  std::map<std::string, std::string> params;
  const Route* route = Find(request, path_known, params);
  return route ? route->pattern : std::string{};
}

HttpResponse Router::Handle(HttpRequest request) const {
  bool path_known = false;
  const Route* route = Find(request, path_known, request.path_params);
  if (route) return route->handler(request);
  if (path_known) {
    return ErrorResponse(
        Error{.code = ErrorCode::kInvalidArgument,
              .message = "method " + request.method + " is not allowed on " + request.path},
        405);
  }
  return ErrorResponse(Error::NotFound("no such endpoint: " + request.method + " " + request.path));
}

}  // namespace talky
