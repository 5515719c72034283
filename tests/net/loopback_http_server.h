// An HTTP/1.1 server on 127.0.0.1 (a free port) for tests of HTTP clients and for fakes of cloud
// services this machine cannot reach. Each request goes to a handler that returns the reply, or
// nullopt to never answer (the connection then stays open, silent, until the server stops).
//
// The handler runs on the server's own thread, one request at a time; Stop (or the destructor)
// joins that thread. Keep-alive is honoured, so a client may send many requests on one connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_client.h"

namespace talky::testing {

struct LoopbackRequest {
  std::string method;
  std::string target;  // path and query as received
  HttpHeaders headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const;
};

struct LoopbackReply {
  int status = 200;
  HttpHeaders headers;
  std::string body;
  bool close = false;  // close the connection after this reply, saying so (Connection: close)
  // Close it without saying so, as a server does whose keep-alive timer fires between requests.
  bool hang_up_after = false;
};

using LoopbackHandler = std::function<std::optional<LoopbackReply>(const LoopbackRequest&)>;

class LoopbackHttpServer {
 public:
  explicit LoopbackHttpServer(LoopbackHandler handler);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  uint16_t port() const;
  std::string BaseUrl() const;  // http://127.0.0.1:<port>
  int connections_accepted() const { return connections_accepted_.load(); }
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<int> connections_accepted_{0};
};

// A loopback port on which nothing listens (taken from the OS, then released).
uint16_t UnusedLoopbackPort();

}  // namespace talky::testing
