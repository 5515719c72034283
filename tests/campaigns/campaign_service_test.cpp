// The campaign controls on the embedded backends: a SQLite store in a scratch folder and the
// in-process queue, with a ManualClock.
#include "campaigns/campaign_service.h"

#include <gtest/gtest.h>

#include "harness/scratch_store.h"
#include "queue/local/local_job_queue.h"

namespace talky {
namespace {

using namespace std::chrono;

const TenantId kTenant{"acme"};
const CampaignId kCampaign{"renewals"};

class CampaignServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchStore>> store =
        testing::ScratchStore::Create("campaigns", clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    scratch_ = std::move(*store);
    store_ = &scratch_->store();
    service_ = std::make_unique<CampaignService>(*store_, queue_, clock_);
    Tenant tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"};
    tenant.rules.max_concurrent_calls = 2;
    ASSERT_TRUE(store_->CreateTenant(tenant));
    ASSERT_TRUE(store_->CreateCampaign(Campaign{.id = kCampaign,
                                                .tenant_id = kTenant,
                                                .name = "Renewals",
                                                .system_prompt = "Be brief",
                                                .voice_id = "v1",
                                                .created_at = clock_.Now()}));
  }

  void ImportLeads(int count) {
    std::vector<Lead> leads;
    for (int i = 0; i < count; ++i) {
      leads.push_back(Lead{.phone_number = "+1212555" + std::to_string(1000 + i)});
    }
    ASSERT_TRUE(store_->ImportLeads(kTenant, kCampaign, leads));
  }

  int64_t Waiting() { return queue_.Stats()->tenant_queue_sizes[kTenant]; }

  ManualClock clock_{sys_days{2026y / 11 / 17} + 15h};
  RandomIdGenerator ids_{7};
  std::unique_ptr<testing::ScratchStore> scratch_;
  Store* store_ = nullptr;
  LocalJobQueue queue_{clock_};
  std::unique_ptr<CampaignService> service_;
};

TEST_F(CampaignServiceTest, StartQueuesOneJobPerLeadAndClosesDoNotCallNumbersAtOnce) {
  ImportLeads(5);
  ASSERT_TRUE(store_->AddDoNotCall(kTenant, "+12125551003", clock_.Now()));
  Expected<Campaign> started = service_->Start(kTenant, kCampaign);
  ASSERT_TRUE(started) << started.error().Describe();
  EXPECT_EQ(started->status, CampaignStatus::kRunning);
  EXPECT_EQ(Waiting(), 4);

  Expected<Page<DialerJob>> jobs = store_->ListJobs(kTenant, kCampaign, {});
  ASSERT_TRUE(jobs);
  ASSERT_EQ(jobs->items.size(), 5u);
  for (const DialerJob& job : jobs->items) {
    if (job.phone_number == "+12125551003") {
      EXPECT_EQ(job.status, JobStatus::kNonRetryable);
      EXPECT_EQ(job.last_error, "do_not_call");
    } else {
      EXPECT_EQ(job.status, JobStatus::kPending);
    }
  }
  // The tenant's cap of 2 calls at once is the queue's from now on.
  ASSERT_TRUE(*queue_.Take());
  ASSERT_TRUE(*queue_.Take());
  EXPECT_FALSE(*queue_.Take());
}

TEST_F(CampaignServiceTest, RepeatedStartCreatesAndQueuesNothingTwice) {
  ImportLeads(3);
  ASSERT_TRUE(service_->Start(kTenant, kCampaign));
  Expected<Campaign> again = service_->Start(kTenant, kCampaign);
  ASSERT_TRUE(again) << again.error().Describe();
  EXPECT_EQ(again->status, CampaignStatus::kRunning);
  EXPECT_EQ(Waiting(), 3);
  EXPECT_EQ(store_->ListJobs(kTenant, kCampaign, {})->items.size(), 3u);
}

TEST_F(CampaignServiceTest, CampaignWithoutLeadsCompletesAtOnce) {
  Expected<Campaign> started = service_->Start(kTenant, kCampaign);
  ASSERT_TRUE(started) << started.error().Describe();
  EXPECT_EQ(started->status, CampaignStatus::kCompleted);
}

TEST_F(CampaignServiceTest, PauseHoldsTheJobsAndResumeReleasesThem) {
  ImportLeads(2);
  ASSERT_TRUE(service_->Start(kTenant, kCampaign));
  Expected<Campaign> paused = service_->Pause(kTenant, kCampaign);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, CampaignStatus::kPaused);
  EXPECT_FALSE(*queue_.Take());
  EXPECT_EQ(service_->Pause(kTenant, kCampaign).error().code, ErrorCode::kConflict);

  Expected<Campaign> resumed = service_->Resume(kTenant, kCampaign);
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, CampaignStatus::kRunning);
  EXPECT_TRUE(*queue_.Take());
}

TEST_F(CampaignServiceTest, OnlyAPausedCampaignResumes) {
  ImportLeads(1);
  // A draft resumed would run with no jobs and never complete: it must be started.
  Expected<Campaign> draft = service_->Resume(kTenant, kCampaign);
  ASSERT_FALSE(draft);
  EXPECT_EQ(draft.error().code, ErrorCode::kConflict);
  EXPECT_NE(draft.error().message.find("draft"), std::string::npos) << draft.error().message;
  EXPECT_EQ(store_->GetCampaign(kTenant, kCampaign)->status, CampaignStatus::kDraft);

  ASSERT_TRUE(service_->Start(kTenant, kCampaign));
  Expected<Campaign> running = service_->Resume(kTenant, kCampaign);
  ASSERT_FALSE(running);
  EXPECT_EQ(running.error().code, ErrorCode::kConflict);
  EXPECT_NE(running.error().message.find("running"), std::string::npos);
}

TEST_F(CampaignServiceTest, CancelClosesWaitingJobsButLeavesCallsInFlight) {
  ImportLeads(3);
  ASSERT_TRUE(service_->Start(kTenant, kCampaign));
  Expected<std::optional<TakenJob>> taken = queue_.Take();
  ASSERT_TRUE(taken && *taken);
  DialerJob processing = (*taken)->job;
  processing.status = JobStatus::kProcessing;
  ASSERT_TRUE(store_->UpdateJob(kTenant, JobStatus::kPending, processing));

  Expected<Campaign> cancelled = service_->Cancel(kTenant, kCampaign);
  ASSERT_TRUE(cancelled) << cancelled.error().Describe();
  EXPECT_EQ(cancelled->status, CampaignStatus::kCancelled);
  EXPECT_EQ(Waiting(), 0);
  EXPECT_EQ(*store_->CountOpenJobs(kTenant, kCampaign), 1);
  EXPECT_EQ(store_->GetJob(kTenant, processing.job_id)->status, JobStatus::kProcessing);
  EXPECT_EQ(service_->Start(kTenant, kCampaign).error().code, ErrorCode::kConflict);
}

TEST_F(CampaignServiceTest, UnknownOrForeignCampaignIsNotFound) {
  EXPECT_EQ(service_->Start(kTenant, CampaignId{"nope"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service_->Stats(TenantId{"other"}, kCampaign).error().code, ErrorCode::kNotFound);
}

TEST_F(CampaignServiceTest, StatsGiveTheGoalRateOverLeadsCalled) {
  ImportLeads(4);
  ASSERT_TRUE(service_->Start(kTenant, kCampaign));
  Expected<CampaignStats> before = service_->Stats(kTenant, kCampaign);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->goal_rate, 0);
  EXPECT_EQ(before->tally.jobs_by_status.at("pending"), 4);

  Expected<Page<Lead>> leads = store_->ListLeads(kTenant, kCampaign, {});
  ASSERT_TRUE(leads);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(store_->RecordLeadAttempt(kTenant, leads->items[static_cast<size_t>(i)].id,
                                          {.called_at = clock_.Now(), .result = "busy"}));
  }
  ASSERT_TRUE(store_->AddToCampaignCounters(kTenant, kCampaign, {.goals_achieved = 1}));
  Expected<CampaignStats> after = service_->Stats(kTenant, kCampaign);
  ASSERT_TRUE(after);
  EXPECT_DOUBLE_EQ(after->goal_rate, 0.5);
  EXPECT_EQ(after->tally.leads_by_attempts, (std::map<int, int64_t>{{0, 2}, {1, 2}}));
}

}  // namespace
}  // namespace talky
