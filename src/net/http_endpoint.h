// Where an http(s) URL points, split the way a connection needs it; shared by the synchronous
// client (http_client.h) and the streaming one (http_stream.h).
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct HttpEndpoint {
  bool tls = false;
  std::string host;    // a name, or an address (IPv6 without brackets)
  std::string port;    // "443" or "80" when the URL names none
  std::string target;  // path and query, as sent on the request line

  std::string Origin() const;      // https://host:port
  std::string HostHeader() const;  // host[:port], the port only when not the scheme's default
};

// InvalidArgument (field `url`) for anything but an absolute http(s) URL with a host and no
// credentials.
Expected<HttpEndpoint> ParseHttpEndpoint(std::string_view url);

}  // namespace talky
