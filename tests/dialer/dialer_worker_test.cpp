// The worker end to end in one process: a SQLite store, the embedded queue, the simulated provider
// on its own io thread. The rules' "now" and the retry delays follow a ManualClock; the simulated
// calls themselves play out in (sped-up) real time, so tests wait on conditions with a bound.
#include "dialer/dialer_worker.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <thread>

#include "app/open_store.h"
#include "harness/test_servers.h"
#include "queue/local/local_job_queue.h"
#include "telephony/simulated/simulated_telephony.h"

namespace talky {
namespace {

using namespace std::chrono;

// Tuesday 2026-11-17 15:00 UTC is 10:00 in New York: inside the default 09:00-19:00 window.
const Instant kTuesdayMorningInNewYork = sys_days{2026y / 11 / 17} + 15h;

class DialerWorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("dialer");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    Expected<std::unique_ptr<Store>> store =
        OpenStore({SqlDialect::kSqlite, (dir_->path() / "talky.db").string()}, clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->CreateTenant(Tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"}));
    ASSERT_TRUE(store_->CreateCampaign(Campaign{.id = kCampaign,
                                                .tenant_id = kTenant,
                                                .name = "Renewals",
                                                .system_prompt = "Be brief",
                                                .voice_id = "v1",
                                                .created_at = clock_.Now()}));
  }

  void TearDown() override {
    StopWorker();
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // Imports the leads, starts the campaign and queues its jobs; returns job ids by number.
  std::map<std::string, JobId> StartCampaign(const std::vector<std::string>& numbers) {
    std::vector<Lead> leads;
    for (const std::string& number : numbers) leads.push_back(Lead{.phone_number = number});
    EXPECT_TRUE(store_->ImportLeads(kTenant, kCampaign, leads));
    Expected<std::vector<DialerJob>> jobs =
        store_->CreateCampaignJobs(kTenant, kCampaign, clock_.Now());
    EXPECT_TRUE(jobs);
    EXPECT_TRUE(
        store_->UpdateCampaignStatus(kTenant, kCampaign, CampaignStatus::kRunning, clock_.Now()));
    EXPECT_TRUE(queue_.Enqueue(*jobs));
    std::map<std::string, JobId> ids;
    for (const DialerJob& job : *jobs) ids[job.phone_number] = job.job_id;
    return ids;
  }

  void StartWorker(SimulatedCallTiming timing, DialerWorkerOptions options = {}) {
    options.idle_wait = 20ms;
    worker_ = std::make_unique<DialerWorker>(queue_, *store_, clock_, ids_, options);
    provider_ = std::make_unique<SimulatedTelephony>(
        io_, clock_, *worker_, SimulatedTelephonyOptions{.timing = timing, .speed = 100});
    worker_->SetProvider(*provider_);
    io_thread_ = std::thread([this] { io_.run(); });
    worker_thread_ = std::jthread([this](std::stop_token stop) { worker_->Run(stop); });
  }

  void StopWorker() {
    if (worker_thread_.joinable()) {
      worker_thread_.request_stop();
      worker_thread_.join();
    }
  }

  bool WaitUntil(const std::function<bool()>& condition) {
    const auto deadline = steady_clock::now() + 30s;
    while (!condition()) {
      if (steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  bool WaitForCompletedCalls(int64_t count) {
    return WaitUntil([&] { return worker_->Stats().calls_completed >= count; });
  }
  DialerJob Job(const JobId& id) { return store_->GetJob(kTenant, id).value(); }

  const TenantId kTenant{"t1"};
  const CampaignId kCampaign{"c1"};
  ManualClock clock_{kTuesdayMorningInNewYork};
  RandomIdGenerator ids_{7};
  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<Store> store_;
  LocalJobQueue queue_{clock_, LocalQueueOptions{.seed = 3}};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<DialerWorker> worker_;
  std::unique_ptr<SimulatedTelephony> provider_;
  std::thread io_thread_;
  std::jthread worker_thread_;
};

// TCPA: a telemarketing campaign calls a US number only with the lead's written consent.
TEST_F(DialerWorkerTest, AMarketingCampaignDialsOnlyLeadsWithWrittenConsent) {
  const CampaignId offers{"m1"};
  ASSERT_TRUE(store_->CreateCampaign(Campaign{.id = offers,
                                              .tenant_id = kTenant,
                                              .name = "Offers",
                                              .system_prompt = "Be brief",
                                              .voice_id = "v1",
                                              .created_at = clock_.Now(),
                                              .marketing = true}));
  ASSERT_TRUE(store_->ImportLeads(
      kTenant, offers,
      std::vector<Lead>{
          {.phone_number = "+12125550200", .consent = {.kind = ConsentKind::kWritten}},
          {.phone_number = "+12125550201", .consent = {.kind = ConsentKind::kOral}}}));
  Expected<std::vector<DialerJob>> jobs = store_->CreateCampaignJobs(kTenant, offers, clock_.Now());
  ASSERT_TRUE(jobs && jobs->size() == 2);
  ASSERT_TRUE(
      store_->UpdateCampaignStatus(kTenant, offers, CampaignStatus::kRunning, clock_.Now()));
  ASSERT_TRUE(queue_.Enqueue(*jobs));
  StartWorker({.ring_time = 0ms, .talk_time = 0ms});
  ASSERT_TRUE(WaitForCompletedCalls(1));
  ASSERT_TRUE(WaitUntil([&] { return worker_->Stats().jobs_refused == 1; }));
  for (const DialerJob& job : *jobs) {
    const DialerJob now = Job(job.job_id);
    if (job.phone_number == "+12125550201") {
      EXPECT_EQ(now.status, JobStatus::kNonRetryable);
      EXPECT_EQ(now.last_error, "no_consent");
    } else {
      EXPECT_EQ(now.status, JobStatus::kGoalAchieved);
    }
  }
  EXPECT_EQ(worker_->Stats().calls_completed, 1);
}

TEST_F(DialerWorkerTest, RunsACampaignToCompletionWithRetriesByPolicy) {
  ASSERT_TRUE(store_->AddDoNotCall(kTenant, "+12125550777", clock_.Now()));
  std::map<std::string, JobId> jobs =
      StartCampaign({"+12125550200", "+12125550204", "+12125550486", "+12125550404", "+12125550482",
                     "+12125550555", "+12125550777"});
  StartWorker({.ring_time = 0ms, .talk_time = 0ms});

  // Attempt 1 of six calls; the DNC number is never dialed.
  ASSERT_TRUE(WaitForCompletedCalls(6));
  ASSERT_TRUE(WaitUntil([&] { return worker_->Stats().jobs_refused == 1; }));
  EXPECT_EQ(Job(jobs["+12125550777"]).status, JobStatus::kNonRetryable);
  EXPECT_EQ(Job(jobs["+12125550777"]).last_error, "do_not_call");
  EXPECT_EQ(Job(jobs["+12125550200"]).status, JobStatus::kGoalAchieved);
  EXPECT_EQ(Job(jobs["+12125550204"]).status, JobStatus::kCompleted);
  EXPECT_EQ(Job(jobs["+12125550404"]).status, JobStatus::kNonRetryable);
  const DialerJob busy = Job(jobs["+12125550486"]);
  EXPECT_EQ(busy.status, JobStatus::kRetryScheduled);
  EXPECT_EQ(busy.attempt_number, 2);
  EXPECT_EQ(busy.scheduled_at, kTuesdayMorningInNewYork + 2h);

  // Each retry falls due after the tenant's 7200 s delay.
  clock_.Advance(2h);
  ASSERT_TRUE(WaitForCompletedCalls(9));
  clock_.Advance(2h);
  ASSERT_TRUE(WaitForCompletedCalls(12));
  ASSERT_TRUE(WaitUntil([&] {
    return store_->GetCampaign(kTenant, kCampaign)->status == CampaignStatus::kCompleted;
  }));

  EXPECT_EQ(Job(jobs["+12125550486"]).status, JobStatus::kFailed);  // busy three times
  EXPECT_EQ(Job(jobs["+12125550486"]).last_error, "max_attempts_reached");
  EXPECT_EQ(Job(jobs["+12125550482"]).status, JobStatus::kGoalAchieved);  // busy, busy, answered
  EXPECT_EQ(Job(jobs["+12125550555"]).status, JobStatus::kFailed);        // voicemail three times
  const Lead lead = store_->GetLead(kTenant, Job(jobs["+12125550482"]).lead_id).value();
  EXPECT_EQ(lead.call_attempts, 3);
  EXPECT_EQ(lead.last_call_result, "goal_achieved");
  EXPECT_EQ(lead.status, LeadStatus::kCompleted);

  const Campaign campaign = store_->GetCampaign(kTenant, kCampaign).value();
  EXPECT_EQ(campaign.calls_completed, 6);  // 200, 204, 555 x3, 482 on its third attempt
  EXPECT_EQ(campaign.calls_failed, 6);     // 486 x3, 404, 482 x2
  EXPECT_EQ(campaign.goals_achieved, 2);
  EXPECT_EQ(store_->ListCalls(kTenant, {.campaign = kCampaign}, {.limit = 100})->items.size(), 12u);
  EXPECT_EQ(queue_.Stats()->processing_size, 0);
}

TEST_F(DialerWorkerTest, CallLeftOpenByADeadWorkerEndsAsFailedAndTheJobIsRetriedLater) {
  std::map<std::string, JobId> jobs = StartCampaign({"+12125550200"});
  const JobId id = jobs["+12125550200"];
  // A worker takes the job, places the call and dies before the call ends.
  Expected<std::optional<TakenJob>> taken = queue_.Take(10s);
  ASSERT_TRUE(taken && *taken);
  DialerJob processing = Job(id);
  processing.status = JobStatus::kProcessing;
  processing.call_id = CallId{"lost-call"};
  ASSERT_TRUE(store_->UpdateJob(kTenant, JobStatus::kPending, processing));
  ASSERT_TRUE(store_->RecordCall(CallRecord{.id = CallId{"lost-call"},
                                            .tenant_id = kTenant,
                                            .job_id = id,
                                            .provider_call_id = "sim-lost-call",
                                            .to_number = "+12125550200",
                                            .created_at = clock_.Now()}));
  clock_.Advance(11s);  // its lease expires; the queue gives the job back

  StartWorker({.ring_time = 0ms, .talk_time = 0ms});
  ASSERT_TRUE(WaitUntil([&] { return worker_->Stats().lost_calls_closed == 1; }));
  const CallRecord lost = store_->GetCall(kTenant, CallId{"lost-call"}).value();
  EXPECT_EQ(lost.status, CallStatus::kCompleted);
  EXPECT_EQ(lost.outcome, CallOutcome::kFailed);
  const DialerJob retry = Job(id);
  EXPECT_EQ(retry.status, JobStatus::kRetryScheduled);
  EXPECT_EQ(retry.attempt_number, 2);
  EXPECT_EQ(retry.scheduled_at, kTuesdayMorningInNewYork + 11s + 2h);
  EXPECT_EQ(worker_->Stats().calls_started, 0);  // not dialed again at once

  clock_.Advance(2h);
  ASSERT_TRUE(WaitForCompletedCalls(1));
  EXPECT_EQ(Job(id).status, JobStatus::kGoalAchieved);
  EXPECT_EQ(store_->GetLead(kTenant, Job(id).lead_id)->call_attempts, 2);
}

TEST_F(DialerWorkerTest, RepeatedFinalEventChangesNothing) {
  std::map<std::string, JobId> jobs = StartCampaign({"+12125550486"});
  StartWorker({.ring_time = 0ms, .talk_time = 0ms});
  ASSERT_TRUE(WaitForCompletedCalls(1));
  const DialerJob after_first = Job(jobs["+12125550486"]);
  const CallRecord call = store_->ListCalls(kTenant, {.campaign = kCampaign}, {})->items.front();

  // The provider repeats its final event (a webhook retry): nothing moves.
  worker_->OnCallEvent(CallEvent{.call_id = call.id,
                                 .provider_call_id = call.provider_call_id,
                                 .status = CallStatus::kCompleted,
                                 .outcome = CallOutcome::kBusy,
                                 .occurred_at = clock_.Now()});
  EXPECT_EQ(Job(jobs["+12125550486"]), after_first);
  EXPECT_EQ(store_->GetCampaign(kTenant, kCampaign)->calls_failed, 1);
  EXPECT_EQ(store_->GetLead(kTenant, after_first.lead_id)->call_attempts, 1);
}

TEST_F(DialerWorkerTest, OutsideCallingHoursTheJobIsDeferredOnceToTheExactInstant) {
  clock_.Set(sys_days{2026y / 11 / 17} + 3h);  // 22:00 on Monday in New York
  std::map<std::string, JobId> jobs = StartCampaign({"+12125550200"});
  StartWorker({.ring_time = 0ms, .talk_time = 0ms});
  ASSERT_TRUE(WaitUntil([&] { return worker_->Stats().jobs_deferred == 1; }));
  const DialerJob deferred = Job(jobs["+12125550200"]);
  EXPECT_EQ(deferred.status, JobStatus::kSkipped);
  EXPECT_EQ(deferred.last_error, "outside_calling_window");
  EXPECT_EQ(deferred.scheduled_at, sys_days{2026y / 11 / 17} + 14h);  // 09:00 in New York
  EXPECT_EQ(deferred.attempt_number, 1);
  EXPECT_EQ(worker_->Stats().calls_started, 0);
  EXPECT_EQ(queue_.Stats()->scheduled_size, 1);

  clock_.Set(sys_days{2026y / 11 / 17} + 14h);
  ASSERT_TRUE(WaitForCompletedCalls(1));
  EXPECT_EQ(Job(jobs["+12125550200"]).status, JobStatus::kGoalAchieved);
  EXPECT_EQ(worker_->Stats().jobs_deferred, 1);  // once, not every five minutes
}

TEST_F(DialerWorkerTest, StopLetsCallsEndThenHangsUpWhatIsLeft) {
  std::map<std::string, JobId> jobs = StartCampaign({"+12125550200", "+12125550204"});
  StartWorker({.ring_time = 0ms, .talk_time = 3600s}, {.drain_timeout = 50ms});
  ASSERT_TRUE(WaitUntil([&] { return worker_->Stats().calls_started == 2; }));
  ASSERT_TRUE(WaitUntil([&] {  // both answered: ringing and answer take 2 ms at speed 100
    return store_->ListCalls(kTenant, {.campaign = kCampaign}, {})->items.size() == 2 &&
           store_->ListCalls(kTenant, {.campaign = kCampaign}, {})->items[1].status ==
               CallStatus::kAnswered &&
           store_->ListCalls(kTenant, {.campaign = kCampaign}, {})->items[0].status ==
               CallStatus::kAnswered;
  }));
  StopWorker();  // the calls would talk for an hour; the drain hangs them up
  EXPECT_EQ(worker_->CallsInFlight(), 0);
  for (const auto& [number, id] : jobs) {
    EXPECT_EQ(Job(id).status, JobStatus::kCompleted) << number;  // answered, hung up
    EXPECT_EQ(Job(id).last_outcome, CallOutcome::kGoalNotAchieved) << number;
  }
}

}  // namespace
}  // namespace talky
