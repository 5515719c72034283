#include "http/api/api_routes.h"

#include "http/api/api_resources.h"

namespace talky {

void AddApiRoutes(Router& router, ApiContext& context) {
  AddTenantRoutes(router, context);
  AddCallingRulesRoutes(router, context);
  AddCampaignRoutes(router, context);
  AddLeadRoutes(router, context);
  AddJobRoutes(router, context);
  AddCallRoutes(router, context);
  AddDoNotCallRoutes(router, context);
  AddQueueStatsRoutes(router, context);
  AddSessionRoutes(router, context);
}

}  // namespace talky
