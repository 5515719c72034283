// Processes that share one database without Redis: each holds a StoreFollowedQueue over its own
// store handle on one SQLite file, as `talky serve` and `talky worker` do. What one does to a
// campaign (start, pause, resume, cancel) reaches the other through the store's queue log.
// CatchUp() is called directly (the follower thread polls once an hour here), except in the test
// of the thread itself.
#include "dialer/store_followed_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "app/open_store.h"
#include "harness/test_servers.h"

namespace talky {
namespace {

using namespace std::chrono;

class StoreFollowedQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("followed");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    serve_store_ = OpenSharedStore();
    worker_store_ = OpenSharedStore();
    ASSERT_TRUE(serve_store_ && worker_store_);
    ASSERT_TRUE(
        serve_store_->CreateTenant(Tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"}));
    ASSERT_TRUE(serve_store_->CreateCampaign(Campaign{.id = kCampaign,
                                                      .tenant_id = kTenant,
                                                      .name = "Renewals",
                                                      .system_prompt = "Be brief",
                                                      .voice_id = "v1",
                                                      .created_at = clock_.Now()}));
    serve_ = OpenQueue(*serve_store_, "serve");
    worker_ = OpenQueue(*worker_store_, "worker");
    ASSERT_TRUE(serve_ && worker_);
  }

  std::unique_ptr<Store> OpenSharedStore() {
    Expected<std::unique_ptr<Store>> store =
        OpenStore({SqlDialect::kSqlite, (dir_->path() / "talky.db").string()}, clock_, ids_);
    EXPECT_TRUE(store) << store.error().Describe();
    return store ? std::move(*store) : nullptr;
  }

  std::unique_ptr<StoreFollowedQueue> OpenQueue(Store& store, std::string origin,
                                                milliseconds poll_interval = hours(1)) {
    Expected<std::unique_ptr<StoreFollowedQueue>> queue = StoreFollowedQueue::Open(
        store, clock_, {.poll_interval = poll_interval, .origin = std::move(origin)});
    EXPECT_TRUE(queue) << queue.error().Describe();
    return queue ? std::move(*queue) : nullptr;
  }

  // What CampaignService::Start does in the serve process: jobs in the store, then enqueued.
  std::vector<DialerJob> StartInServe(int leads) {
    std::vector<Lead> rows;
    for (int i = 0; i < leads; ++i) {
      rows.push_back(Lead{.phone_number = "+1212555" + std::to_string(1000 + i)});
    }
    EXPECT_TRUE(serve_store_->ImportLeads(kTenant, kCampaign, rows));
    Expected<std::vector<DialerJob>> jobs =
        serve_store_->CreateCampaignJobs(kTenant, kCampaign, clock_.Now());
    EXPECT_TRUE(jobs);
    EXPECT_TRUE(serve_->Enqueue(*jobs));
    return *jobs;
  }

  // Takes (and finishes) every job the queue hands out now.
  static std::set<JobId> TakeAll(JobQueue& queue) {
    std::set<JobId> taken;
    while (true) {
      Expected<std::optional<TakenJob>> next = queue.Take();
      EXPECT_TRUE(next);
      if (!next || !*next) return taken;
      taken.insert((*next)->job.job_id);
      EXPECT_TRUE(queue.Finish((*next)->lease, FinishOutcome::kCompleted));
    }
  }

  static std::set<JobId> IdsOf(const std::vector<DialerJob>& jobs) {
    std::set<JobId> ids;
    for (const DialerJob& job : jobs) ids.insert(job.job_id);
    return ids;
  }

  const TenantId kTenant{"t1"};
  const CampaignId kCampaign{"c1"};
  ManualClock clock_{sys_days{2026y / 11 / 21} + 15h};
  RandomIdGenerator ids_{42};
  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<Store> serve_store_;
  std::unique_ptr<Store> worker_store_;
  std::unique_ptr<StoreFollowedQueue> serve_;
  std::unique_ptr<StoreFollowedQueue> worker_;
};

TEST_F(StoreFollowedQueueTest, ACampaignStartedInOneProcessIsTakenInTheOther) {
  const std::vector<DialerJob> jobs = StartInServe(5);
  EXPECT_TRUE(TakeAll(*worker_).empty());  // not followed yet

  Expected<std::size_t> applied = worker_->CatchUp();
  ASSERT_TRUE(applied) << applied.error().Describe();
  EXPECT_EQ(*applied, 1u);
  EXPECT_EQ(TakeAll(*worker_), IdsOf(jobs));
  // Its own events change nothing in the process that wrote them.
  EXPECT_EQ(serve_->CatchUp().value(), 0u);
}

TEST_F(StoreFollowedQueueTest, PauseResumeAndCancelReachTheOtherProcess) {
  const std::vector<DialerJob> jobs = StartInServe(3);
  ASSERT_TRUE(worker_->CatchUp());

  ASSERT_TRUE(serve_->PauseCampaign(kCampaign));
  ASSERT_TRUE(worker_->CatchUp());
  EXPECT_TRUE(TakeAll(*worker_).empty());

  ASSERT_TRUE(serve_->ResumeCampaign(kCampaign));
  ASSERT_TRUE(worker_->CatchUp());
  Expected<std::optional<TakenJob>> one = worker_->Take();
  ASSERT_TRUE(one && *one);
  ASSERT_TRUE(worker_->Finish((*one)->lease, FinishOutcome::kCompleted));

  ASSERT_TRUE(serve_->CancelCampaign(kTenant, kCampaign));
  ASSERT_TRUE(worker_->CatchUp());
  EXPECT_TRUE(TakeAll(*worker_).empty());
}

TEST_F(StoreFollowedQueueTest, AProcessStartedLaterKeepsAPausedCampaignPaused) {
  StartInServe(2);
  ASSERT_TRUE(serve_->PauseCampaign(kCampaign));
  std::unique_ptr<Store> store = OpenSharedStore();
  std::unique_ptr<StoreFollowedQueue> restarted = OpenQueue(*store, "restarted");
  ASSERT_TRUE(restarted);
  EXPECT_TRUE(TakeAll(*restarted).empty());
  ASSERT_TRUE(serve_->ResumeCampaign(kCampaign));
  ASSERT_TRUE(restarted->CatchUp());
  EXPECT_EQ(TakeAll(*restarted).size(), 2u);
}

TEST_F(StoreFollowedQueueTest, StatsAreTheStoresInEveryProcess) {
  std::vector<DialerJob> jobs = StartInServe(4);
  ASSERT_TRUE(worker_->CatchUp());
  // The worker takes one and marks it processing in the store, as the dialer does.
  Expected<std::optional<TakenJob>> taken = worker_->Take();
  ASSERT_TRUE(taken && *taken);
  DialerJob processing = (*taken)->job;
  processing.status = JobStatus::kProcessing;
  ASSERT_TRUE(worker_store_->UpdateJob(kTenant, JobStatus::kPending, processing));

  for (StoreFollowedQueue* queue : {serve_.get(), worker_.get()}) {
    Expected<QueueStats> stats = queue->Stats();
    ASSERT_TRUE(stats) << stats.error().Describe();
    EXPECT_EQ(stats->tenant_queue_sizes.at(kTenant), 3);
    EXPECT_EQ(stats->processing_size, 1);
    EXPECT_EQ(stats->scheduled_size, 0);
  }
}

TEST_F(StoreFollowedQueueTest, TheFollowerThreadCatchesUpByItself) {
  std::unique_ptr<Store> store = OpenSharedStore();
  std::unique_ptr<StoreFollowedQueue> polling = OpenQueue(*store, "polling", milliseconds(10));
  ASSERT_TRUE(polling);
  const std::vector<DialerJob> jobs = StartInServe(2);
  // WaitForWork wakes when the follower enqueues; bounded so a broken follower fails the test.
  const auto deadline = steady_clock::now() + 30s;
  while (polling->FollowStats().events_applied == 0 && steady_clock::now() < deadline) {
    ASSERT_TRUE(polling->WaitForWork(milliseconds(50)));
  }
  EXPECT_EQ(TakeAll(*polling), IdsOf(jobs));
}

}  // namespace
}  // namespace talky
