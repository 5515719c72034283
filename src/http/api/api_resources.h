// The REST API's resources, each adding its routes to the router (one file per resource). Used by
// AddApiRoutes (api_routes.h), which is what the server and the tests call.
#pragma once

#include "http/api/api_context.h"
#include "http/router.h"

namespace talky {

void AddTenantRoutes(Router& router, ApiContext& context);        // api_tenants.cpp
void AddCallingRulesRoutes(Router& router, ApiContext& context);  // api_calling_rules.cpp
void AddCampaignRoutes(Router& router, ApiContext& context);      // api_campaigns.cpp
void AddLeadRoutes(Router& router, ApiContext& context);          // api_leads.cpp
void AddJobRoutes(Router& router, ApiContext& context);           // api_jobs.cpp
void AddCallRoutes(Router& router, ApiContext& context);          // api_calls.cpp
void AddDoNotCallRoutes(Router& router, ApiContext& context);     // api_dnc.cpp
void AddQueueStatsRoutes(Router& router, ApiContext& context);    // api_queue_stats.cpp
void AddSessionRoutes(Router& router, ApiContext& context);       // api_session.cpp

}  // namespace talky
