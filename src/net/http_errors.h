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

}  // namespace talky
