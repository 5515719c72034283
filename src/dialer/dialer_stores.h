// The store roles the dialer uses (store/store.h): the worker, the completion of an attempt and
// the webhook intake read and write tenants, campaigns and leads, jobs, calls and the Do-Not-Call
// list, nothing else. A Store provides them all; a test may give any object that has them.
#pragma once

#include <concepts>

#include "store/call_store.h"
#include "store/campaign_store.h"
#include "store/do_not_call_store.h"
#include "store/job_store.h"
#include "store/tenant_store.h"

namespace talky {

struct DialerStores {
  template <typename AllRoles>
  requires std::derived_from<AllRoles, TenantStore> && std::derived_from<AllRoles, CampaignStore> &&
      std::derived_from<AllRoles, JobStore> && std::derived_from<AllRoles, CallStore> &&
      std::derived_from<AllRoles, DoNotCallStore>
      DialerStores(AllRoles& store)  // implicit: a Store is the dialer's stores
      : tenants(store), campaigns(store), jobs(store), calls(store), do_not_call(store) {}

  TenantStore& tenants;
  CampaignStore& campaigns;
  JobStore& jobs;
  CallStore& calls;
  DoNotCallStore& do_not_call;
};

}  // namespace talky
