// The HTTP/1.1 server behind `talky serve` (and later `talky run`): Boost.Beast on Asio, keep-alive
// connections, a body limit, timeouts for slow clients, and a Router that decides what to answer.
//
// Each request is read in full, converted to a talky::HttpRequest (header names in lower case,
// path and query percent-decoded) and run through Router::Handle on one of the server's threads.
// Handlers may block (store calls), which is why there are several threads. The server answers
// with JSON errors itself where no handler can: 400 for malformed HTTP or a bad target, 408 when a
// client takes longer than request_timeout to send a request it has begun, 413 when the body is
// larger than body_limit (the handler never runs), 431 for oversize headers, 500 when a handler
// throws (logged; the server goes on). A connection idle for idle_timeout between requests is
// closed without a word.
//
// Every request counts in talky_http_requests_total{method,route,status} and
// talky_http_request_duration_seconds{method,route}, where route is the Router's pattern (so ids
// do not make a label each) or "unmatched"; talky_http_connections_open counts open connections.
//
// A WebSocket upgrade on a path given to RouteWebSocket leaves the server for that endpoint (it
// counts as status 101); on other paths it is an ordinary request. So does a GET on a path given
// to RouteStream (it counts as status 200).
//
// The Router and the Metrics must outlive the server, and the router must not change once Start
// was called. Start and Stop may be called from any thread but a handler's; the destructor stops.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "domain/error.h"
#include "http/connection_endpoint.h"
#include "http/metrics.h"
#include "http/router.h"

namespace talky {

// Handlers block on the store, and a webhook waits for the commit of the group that holds its
// event (GroupCommit): the more requests wait together, the fewer commits. So the default is well
// above the cores: max(16, 4 x cores).
int DefaultServerThreads();

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;     // 0: any free port; Start returns the one bound
  int threads = 0;  // 0: DefaultServerThreads()
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  // From a request's first byte until it is read in full; also bounds writing the answer.
  std::chrono::milliseconds request_timeout{10'000};
  // How long a kept-alive connection (or a new one) may wait for its next request's first byte.
  std::chrono::milliseconds idle_timeout{30'000};
  // How long Stop lets requests in progress finish before it closes their connections.
  std::chrono::milliseconds stop_grace{5'000};
};

class HttpServer {
 public:
  HttpServer(const Router& router, Metrics& metrics, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Hands GET requests for `path` that ask for a WebSocket upgrade to `endpoint` (which must
  // outlive the server). Before Start only.
  void RouteWebSocket(std::string path, ConnectionEndpoint& endpoint);
  // Hands other GET requests whose path matches `pattern` (a Router pattern, "{id}" segments
  // allowed) to `endpoint`: responses that go on, such as an event stream. Before Start only.
  void RouteStream(std::string pattern, ConnectionEndpoint& endpoint);

  // Binds, listens and starts the threads. Returns the bound port; kUnavailable naming the address
  // when it cannot listen there (a port already taken), kInvalidArgument for an address that is
  // not an IP address, kConflict when already started.
  Expected<int> Start();

  // Stops accepting, closes idle connections, lets requests in progress finish (up to
  // stop_grace), then closes the rest and joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace talky
