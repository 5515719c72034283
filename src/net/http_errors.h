// How our HTTP clients word what went wrong: "<what> <origin>: <cause>", durations in ms.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "net/http_endpoint.h"

namespace talky {

inline std::string Millis(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

// Unavailable: the network or the peer failed us; trying again may help.
inline Error TransportError(const HttpEndpoint& endpoint, std::string_view what,
                            const boost::system::error_code& ec) {
  return Error::Unavailable(std::string(what) + " " + endpoint.Origin() + ": " + ec.message());
}

// A failed answer (`status`, with what its body said) as an error whose code says whether trying
// again may help: 401 Unauthenticated, 403 PermissionDenied, 429 and 5xx Unavailable, another
// status InvalidArgument.
inline Error HttpStatusError(const HttpEndpoint& endpoint, int status, const std::string& body) {
  std::string message = endpoint.Origin() + " answered " + std::to_string(status);
  if (!body.empty()) message += ": " + body;
  if (status == 401) return Error{ErrorCode::kUnauthenticated, std::move(message), {}};
  if (status == 403) return Error{ErrorCode::kPermissionDenied, std::move(message), {}};
  if (status == 429 || status >= 500) return Error::Unavailable(std::move(message));
  return Error::InvalidArgument(std::move(message));
}

}  // namespace talky
