// The system of record: tenants, campaigns, leads, dialer jobs, calls and their provider events,
// Do-Not-Call numbers, conversation turns, call recordings and the embedded queues' log. Two
// backends behave the same (one conformance suite): SQLite, the embedded default, and PostgreSQL
// for many processes on many machines.
//
// Store is the sum of its roles, one interface per aggregate (tenant_store.h, campaign_store.h,
// job_store.h, call_store.h, do_not_call_store.h, conversation_store.h, recording_store.h,
// statistics_store.h, queue_log_store.h); a caller takes only the roles it uses. What every role
// promises:
// - Every method but ListOpenJobs, FindCallByProviderCallId, FindCall, the statistics over every
//   tenant and the queue log takes the tenant and touches only that tenant's rows: another tenant's
//   row is reported as not found.
// - Phone numbers are stored in E.164, normalised with the tenant's default region.
// - Bad input is an InvalidArgument error naming the field and changes nothing; a lost
//   compare-and-set is a Conflict; a database that cannot be reached is Unavailable.
// - Implementations are thread-safe: every method may be called from any thread at once (each
//   call borrows a connection from a pool). The Store owns its connections.
#pragma once

#include "store/call_store.h"
#include "store/campaign_store.h"
#include "store/conversation_store.h"
#include "store/do_not_call_store.h"
#include "store/job_store.h"
#include "store/queue_log_store.h"
#include "store/recording_store.h"
#include "store/statistics_store.h"
#include "store/tenant_store.h"

namespace talky {

class Store : public TenantStore,
              public CampaignStore,
              public JobStore,
              public CallStore,
              public DoNotCallStore,
              public ConversationStore,
              public RecordingStore,
              public StatisticsStore,
              public QueueLogStore {};

}  // namespace talky
