// Where an http(s) or ws(s) URL points, split the way a connection needs it; shared by the
// synchronous client (http_client.h), the streaming one (http_stream.h) and the WebSocket client
// (websocket_client.h).
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct HttpEndpoint {
  bool tls = false;
  bool websocket = false;  // ws:// or wss://: only how Origin() names it
  std::string host;        // a name, or an address (IPv6 without brackets)
  std::string port;        // "443" or "80" when the URL names none
  std::string target;      // path and query, as sent on the request line

  std::string Origin() const;      // https://host:port (wss://host:port)
  std::string HostHeader() const;  // host[:port], the port only when not the scheme's default
};

// InvalidArgument (field `url`) for anything but an absolute http(s) URL with a host and no
// credentials.
Expected<HttpEndpoint> ParseHttpEndpoint(std::string_view url);

// The same for an absolute ws(s) URL.
Expected<HttpEndpoint> ParseWebSocketEndpoint(std::string_view url);

}  // namespace talky
