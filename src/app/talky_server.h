// The HTTP side of Talky assembled from its backends: a Router with every route, the Metrics
// registry, and the HttpServer that serves them. `talky serve` builds one around the store and
// queue it opened; `talky run` builds one beside its workers.
//
// The store, the queue and the clock are borrowed and must outlive the TalkyServer. Routes are
// added in the constructor; Start and Stop may be called from any thread (not from a handler).
#pragma once

#include <string>

#include "domain/clock.h"
#include "domain/error.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "http/router.h"
#include "queue/job_queue.h"
#include "store/store.h"

namespace talky {

struct TalkyServerOptions {
  HttpServerOptions http;
  std::string admin_key;  // creates tenants (POST /v1/tenants); never empty in `talky serve`
};

class TalkyServer {
 public:
  TalkyServer(Store& store, JobQueue& queue, Clock& clock, TalkyServerOptions options);
  TalkyServer(const TalkyServer&) = delete;
  TalkyServer& operator=(const TalkyServer&) = delete;

  // The bound port (see HttpServer::Start for the errors).
  Expected<int> Start();
  void Stop();

  Metrics& metrics() { return metrics_; }
  const Router& router() const { return router_; }

 private:
  // >>> The coordinator adds the /v1 API routes and the /webhooks routes here. <<<
  void AddApplicationRoutes();

  Store& store_;
  JobQueue& queue_;
  Clock& clock_;
  TalkyServerOptions options_;
  Metrics metrics_;
  Router router_;
  HttpServer server_;  // last: built once the router is complete, stopped first
};

}  // namespace talky
