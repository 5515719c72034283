// What the REST API's handlers work with: the store (the record), the job queue, the clock, the id
// generator for new tenants and campaigns, the campaign service (start/pause/resume/cancel/stats)
// and the admin key that may create tenants. Everything is borrowed: the owner (src/app/) keeps
// each piece alive for as long as the router that holds the handlers. Handlers may run on many
// server threads at once; every piece they use is thread-safe.
#pragma once

#include <string>

#include "campaigns/campaign_service.h"
#include "domain/clock.h"
#include "queue/job_queue.h"
#include "store/id_generator.h"
#include "store/store.h"
#include "voice/call_session_store.h"

namespace talky {

struct ApiContext {
  Store& store;
  JobQueue& queue;
  const Clock& clock;
  IdGenerator& ids;
  CampaignService& campaigns;
  // POST /v1/tenants needs it as a bearer token; empty means tenants cannot be created over HTTP.
  std::string admin_key;
  // Live call sessions (GET /v1/calls/{id}/session); null: none are kept here.
  CallSessionStore* sessions = nullptr;
};

}  // namespace talky
