#include "app/talky_server.h"

#include "http/operational_routes.h"

namespace talky {

TalkyServer::TalkyServer(Store& store, JobQueue& queue, Clock& clock, TalkyServerOptions options)
    : store_(store),
      queue_(queue),
      clock_(clock),
      options_(std::move(options)),
      server_(router_, metrics_, options_.http) {
  AddOperationalRoutes(router_, metrics_, queue_, store_);
  AddApplicationRoutes();
}

void TalkyServer::AddApplicationRoutes() {
  // >>> API routes (src/http/api/, with options_.admin_key, store_, queue_, clock_) and the Vonage
  // webhook routes (/webhooks/vonage/...) are added to router_ here by the coordinator. <<<
  (void)clock_;
}

Expected<int> TalkyServer::Start() { return server_.Start(); }

void TalkyServer::Stop() { server_.Stop(); }

}  // namespace talky
