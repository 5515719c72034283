// The conformance suite on the embedded backend, plus what only it has: the rebuild from the
// store's jobs (for now from a plain list; the app wires it to the store).
#include "queue/local/local_job_queue.h"

#include <gtest/gtest.h>

#include "queue/job_queue_conformance.h"

namespace talky::testing {
namespace {

// Handles opened in one test share one queue per clock, as threads of one process do.
struct LocalQueueFactory {
  std::shared_ptr<JobQueue> Open(const Clock& clock) {
    std::shared_ptr<LocalJobQueue>& queue = queues[&clock];
    if (!queue) queue = std::make_shared<LocalJobQueue>(clock, LocalQueueOptions{.seed = 42});
    return queue;
  }
  std::map<const Clock*, std::shared_ptr<LocalJobQueue>> queues;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Local, JobQueueConformance, LocalQueueFactory);

DialerJob WithStatus(DialerJob job, JobStatus status, Instant created, Instant scheduled) {
  job.status = status;
  job.created_at = created;
  job.scheduled_at = scheduled;
  return job;
}

TEST(LocalJobQueueRebuild, OpenJobsOfThePreviousRunComeBack) {
  ManualClock clock(kStart);
  // A row per stored job: where it must end up after the rebuild.
  std::vector<DialerJob> stored = {
      WithStatus(MakeJob("pending-new", "t"), JobStatus::kPending, kStart - 1min, kStart),
      WithStatus(MakeJob("pending-old", "t"), JobStatus::kPending, kStart - 2h, kStart),
      WithStatus(MakeJob("was-processing", "t"), JobStatus::kProcessing, kStart - 1h, kStart),
      WithStatus(MakeJob("retry", "t"), JobStatus::kRetryScheduled, kStart - 3h, kStart + 1h),
      WithStatus(MakeJob("deferred", "t"), JobStatus::kSkipped, kStart - 3h, kStart + 2h),
      WithStatus(MakeJob("urgent", "t", "c", 9), JobStatus::kPending, kStart, kStart),
      WithStatus(MakeJob("done", "t"), JobStatus::kCompleted, kStart - 5h, kStart),
      WithStatus(MakeJob("gave-up", "t"), JobStatus::kFailed, kStart - 5h, kStart),
      WithStatus(MakeJob("reached", "t"), JobStatus::kGoalAchieved, kStart - 5h, kStart),
      WithStatus(MakeJob("spam", "t"), JobStatus::kNonRetryable, kStart - 5h, kStart),
  };
  Expected<std::unique_ptr<LocalJobQueue>> queue = LocalJobQueue::Rebuild(clock, stored);
  ASSERT_TRUE(queue) << queue.error().Describe();
  Expected<QueueStats> stats = (*queue)->Stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->priority_queue_size, 1);
  EXPECT_EQ(stats->tenant_queue_sizes[TenantId{"t"}], 3);
  EXPECT_EQ(stats->scheduled_size, 2);
  EXPECT_EQ(stats->processing_size, 0);

  std::vector<std::string> order;
  while (true) {
    Expected<std::optional<TakenJob>> taken = (*queue)->Take(kDefaultLease);
    ASSERT_TRUE(taken);
    if (!taken->has_value()) break;
    order.push_back((*taken)->job.job_id.value);
    ASSERT_TRUE((*queue)->Finish((*taken)->lease, FinishOutcome::kCompleted));
  }
  // Oldest created first; the one that was processing waits like the others.
  EXPECT_EQ(order,
            (std::vector<std::string>{"urgent", "pending-old", "was-processing", "pending-new"}));
  clock.Advance(1h);
  EXPECT_EQ((*queue)->PromoteDue().value_or(0), 1u);
  clock.Advance(1h);
  EXPECT_EQ((*queue)->PromoteDue().value_or(0), 1u);
}

TEST(LocalJobQueueRebuild, AJobItCannotHoldRejectsTheList) {
  ManualClock clock(kStart);
  DialerJob bad = MakeJob("bad", "t");
  bad.priority = 0;
  Expected<std::unique_ptr<LocalJobQueue>> queue =
      LocalJobQueue::Rebuild(clock, {MakeJob("good", "t"), bad});
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().fields[0].field, "jobs[1].priority");

  queue = LocalJobQueue::Rebuild(clock, {MakeJob("twice", "t"), MakeJob("twice", "t")});
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().fields[0].field, "job_id");
}

}  // namespace
}  // namespace talky::testing

namespace talky::testing {
namespace {

// A clock standing still whose spans pass a million times faster in real time.
class FastWaitClock final : public Clock {
 public:
  Instant Now() const override { return kStart; }
  std::chrono::microseconds RealWaitFor(std::chrono::microseconds span) const override {
    return span / 1'000'000;
  }
};

TEST(LocalJobQueueWait, WaitsForADueRetryInTheClocksRealTime) {
  FastWaitClock clock;
  LocalJobQueue queue(clock, LocalQueueOptions{.seed = 7});
  ASSERT_TRUE(queue.Enqueue(MakeJob("j", "t")));
  Expected<std::optional<TakenJob>> taken = queue.Take();
  ASSERT_TRUE(taken && *taken);
  ASSERT_TRUE(queue.Take());  // empty: no wake left over
  ASSERT_TRUE(queue.ScheduleRetry((*taken)->lease, (*taken)->job, kStart + std::chrono::hours(1)));
  ASSERT_TRUE(queue.WaitForWork(std::chrono::milliseconds(10)));  // the retry's wake-up
  // The retry is due in an hour of the clock, 3.6 ms of real time: the wait ends long before its
  // one-minute bound (a queue that waited the clock's span in real time would take the minute).
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(queue.WaitForWork(std::chrono::minutes(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(30));
}

}  // namespace
}  // namespace talky::testing
