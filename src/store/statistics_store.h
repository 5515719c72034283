// Counts for campaign stats, /metrics and the embedded queue's sizes.
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). A caller takes the roles it uses; SqlStore provides them all.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/ids.h"

namespace talky {

// Counts over a tenant's campaign (or a tenant, or everything): what campaign stats and the
// metrics show. Every JobStatus name is present in jobs_by_status, 0 included.
struct StoreTally {
  std::map<std::string, int64_t> jobs_by_status;
  std::map<std::string, int64_t> calls_by_outcome;  // ended calls, by outcome name
  std::map<int, int64_t> leads_by_attempts;         // call attempts made -> how many leads
  std::map<std::string, int64_t> skips_by_reason;   // every deferral ever recorded, by reason
  int64_t calls_total = 0;
  int64_t calls_in_progress = 0;  // calls without an outcome yet
};

// Jobs by where a queue would hold them, from the jobs' statuses: what every process sharing the
// database can agree on.
struct QueuedJobCounts {
  struct Waiting {
    TenantId tenant_id;
    int priority = 0;
    int64_t jobs = 0;
  };
  std::vector<Waiting> pending;  // by tenant and priority
  int64_t scheduled = 0;         // retry_scheduled and skipped
  int64_t processing = 0;
};

class StatisticsStore {
 public:
  virtual ~StatisticsStore() = default;

  // Counts for one campaign (tenant and campaign given), one tenant (campaign empty) or every
  // tenant (both empty; for metrics). A campaign without a tenant is InvalidArgument.
  virtual Expected<StoreTally> Tally(const std::optional<TenantId>& tenant,
                                     const std::optional<CampaignId>& campaign) = 0;
  // Every tenant's open jobs counted as a queue holds them (for the embedded queue's stats).
  virtual Expected<QueuedJobCounts> CountQueuedJobs() = 0;
};

}  // namespace talky
