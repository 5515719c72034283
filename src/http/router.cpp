#include "http/router.h"

namespace talky {
namespace {

// The next non-empty segment of `rest`, consumed from it; empty when none is left.
std::string_view NextSegment(std::string_view& rest) {
  while (rest.starts_with('/')) rest.remove_prefix(1);
  std::string_view segment = rest.substr(0, rest.find('/'));
  rest.remove_prefix(segment.size());
  return segment;
}

// Walks pattern and path segment by segment, calling on_param(name, value) for each "{name}";
// false at the first difference. Allocates nothing: every request tries every route.
template <typename OnParam>
bool WalkPattern(std::string_view pattern, std::string_view path, OnParam on_param) {
  while (true) {
    std::string_view want = NextSegment(pattern);
    std::string_view have = NextSegment(path);
    if (want.empty() || have.empty()) return want.empty() && have.empty();
    if (want.starts_with('{') && want.ends_with('}')) {
      on_param(want.substr(1, want.size() - 2), have);
    } else if (want != have) {
      return false;
    }
  }
}

}  // namespace

bool MatchesPattern(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>& params) {
  if (!WalkPattern(pattern, path, [](std::string_view, std::string_view) {})) return false;
  std::map<std::string, std::string> found;
  WalkPattern(pattern, path, [&found](std::string_view name, std::string_view value) {
    found[std::string(name)] = std::string(value);
  });
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
