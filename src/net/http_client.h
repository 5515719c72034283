// A small synchronous HTTP/1.1 client for the providers we call (Vonage today; Deepgram, Groq and
// Cartesia later): http:// and https:// URLs, TLS verified against the system's certificate store,
// bounded connect and request times, a limit on the response body, and keep-alive reuse of idle
// connections per scheme, host and port.
//
// Boost.Beast stays in http_client.cpp (pimpl), so including this header is cheap.
// Thread-safe: any number of threads may call Send at once; each request runs on a connection of
// its own (taken from the idle pool or opened), and goes back to the pool when the server keeps it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/error.h"

namespace talky {

// Header names compare case-insensitively; order is kept as sent or received.
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // absolute: http://host[:port]/path?query or https://...
  HttpHeaders headers;
  std::string body;  // sent with Content-Length when not empty or when the method is POST/PUT
};

struct HttpClientResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string> Header(std::string_view name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};   // name resolution, TCP connect, TLS handshake
  std::chrono::milliseconds request_timeout{15'000};  // writing the request and reading the answer
  size_t max_response_body_bytes = 8 * 1024 * 1024;
  size_t max_idle_connections_per_host = 4;
  // PEM certificates trusted in addition to the system store (a test's own CA, a private CA).
  std::string extra_ca_pem;
};

class HttpClient {
 public:
  // Throws std::runtime_error when TLS cannot be set up (no usable certificate store, a bad
  // extra_ca_pem): a start-up mistake.
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole response, whatever its status. Errors:
  // kInvalidArgument for a URL we cannot use; kUnavailable when the server cannot be reached, the
  // TLS certificate does not verify, a timeout expires, the response is not valid HTTP or its body
  // is larger than max_response_body_bytes. The message names the host and what failed.
  Expected<HttpClientResponse> Send(const HttpClientRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
