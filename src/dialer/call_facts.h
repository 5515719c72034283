// What the calling rules decide a call on, read from the store: the tenant's and campaign's policy,
// the lead, whether the number is on the Do-Not-Call list, and the calls placed to it in the last
// 24 hours. The dialer worker reads them before every call (a failed read defers the job:
// compliance fails closed); the API's lead explanation reads the same, so what it says is what the
// worker would decide.
#pragma once

#include "dialer/dialer_stores.h"
#include "domain/campaign.h"
#include "domain/dialer_job.h"
#include "domain/lead.h"
#include "domain/tenant.h"
#include "scheduling/call_permission.h"

namespace talky {

TenantCallingPolicy CallingPolicyOf(const Tenant& tenant, const Campaign& campaign);

struct CallFacts {
  Lead lead;
  CallHistory history;
};

// Any store error is returned as it is: no decision may be made without every fact.
Expected<CallFacts> ReadCallFacts(DialerStores stores, const DialerJob& job, Instant now);

}  // namespace talky
