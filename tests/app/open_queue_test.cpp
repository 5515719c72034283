// The embedded queue is durable through the store: after a restart it holds exactly the open jobs,
// each where it belongs.
#include "app/open_queue.h"

#include <gtest/gtest.h>

#include "dialer/store_followed_queue.h"
#include "harness/scratch_store.h"

namespace talky {
namespace {

using namespace std::chrono;

class OpenQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchStore>> store =
        testing::ScratchStore::Create("queue", clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    scratch_ = std::move(*store);
    store_ = &scratch_->store();
  }

  // A campaign of `count` leads, started: one pending job each.
  std::vector<DialerJob> StartCampaign(int count) {
    EXPECT_TRUE(store_->CreateTenant(Tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"}));
    EXPECT_TRUE(store_->CreateCampaign(Campaign{.id = kCampaign,
                                                .tenant_id = kTenant,
                                                .name = "Renewals",
                                                .system_prompt = "Be brief",
                                                .voice_id = "v1",
                                                .created_at = clock_.Now()}));
    std::vector<Lead> leads;
    for (int i = 0; i < count; ++i) {
      leads.push_back(Lead{.phone_number = "+1212555" + std::to_string(1000 + i)});
    }
    EXPECT_TRUE(store_->ImportLeads(kTenant, kCampaign, leads));
    Expected<std::vector<DialerJob>> jobs =
        store_->CreateCampaignJobs(kTenant, kCampaign, clock_.Now());
    EXPECT_TRUE(jobs);
    return jobs.value_or(std::vector<DialerJob>{});
  }

  void MoveJob(DialerJob job, JobStatus to, Instant scheduled_at) {
    const JobStatus from = job.status;
    job.status = to;
    job.scheduled_at = scheduled_at;
    Expected<void> updated = store_->UpdateJob(kTenant, from, job);
    ASSERT_TRUE(updated) << updated.error().Describe();
  }

  const TenantId kTenant{"t1"};
  const CampaignId kCampaign{"c1"};
  ManualClock clock_{sys_days{2026y / 11 / 21} + 15h};
  RandomIdGenerator ids_{42};
  std::unique_ptr<testing::ScratchStore> scratch_;
  Store* store_ = nullptr;
};

TEST_F(OpenQueueTest, EmbeddedQueueIsRebuiltFromTheOpenJobsOfTheStore) {
  std::vector<DialerJob> jobs = StartCampaign(7);
  ASSERT_EQ(jobs.size(), 7u);
  MoveJob(jobs[0], JobStatus::kGoalAchieved, clock_.Now());         // final: left out
  MoveJob(jobs[1], JobStatus::kNonRetryable, clock_.Now());         // final: left out
  MoveJob(jobs[2], JobStatus::kRetryScheduled, clock_.Now() + 2h);  // scheduled
  MoveJob(jobs[3], JobStatus::kSkipped, clock_.Now() + 30min);      // scheduled
  MoveJob(jobs[4], JobStatus::kProcessing, clock_.Now());           // worker died: waits again

  // A page size of 2 makes the rebuild read several pages.
  Expected<std::unique_ptr<StoreFollowedQueue>> queue =
      StoreFollowedQueue::Open(*store_, clock_, {.page_size = 2});
  ASSERT_TRUE(queue) << queue.error().Describe();
  // Sizes come from the store: the dead worker's job is processing there until it is taken again.
  Expected<QueueStats> stats = (*queue)->Stats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->scheduled_size, 2);
  EXPECT_EQ(stats->processing_size, 1);
  EXPECT_EQ(stats->tenant_queue_sizes.at(kTenant) + stats->priority_queue_size, 2);

  std::set<JobId> taken;
  while (true) {
    Expected<std::optional<TakenJob>> next = (*queue)->Take();
    ASSERT_TRUE(next);
    if (!*next) break;
    taken.insert((*next)->job.job_id);
    ASSERT_TRUE((*queue)->Finish((*next)->lease, FinishOutcome::kCompleted));
  }
  EXPECT_EQ(taken, (std::set<JobId>{jobs[4].job_id, jobs[5].job_id, jobs[6].job_id}));

  clock_.Advance(2h);  // both scheduled jobs are due
  ASSERT_TRUE((*queue)->PromoteDue());
  Expected<std::optional<TakenJob>> retry = (*queue)->Take();
  ASSERT_TRUE(retry && *retry);
  Expected<std::optional<TakenJob>> skipped = (*queue)->Take();
  ASSERT_TRUE(skipped && *skipped);
  EXPECT_EQ((std::set<JobId>{(*retry)->job.job_id, (*skipped)->job.job_id}),
            (std::set<JobId>{jobs[2].job_id, jobs[3].job_id}));
}

TEST_F(OpenQueueTest, WithoutARedisUrlTheQueueIsTheEmbeddedOne) {
  StartCampaign(3);
  Expected<std::unique_ptr<JobQueue>> queue = OpenQueue("", *store_, clock_);
  ASSERT_TRUE(queue) << queue.error().Describe();
  EXPECT_NE(dynamic_cast<StoreFollowedQueue*>(queue->get()), nullptr);
  EXPECT_EQ((*queue)->Stats()->tenant_queue_sizes.at(kTenant), 3);
}

TEST_F(OpenQueueTest, UnreachableRedisIsAClearError) {
  Expected<std::unique_ptr<JobQueue>> queue = OpenQueue("redis://127.0.0.1:1", *store_, clock_);
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(queue.error().message.find("127.0.0.1:1"), std::string::npos) << queue.error().message;
}

}  // namespace
}  // namespace talky
