// The JobQueue conformance suite: one typed suite that every backend passes. A backend's test
// binary includes this header once and instantiates the suite with a factory:
//
//   struct Factory {
//     // A handle on the queue under test. Handles opened in one test share one queue's state
//     // (for Redis: separate clients on the same keys, as separate processes would be).
//     std::shared_ptr<JobQueue> Open(const Clock& clock);
//   };
//
// Spec document 000 §7.1's queue tests appear under their own names (EnqueueJob ...); the others
// are the behaviours of issue 3, numbered as there.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "domain/clock.h"
#include "queue/job_queue.h"

namespace talky::testing {

using namespace std::chrono_literals;

inline const Instant kStart = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21};

inline DialerJob MakeJob(const std::string& id, const std::string& tenant,
                         const std::string& campaign = "campaign-1", int priority = 5) {
  DialerJob job;
  job.job_id = JobId{id};
  job.tenant_id = TenantId{tenant};
  job.campaign_id = CampaignId{campaign};
  job.lead_id = LeadId{"lead-" + id};
  job.phone_number = "+14155550100";
  job.priority = priority;
  job.created_at = kStart;
  job.scheduled_at = kStart;
  return job;
}

template <typename Factory>
class JobQueueConformance : public ::testing::Test {
 protected:
  std::shared_ptr<JobQueue> Open(const Clock& clock) { return factory_.Open(clock); }

  JobQueue& queue() {
    if (!queue_) queue_ = Open(clock_);
    return *queue_;
  }

  // Takes one job and expects there is one.
  TakenJob TakeOne(JobQueue& from, std::chrono::milliseconds lease = kDefaultLease) {
    Expected<std::optional<TakenJob>> taken = from.Take(lease);
    EXPECT_TRUE(taken.has_value()) << (taken ? "" : taken.error().Describe());
    if (!taken || !taken->has_value()) {
      ADD_FAILURE() << "expected a job to take";
      return {};
    }
    return **taken;
  }
  TakenJob TakeOne() { return TakeOne(queue()); }

  bool NothingToTake(JobQueue& from) {
    Expected<std::optional<TakenJob>> taken = from.Take(kDefaultLease);
    EXPECT_TRUE(taken.has_value()) << (taken ? "" : taken.error().Describe());
    return taken && !taken->has_value();
  }
  bool NothingToTake() { return NothingToTake(queue()); }

  talky::QueueStats StatsNow() {
    Expected<talky::QueueStats> stats = queue().Stats();
    EXPECT_TRUE(stats.has_value()) << (stats ? "" : stats.error().Describe());
    return stats.value_or(talky::QueueStats{});
  }

  void EnqueueOk(const std::vector<DialerJob>& jobs) {
    Expected<std::size_t> added = queue().Enqueue(jobs);
    ASSERT_TRUE(added.has_value()) << added.error().Describe();
    ASSERT_EQ(*added, jobs.size());
  }

  void Unlimited(const std::vector<std::string>& tenants,
                 const std::vector<std::string>& campaigns) {
    for (const std::string& tenant : tenants) {
      ASSERT_TRUE(queue().SetTenantLimits(TenantId{tenant}, {.max_concurrent_calls = 100000}));
    }
    for (const std::string& campaign : campaigns) {
      ASSERT_TRUE(queue().SetCampaignLimit(CampaignId{campaign}, 100000));
    }
  }

  ManualClock clock_{kStart};
  Factory factory_;
  std::shared_ptr<JobQueue> queue_;
};

TYPED_TEST_SUITE_P(JobQueueConformance);

// --- The specification's queue tests (document 000 §7.1) ---

TYPED_TEST_P(JobQueueConformance, EnqueueJob) {
  DialerJob job = MakeJob("job-1", "tenant-a");
  job.last_error = "earlier error";
  Expected<std::size_t> added = this->queue().Enqueue(job);
  ASSERT_TRUE(added) << added.error().Describe();
  EXPECT_EQ(*added, 1u);
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.total_enqueued, 1);
  EXPECT_EQ(stats.priority_queue_size, 0);
  EXPECT_EQ(stats.tenant_queue_sizes,
            (std::map<TenantId, std::int64_t>{{TenantId{"tenant-a"}, 1}}));

  TakenJob taken = this->TakeOne();
  DialerJob expected = job;
  expected.status = JobStatus::kProcessing;
  EXPECT_EQ(taken.job, expected);
  EXPECT_EQ(taken.lease.job_id, job.job_id);
  EXPECT_EQ(taken.lease.expires_at, kStart + kDefaultLease);
}

TYPED_TEST_P(JobQueueConformance, EnqueueHighPriorityJob) {
  this->EnqueueOk({MakeJob("urgent", "tenant-a", "campaign-1", 8),
                   MakeJob("normal", "tenant-a", "campaign-1", 7)});
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.priority_queue_size, 1);
  EXPECT_EQ(stats.tenant_queue_sizes[TenantId{"tenant-a"}], 1);
}

TYPED_TEST_P(JobQueueConformance, DequeuePriorityFirst) {
  this->EnqueueOk({MakeJob("normal", "tenant-a", "campaign-1", 7)});
  this->EnqueueOk({MakeJob("urgent", "tenant-b", "campaign-2", 9)});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"urgent"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"normal"});
  EXPECT_TRUE(this->NothingToTake());
}

TYPED_TEST_P(JobQueueConformance, DequeueTenantQueue) {
  this->EnqueueOk(
      {MakeJob("first", "tenant-a"), MakeJob("second", "tenant-a"), MakeJob("third", "tenant-a")});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"first"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"second"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"third"});
  EXPECT_TRUE(this->NothingToTake());
  EXPECT_TRUE(this->StatsNow().tenant_queue_sizes.empty());
}

TYPED_TEST_P(JobQueueConformance, ScheduleRetry) {
  this->EnqueueOk({MakeJob("job-1", "tenant-a")});
  TakenJob taken = this->TakeOne();
  DialerJob retry = taken.job;
  retry.attempt_number = 2;
  retry.status = JobStatus::kRetryScheduled;
  retry.last_outcome = CallOutcome::kBusy;
  retry.scheduled_at = kStart + 2h;
  ASSERT_TRUE(this->queue().ScheduleRetry(taken.lease, retry, kStart + 2h));

  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.scheduled_size, 1);
  EXPECT_EQ(stats.processing_size, 0);
  EXPECT_EQ(stats.total_retried, 1);
  EXPECT_TRUE(this->NothingToTake()) << "a scheduled job is not handed out before it is due";
  // The lease ended with the retry: the old worker can no longer finish the job.
  EXPECT_EQ(this->queue().Finish(taken.lease, FinishOutcome::kCompleted).error().code,
            ErrorCode::kConflict);
}

TYPED_TEST_P(JobQueueConformance, ProcessScheduledJobs) {
  this->EnqueueOk({MakeJob("job-1", "tenant-a")});
  TakenJob taken = this->TakeOne();
  DialerJob retry = taken.job;
  retry.attempt_number = 2;
  retry.status = JobStatus::kRetryScheduled;
  retry.last_outcome = CallOutcome::kNoAnswer;
  ASSERT_TRUE(this->queue().ScheduleRetry(taken.lease, retry, kStart + 2h));

  this->clock_.Advance(2h - 1s);
  EXPECT_EQ(this->queue().PromoteDue().value_or(99), 0u);
  this->clock_.Advance(1s);
  EXPECT_EQ(this->queue().PromoteDue().value_or(99), 1u);
  EXPECT_EQ(this->queue().PromoteDue().value_or(99), 0u) << "promotion happens once";

  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.scheduled_size, 0);
  EXPECT_EQ(stats.tenant_queue_sizes[TenantId{"tenant-a"}], 1);
  TakenJob again = this->TakeOne();
  EXPECT_EQ(again.job.attempt_number, 2) << "the stored body is the retry's";
  EXPECT_EQ(again.job.last_outcome, CallOutcome::kNoAnswer);
}

TYPED_TEST_P(JobQueueConformance, QueueStats) {
  this->Unlimited({"tenant-a", "tenant-b"}, {"campaign-1"});
  this->EnqueueOk({MakeJob("a1", "tenant-a"), MakeJob("a2", "tenant-a"), MakeJob("a3", "tenant-a"),
                   MakeJob("b1", "tenant-b"), MakeJob("b2", "tenant-b"),
                   MakeJob("u1", "tenant-b", "campaign-1", 10)});
  TakenJob urgent = this->TakeOne();  // u1
  TakenJob a1 = this->TakeOne();
  TakenJob b1 = this->TakeOne();
  TakenJob a2 = this->TakeOne();
  ASSERT_TRUE(this->queue().Finish(urgent.lease, FinishOutcome::kCompleted));
  ASSERT_TRUE(this->queue().Finish(a1.lease, FinishOutcome::kFailed));
  ASSERT_TRUE(this->queue().ScheduleRetry(b1.lease, b1.job, kStart + 1h));
  this->clock_.Advance(kDefaultLease + 1s);
  ASSERT_EQ(this->queue().RecoverExpired().value_or(0), 1u);  // a2

  talky::QueueStats expected;
  expected.total_enqueued = 6;
  expected.total_completed = 1;
  expected.total_failed = 1;
  expected.total_retried = 1;
  expected.total_recovered = 1;
  expected.priority_queue_size = 0;
  expected.tenant_queue_sizes = {{TenantId{"tenant-a"}, 2}, {TenantId{"tenant-b"}, 1}};
  expected.scheduled_size = 1;
  expected.processing_size = 0;
  EXPECT_EQ(this->StatsNow(), expected);
}

// --- 1. Priority routing and order ---

TYPED_TEST_P(JobQueueConformance, PriorityThresholdIsPerTenant) {
  ASSERT_TRUE(this->queue().SetTenantLimits(
      TenantId{"eager"}, {.max_concurrent_calls = 10, .high_priority_threshold = 5}));
  this->EnqueueOk({MakeJob("eager-5", "eager", "c-eager", 5),
                   MakeJob("default-7", "plain", "c-plain", 7),
                   MakeJob("default-8", "plain", "c-plain", 8)});
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.priority_queue_size, 2);
  EXPECT_EQ(stats.tenant_queue_sizes[TenantId{"plain"}], 1);
  EXPECT_FALSE(stats.tenant_queue_sizes.contains(TenantId{"eager"}));
}

TYPED_TEST_P(JobQueueConformance, HigherPriorityFirstThenOldestNeverLifo) {
  this->Unlimited({"tenant-a"}, {"campaign-1"});
  // Lane (>= 8) and tenant queue (< 8), each filled in an order that LIFO would reverse.
  this->EnqueueOk({MakeJob("lane-8-old", "tenant-a", "campaign-1", 8),
                   MakeJob("lane-9", "tenant-a", "campaign-1", 9),
                   MakeJob("lane-8-new", "tenant-a", "campaign-1", 8),
                   MakeJob("lane-10", "tenant-a", "campaign-1", 10),
                   MakeJob("q-3-old", "tenant-a", "campaign-1", 3),
                   MakeJob("q-6", "tenant-a", "campaign-1", 6)});
  this->EnqueueOk({MakeJob("q-3-new", "tenant-a", "campaign-1", 3)});
  std::vector<std::string> order;
  for (int i = 0; i < 7; ++i) order.push_back(this->TakeOne().job.job_id.value);
  EXPECT_EQ(order, (std::vector<std::string>{"lane-10", "lane-9", "lane-8-old", "lane-8-new", "q-6",
                                             "q-3-old", "q-3-new"}));
}

// --- 2. Tenant fairness ---

TYPED_TEST_P(JobQueueConformance, SmallTenantIsServedWithinTwentyTakes) {
  std::vector<DialerJob> jobs;
  for (int i = 0; i < 10000; ++i) jobs.push_back(MakeJob("a-" + std::to_string(i), "tenant-a"));
  this->EnqueueOk(jobs);
  jobs.clear();
  for (int i = 0; i < 10; ++i) jobs.push_back(MakeJob("b-" + std::to_string(i), "tenant-b", "c-b"));
  this->EnqueueOk(jobs);

  int b_taken = 0;
  for (int take = 0; take < 20; ++take) {
    TakenJob taken = this->TakeOne();
    if (taken.job.tenant_id == TenantId{"tenant-b"}) ++b_taken;
    ASSERT_TRUE(this->queue().Finish(taken.lease, FinishOutcome::kCompleted));
  }
  EXPECT_EQ(b_taken, 10);
}

TYPED_TEST_P(JobQueueConformance, TakesRotateAcrossTenants) {
  this->EnqueueOk({MakeJob("a1", "a", "ca"), MakeJob("a2", "a", "ca"), MakeJob("a3", "a", "ca")});
  this->EnqueueOk({MakeJob("b1", "b", "cb"), MakeJob("b2", "b", "cb")});
  this->EnqueueOk({MakeJob("c1", "c", "cc")});
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) order.push_back(this->TakeOne().job.job_id.value);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "b1", "c1", "a2", "b2", "a3"}));
}

TYPED_TEST_P(JobQueueConformance, TenantWithoutFreeSlotIsSkippedNotWaitedOn) {
  ASSERT_TRUE(this->queue().SetTenantLimits(TenantId{"a"}, {.max_concurrent_calls = 1}));
  this->EnqueueOk({MakeJob("a1", "a", "ca"), MakeJob("a2", "a", "ca")});
  this->EnqueueOk({MakeJob("b1", "b", "cb"), MakeJob("b2", "b", "cb")});
  TakenJob a1 = this->TakeOne();
  EXPECT_EQ(a1.job.job_id, JobId{"a1"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"b1"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"b2"});
  EXPECT_TRUE(this->NothingToTake()) << "a2 waits for tenant a's slot";
  ASSERT_TRUE(this->queue().Finish(a1.lease, FinishOutcome::kCompleted));
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"a2"});
}

TYPED_TEST_P(JobQueueConformance, TakeBatchChoosesAsConsecutiveTakesWould) {
  ASSERT_TRUE(this->queue().SetCampaignLimit(CampaignId{"cb"}, 1));
  this->EnqueueOk({MakeJob("a1", "a", "ca"), MakeJob("a2", "a", "ca"), MakeJob("a3", "a", "ca")});
  this->EnqueueOk({MakeJob("b1", "b", "cb"), MakeJob("b2", "b", "cb")});
  this->EnqueueOk({MakeJob("c1", "c", "cc"), MakeJob("urgent", "c", "cc", 9)});
  Expected<std::vector<TakenJob>> batch = this->queue().TakeBatch(4, kDefaultLease);
  ASSERT_TRUE(batch) << batch.error().Describe();
  std::vector<std::string> order;
  for (const TakenJob& taken : *batch) order.push_back(taken.job.job_id.value);
  EXPECT_EQ(order, (std::vector<std::string>{"urgent", "a1", "b1", "c1"}));
  batch = this->queue().TakeBatch(10, kDefaultLease);
  ASSERT_TRUE(batch);
  order.clear();
  for (const TakenJob& taken : *batch) order.push_back(taken.job.job_id.value);
  EXPECT_EQ(order, (std::vector<std::string>{"a2", "a3"})) << "b2 waits for campaign cb's slot";
  EXPECT_EQ(this->queue().TakeBatch(0, kDefaultLease).error().fields[0].field, "max_jobs");
}

TYPED_TEST_P(JobQueueConformance, FinishBatchRefusesLeasesNoLongerHeld) {
  this->Unlimited({"t"}, {"campaign-1"});
  this->EnqueueOk({MakeJob("j1", "t"), MakeJob("j2", "t"), MakeJob("j3", "t")});
  Expected<std::vector<TakenJob>> batch = this->queue().TakeBatch(3, kDefaultLease);
  ASSERT_TRUE(batch && batch->size() == 3u);
  ASSERT_TRUE(this->queue().Finish((*batch)[1].lease, FinishOutcome::kCompleted));
  std::vector<Lease> leases;
  for (const TakenJob& taken : *batch) leases.push_back(taken.lease);
  Expected<std::vector<JobId>> refused = this->queue().FinishBatch(leases, FinishOutcome::kFailed);
  ASSERT_TRUE(refused) << refused.error().Describe();
  EXPECT_EQ(*refused, (std::vector<JobId>{JobId{"j2"}}));
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.total_completed, 1);
  EXPECT_EQ(stats.total_failed, 2);
  EXPECT_EQ(stats.processing_size, 0);
}

// --- 3. Concurrency caps ---

TYPED_TEST_P(JobQueueConformance, CampaignCapHoldsAcrossQueueHandles) {
  ASSERT_TRUE(this->queue().SetCampaignLimit(CampaignId{"capped"}, 2));
  std::vector<DialerJob> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(MakeJob("c" + std::to_string(i), "t", "capped"));
  jobs.push_back(MakeJob("free", "t", "other"));
  this->EnqueueOk(jobs);
  std::shared_ptr<JobQueue> second = this->Open(this->clock_);  // another worker process
  TakenJob first = this->TakeOne(this->queue());
  TakenJob other = this->TakeOne(*second);
  TakenJob third = this->TakeOne(*second);
  std::set<std::string> ids{first.job.job_id.value, other.job.job_id.value, third.job.job_id.value};
  EXPECT_TRUE(ids.contains("free"));
  EXPECT_TRUE(this->NothingToTake(this->queue()));
  EXPECT_TRUE(this->NothingToTake(*second));
  ASSERT_TRUE(second->Finish(first.lease, FinishOutcome::kCompleted));
  EXPECT_EQ(this->TakeOne(*second).job.campaign_id, CampaignId{"capped"});
}

TYPED_TEST_P(JobQueueConformance, TenantCapCountsEveryCampaign) {
  ASSERT_TRUE(this->queue().SetTenantLimits(TenantId{"t"}, {.max_concurrent_calls = 2}));
  this->EnqueueOk({MakeJob("x1", "t", "x"), MakeJob("y1", "t", "y"), MakeJob("z1", "t", "z")});
  this->TakeOne();
  this->TakeOne();
  this->EnqueueOk({MakeJob("urgent", "t", "z", 10)});
  EXPECT_TRUE(this->NothingToTake()) << "not even the priority lane passes a full tenant";
}

// --- 4. Atomic take ---

TYPED_TEST_P(JobQueueConformance, TwoHundredTakersTakeEveryJobExactlyOnce) {
  constexpr int kJobs = 10000;
  constexpr int kTakers = 200;
  std::vector<std::string> tenants, campaigns;
  std::vector<DialerJob> jobs;
  for (int i = 0; i < kJobs; ++i) {
    const std::string tenant = "t" + std::to_string(i % 7);
    const std::string campaign = "c" + std::to_string(i % 13);
    jobs.push_back(MakeJob("job-" + std::to_string(i), tenant, campaign, 1 + i % 10));
  }
  for (int i = 0; i < 7; ++i) tenants.push_back("t" + std::to_string(i));
  for (int i = 0; i < 13; ++i) campaigns.push_back("c" + std::to_string(i));
  this->Unlimited(tenants, campaigns);
  this->EnqueueOk(jobs);

  std::mutex mutex;
  std::map<std::string, int> times_taken;
  std::atomic<int> taken_total{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> takers;
  JobQueue& queue = this->queue();
  for (int t = 0; t < kTakers; ++t) {
    takers.emplace_back([&] {
      while (taken_total.load() < kJobs) {
        Expected<std::optional<TakenJob>> taken = queue.Take(kDefaultLease);
        if (!taken) {
          ++errors;
          return;
        }
        if (!taken->has_value()) {
          if (!queue.WaitForWork(50ms)) ++errors;
          continue;
        }
        {
          std::lock_guard lock(mutex);
          ++times_taken[(*taken)->job.job_id.value];
        }
        ++taken_total;
        if (!queue.Finish((*taken)->lease, FinishOutcome::kCompleted)) ++errors;
      }
    });
  }
  for (std::thread& taker : takers) taker.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(times_taken.size(), static_cast<std::size_t>(kJobs));
  int more_than_once = 0;
  for (const auto& [id, times] : times_taken) more_than_once += times != 1;
  EXPECT_EQ(more_than_once, 0);
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.total_completed, kJobs);
  EXPECT_EQ(stats.processing_size, 0);
}

// --- 5. Leases ---

TYPED_TEST_P(JobQueueConformance, ExpiredLeaseComesBackAtTheFrontWithItsAttempt) {
  ASSERT_TRUE(this->queue().SetTenantLimits(TenantId{"t"}, {.max_concurrent_calls = 1}));
  DialerJob first = MakeJob("first", "t");
  first.attempt_number = 2;
  this->EnqueueOk({first, MakeJob("second", "t")});
  TakenJob taken = this->TakeOne();
  ASSERT_EQ(taken.job.job_id, JobId{"first"});
  this->EnqueueOk({MakeJob("third", "t")});

  this->clock_.Advance(kDefaultLease - 1s);
  EXPECT_EQ(this->queue().RecoverExpired().value_or(99), 0u);
  EXPECT_TRUE(this->NothingToTake()) << "the tenant's one slot is still held";
  this->clock_.Advance(1s);
  EXPECT_EQ(this->queue().RecoverExpired().value_or(99), 1u);
  EXPECT_EQ(this->StatsNow().total_recovered, 1);

  TakenJob again = this->TakeOne();  // the slot was released with the lease
  EXPECT_EQ(again.job.job_id, JobId{"first"});
  EXPECT_EQ(again.job.attempt_number, 2);
  EXPECT_NE(again.lease.token, taken.lease.token);
}

TYPED_TEST_P(JobQueueConformance, LateFinishByTheOldWorkerIsRefused) {
  this->EnqueueOk({MakeJob("job", "t")});
  TakenJob old = this->TakeOne();
  this->clock_.Advance(kDefaultLease);
  ASSERT_EQ(this->queue().RecoverExpired().value_or(0), 1u);
  TakenJob current = this->TakeOne();

  Expected<void> late = this->queue().Finish(old.lease, FinishOutcome::kCompleted);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->queue().ExtendLease(old.lease, 30s).error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->queue().ScheduleRetry(old.lease, old.job, kStart + 1h).error().code,
            ErrorCode::kConflict);

  ASSERT_TRUE(this->queue().Finish(current.lease, FinishOutcome::kCompleted));
  EXPECT_EQ(this->queue().Finish(current.lease, FinishOutcome::kCompleted).error().code,
            ErrorCode::kConflict)
      << "no job is finished twice";
  EXPECT_EQ(this->StatsNow().total_completed, 1);
}

TYPED_TEST_P(JobQueueConformance, ExtendedLeaseIsNotRecovered) {
  this->EnqueueOk({MakeJob("job", "t")});
  TakenJob taken = this->TakeOne();
  this->clock_.Advance(20s);
  Expected<Lease> extended = this->queue().ExtendLease(taken.lease, 30s);
  ASSERT_TRUE(extended) << extended.error().Describe();
  EXPECT_EQ(extended->expires_at, kStart + 50s);
  this->clock_.Advance(20s);  // past the first expiry
  EXPECT_EQ(this->queue().RecoverExpired().value_or(99), 0u);
  EXPECT_TRUE(this->queue().Finish(*extended, FinishOutcome::kCompleted));
}

// A worker loop (wait, recover, take) sees a dead worker's job again soon after the lease ends,
// without polling: the wait is bounded by the lease's expiry. Real clock, generous bound.
TYPED_TEST_P(JobQueueConformance, WaitingWorkerRecoversAnExpiredLeaseOnTime) {
  SystemClock real;
  std::shared_ptr<JobQueue> queue = this->Open(real);
  ASSERT_TRUE(queue->Enqueue(MakeJob("job", "t")));
  Expected<std::optional<TakenJob>> taken = queue->Take(300ms);
  ASSERT_TRUE(taken && taken->has_value());
  const Instant expiry = (*taken)->lease.expires_at;

  int waits = 0;
  std::size_t recovered = 0;
  while (recovered == 0 && waits < 20) {
    ASSERT_TRUE(queue->WaitForWork(30s));
    ++waits;
    recovered = queue->RecoverExpired().value_or(0);
  }
  ASSERT_EQ(recovered, 1u);
  EXPECT_GE(real.Now(), expiry);
  EXPECT_LT(real.Now() - expiry, std::chrono::microseconds{5s});
  EXPECT_LE(waits, 3) << "woke for the expiry, not by polling";
}

// --- 6. Retries ---

TYPED_TEST_P(JobQueueConformance, TakeMovesDueRetriesAndExpiredLeasesFirst) {
  this->Unlimited({"t"}, {"campaign-1"});
  this->EnqueueOk({MakeJob("retried", "t"), MakeJob("abandoned", "t"), MakeJob("fresh", "t")});
  TakenJob retried = this->TakeOne();
  ASSERT_TRUE(this->queue().ScheduleRetry(retried.lease, retried.job, kStart + 10s));
  TakenJob abandoned = this->TakeOne(this->queue(), 20s);
  this->clock_.Advance(20s);
  // Both went back to waiting inside this take: "abandoned" at its old place, ahead of "fresh";
  // "retried" behind "fresh" (promotion enqueues anew).
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"abandoned"});
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.total_recovered, 1);
  EXPECT_EQ(stats.scheduled_size, 0);
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"fresh"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"retried"});
}

TYPED_TEST_P(JobQueueConformance, ScheduledJobsAreKeptByIdNotByBody) {
  this->Unlimited({"t"}, {"campaign-1"});
  this->EnqueueOk({MakeJob("one", "t"), MakeJob("two", "t")});
  TakenJob one = this->TakeOne();
  TakenJob two = this->TakeOne();
  // The same retry body twice (ids aside) must not collapse into one entry (defect 8).
  DialerJob body_one = one.job, body_two = two.job;
  body_two.lead_id = body_one.lead_id;
  ASSERT_TRUE(this->queue().ScheduleRetry(one.lease, body_one, kStart + 1h));
  ASSERT_TRUE(this->queue().ScheduleRetry(two.lease, body_two, kStart + 1h));
  EXPECT_EQ(this->StatsNow().scheduled_size, 2);
  this->clock_.Advance(1h);
  EXPECT_EQ(this->queue().PromoteDue().value_or(0), 2u);
}

TYPED_TEST_P(JobQueueConformance, EightPromotersMoveEveryDueJobExactlyOnce) {
  constexpr int kJobs = 600;
  std::vector<DialerJob> jobs;
  for (int i = 0; i < kJobs; ++i) {
    jobs.push_back(MakeJob("job-" + std::to_string(i), "t" + std::to_string(i % 5), "c"));
  }
  this->Unlimited({"t0", "t1", "t2", "t3", "t4"}, {"c"});
  this->EnqueueOk(jobs);
  for (int i = 0; i < kJobs; ++i) {
    TakenJob taken = this->TakeOne();
    ASSERT_TRUE(this->queue().ScheduleRetry(taken.lease, taken.job, kStart + 1min + i * 1ms));
  }
  this->clock_.Advance(1h);

  std::atomic<std::size_t> moved{0};
  std::atomic<int> errors{0};
  std::vector<std::shared_ptr<JobQueue>> handles;
  for (int w = 0; w < 8; ++w) handles.push_back(this->Open(this->clock_));
  std::vector<std::thread> promoters;
  for (int w = 0; w < 8; ++w) {
    promoters.emplace_back([&, w] {
      Expected<std::size_t> count = handles[w]->PromoteDue();
      if (count)
        moved += *count;
      else
        ++errors;
    });
  }
  for (std::thread& promoter : promoters) promoter.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(moved.load(), static_cast<std::size_t>(kJobs));

  std::set<std::string> seen;
  for (int i = 0; i < kJobs; ++i) {
    TakenJob taken = this->TakeOne();
    EXPECT_TRUE(seen.insert(taken.job.job_id.value).second) << taken.job.job_id.value;
  }
  EXPECT_TRUE(this->NothingToTake());
}

// A waiting worker wakes for the next due retry without a fixed interval (defect 12). Real
// clock, generous bound; counts the wake-ups instead of timing them.
TYPED_TEST_P(JobQueueConformance, WaitingWorkerWakesForTheNextDueRetry) {
  SystemClock real;
  std::shared_ptr<JobQueue> queue = this->Open(real);
  ASSERT_TRUE(queue->Enqueue(MakeJob("job", "t")));
  Expected<std::optional<TakenJob>> taken = queue->Take(kDefaultLease);
  ASSERT_TRUE(taken && taken->has_value());
  const Instant due = real.Now() + std::chrono::microseconds{400ms};
  ASSERT_TRUE(queue->ScheduleRetry((*taken)->lease, (*taken)->job, due));
  ASSERT_TRUE(queue->Take(kDefaultLease).value_or(std::nullopt) == std::nullopt);

  int waits = 0;
  std::size_t promoted = 0;
  while (promoted == 0 && waits < 20) {
    ASSERT_TRUE(queue->WaitForWork(30s));
    ++waits;
    promoted = queue->PromoteDue().value_or(0);
  }
  ASSERT_EQ(promoted, 1u);
  EXPECT_GE(real.Now(), due);
  EXPECT_LT(real.Now() - due, std::chrono::microseconds{5s});
  EXPECT_LE(waits, 3) << "woke for the due instant, not by polling";
}

// A waiter with nothing to wait for must still be waiting a while later (a WaitForWork that does
// not block has long returned), and must return once a job arrives, well before its max_wait.
// Neither check can fail for a queue that behaves: nothing else can end the wait.
TYPED_TEST_P(JobQueueConformance, WaitingWorkerWakesWhenJobsArrive) {
  SystemClock real;
  std::shared_ptr<JobQueue> waiter = this->Open(real);
  std::shared_ptr<JobQueue> producer = this->Open(real);
  ASSERT_TRUE(waiter->Take(kDefaultLease).value_or(std::nullopt) == std::nullopt);
  std::future<Expected<void>> waiting =
      std::async(std::launch::async, [&] { return waiter->WaitForWork(60s); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout)
      << "WaitForWork returned with nothing to wait for";
  ASSERT_TRUE(producer->Enqueue(MakeJob("job", "t")));
  ASSERT_EQ(waiting.wait_for(20s), std::future_status::ready) << "the enqueue did not wake it";
  EXPECT_TRUE(waiting.get());
  EXPECT_TRUE(waiter->Take(kDefaultLease).value_or(std::nullopt).has_value());
}

// A stopping process ends its workers' waits at once, and later waits do not block; the queue
// itself goes on working.
TYPED_TEST_P(JobQueueConformance, StopWaitingEndsTheWaitsOfThisHandle) {
  SystemClock real;
  std::shared_ptr<JobQueue> waiter = this->Open(real);
  ASSERT_TRUE(waiter->Take(kDefaultLease).value_or(std::nullopt) == std::nullopt);
  std::future<Expected<void>> waiting =
      std::async(std::launch::async, [&] { return waiter->WaitForWork(60s); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout)
      << "WaitForWork returned with nothing to wait for";
  waiter->StopWaiting();
  ASSERT_EQ(waiting.wait_for(20s), std::future_status::ready) << "StopWaiting left it waiting";
  EXPECT_TRUE(waiting.get());
  std::future<Expected<void>> later =
      std::async(std::launch::async, [&] { return waiter->WaitForWork(60s); });
  ASSERT_EQ(later.wait_for(20s), std::future_status::ready) << "a later wait blocked";
  EXPECT_TRUE(later.get());
  ASSERT_TRUE(waiter->Enqueue(MakeJob("job", "t")));
  EXPECT_TRUE(waiter->Take(kDefaultLease).value_or(std::nullopt).has_value());
}

// --- 7. Pause and cancel ---

TYPED_TEST_P(JobQueueConformance, PausedTenantsAndCampaignsAreNotHandedOut) {
  this->EnqueueOk({MakeJob("a1", "a", "ca"), MakeJob("a-urgent", "a", "ca", 9),
                   MakeJob("b1", "b", "cb1"), MakeJob("b2", "b", "cb2")});
  ASSERT_TRUE(this->queue().PauseTenant(TenantId{"a"}));
  ASSERT_TRUE(this->queue().PauseCampaign(CampaignId{"cb1"}));
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"b2"});
  EXPECT_TRUE(this->NothingToTake());
  ASSERT_TRUE(this->queue().ResumeTenant(TenantId{"a"}));
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"a-urgent"});
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"a1"});
  EXPECT_TRUE(this->NothingToTake());
  ASSERT_TRUE(this->queue().ResumeCampaign(CampaignId{"cb1"}));
  EXPECT_EQ(this->TakeOne().job.job_id, JobId{"b1"});
}

TYPED_TEST_P(JobQueueConformance, CancelRemovesWaitingAndScheduledJobs) {
  this->Unlimited({"t"}, {"doomed", "kept"});
  this->EnqueueOk({MakeJob("running", "t", "doomed"), MakeJob("retrying", "t", "doomed")});
  TakenJob running = this->TakeOne();
  TakenJob retrying = this->TakeOne();
  ASSERT_TRUE(this->queue().ScheduleRetry(retrying.lease, retrying.job, kStart + 1h));
  this->EnqueueOk({MakeJob("w1", "t", "doomed"), MakeJob("w2", "t", "doomed"),
                   MakeJob("urgent", "t", "doomed", 10), MakeJob("other", "t", "kept"),
                   MakeJob("other-tenant", "u", "doomed")});

  Expected<std::size_t> removed = this->queue().CancelCampaign(TenantId{"t"}, CampaignId{"doomed"});
  ASSERT_TRUE(removed) << removed.error().Describe();
  EXPECT_EQ(*removed, 4u);  // w1, w2, urgent, retrying
  talky::QueueStats stats = this->StatsNow();
  EXPECT_EQ(stats.scheduled_size, 0);
  EXPECT_EQ(stats.priority_queue_size, 0);
  EXPECT_EQ(stats.tenant_queue_sizes[TenantId{"t"}], 1);
  EXPECT_EQ(stats.processing_size, 1);
  EXPECT_TRUE(this->queue().Finish(running.lease, FinishOutcome::kCompleted));
  std::set<std::string> left{this->TakeOne().job.job_id.value, this->TakeOne().job.job_id.value};
  EXPECT_EQ(left, (std::set<std::string>{"other", "other-tenant"}));
  EXPECT_TRUE(this->NothingToTake());
}

// --- Bad input ---

TYPED_TEST_P(JobQueueConformance, BadInputIsRejectedAndChangesNothing) {
  DialerJob bad = MakeJob("bad", "t");
  bad.priority = 11;
  DialerJob no_tenant = MakeJob("no-tenant", "");
  Expected<std::size_t> added = this->queue().Enqueue({MakeJob("good", "t"), bad, no_tenant});
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(added.error().fields,
            (std::vector<FieldError>{{"jobs[1].priority", "must be between 1 and 10"},
                                     {"jobs[2].tenant_id", "must not be empty"}}));
  EXPECT_EQ(this->StatsNow(), talky::QueueStats{});

  Expected<void> limits = this->queue().SetTenantLimits(
      TenantId{"t"}, {.max_concurrent_calls = 0, .high_priority_threshold = 11});
  ASSERT_FALSE(limits);
  ASSERT_EQ(limits.error().fields.size(), 2u);
  EXPECT_EQ(limits.error().fields[0].field, "max_concurrent_calls");
  EXPECT_EQ(limits.error().fields[1].field, "high_priority_threshold");
  EXPECT_EQ(this->queue().SetCampaignLimit(CampaignId{"c"}, 0).error().fields[0].field,
            "max_concurrent_calls");
  EXPECT_EQ(this->queue().Take(0ms).error().code, ErrorCode::kInvalidArgument);

  // A job id already in the queue stays as it is.
  this->EnqueueOk({MakeJob("good", "t")});
  EXPECT_EQ(this->queue().Enqueue(MakeJob("good", "t", "campaign-1", 9)).value_or(99), 0u);
  EXPECT_EQ(this->StatsNow().priority_queue_size, 0);

  TakenJob taken = this->TakeOne();
  DialerJob moved = taken.job;
  moved.tenant_id = TenantId{"elsewhere"};
  Expected<void> retry = this->queue().ScheduleRetry(taken.lease, moved, kStart + 1h);
  ASSERT_FALSE(retry);
  EXPECT_EQ(retry.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->StatsNow().processing_size, 1);
}

REGISTER_TYPED_TEST_SUITE_P(
    JobQueueConformance, EnqueueJob, EnqueueHighPriorityJob, DequeuePriorityFirst,
    DequeueTenantQueue, ScheduleRetry, ProcessScheduledJobs, QueueStats,
    PriorityThresholdIsPerTenant, HigherPriorityFirstThenOldestNeverLifo,
    SmallTenantIsServedWithinTwentyTakes, TakesRotateAcrossTenants,
    TenantWithoutFreeSlotIsSkippedNotWaitedOn, TakeBatchChoosesAsConsecutiveTakesWould,
    FinishBatchRefusesLeasesNoLongerHeld, CampaignCapHoldsAcrossQueueHandles,
    TenantCapCountsEveryCampaign, TwoHundredTakersTakeEveryJobExactlyOnce,
    ExpiredLeaseComesBackAtTheFrontWithItsAttempt, LateFinishByTheOldWorkerIsRefused,
    ExtendedLeaseIsNotRecovered, WaitingWorkerRecoversAnExpiredLeaseOnTime,
    TakeMovesDueRetriesAndExpiredLeasesFirst, ScheduledJobsAreKeptByIdNotByBody,
    EightPromotersMoveEveryDueJobExactlyOnce, WaitingWorkerWakesForTheNextDueRetry,
    WaitingWorkerWakesWhenJobsArrive, StopWaitingEndsTheWaitsOfThisHandle,
    PausedTenantsAndCampaignsAreNotHandedOut, CancelRemovesWaitingAndScheduledJobs,
    BadInputIsRejectedAndChangesNothing);

}  // namespace talky::testing
