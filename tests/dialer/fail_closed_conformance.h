// Compliance fails closed (issue 12), on each store backend: while one read or write that the
// calling rules need fails (the store's, or setting the queue's caps), the worker originates no
// call, defers the job (store_unavailable, counted in store_errors) and keeps it; once the store
// answers again the job is dialed, once. A row per method on the path from take to originate.
//
// The rules' "now" and the retry delay follow a ManualClock; the simulated calls play out on an
// io thread in sped-up real time, so the tests wait on conditions with a bound.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <functional>
#include <thread>

#include "dialer/dialer_worker.h"
#include "failing_store.h"
#include "harness/test_servers.h"
#include "queue/local/local_job_queue.h"
#include "telephony/simulated/simulated_telephony.h"

namespace talky {

using namespace std::chrono;

// Tuesday 2026-11-17 15:00 UTC is 10:00 in New York: inside the default 09:00-19:00 window.
inline const Instant kFailClosedStart = sys_days{2026y / 11 / 17} + 15h;

// Counts the calls the worker asks to place.
class CountingProvider final : public TelephonyProvider {
 public:
  void Wrap(TelephonyProvider& inner) { inner_ = &inner; }
  Expected<std::string> Originate(const OriginateRequest& request) override {
    ++originated_;
    return inner_->Originate(request);
  }
  Expected<void> Hangup(std::string_view provider_call_id) override {
    return inner_->Hangup(provider_call_id);
  }
  int originated() const { return originated_; }

 private:
  TelephonyProvider* inner_ = nullptr;
  std::atomic<int> originated_{0};
};

// One tenant's campaign with one lead, and a worker over the failing decorators; every row gets
// its own tenant, queue and worker, so no cache carries over.
class FailClosedRun {
 public:
  FailClosedRun(Store& store, ManualClock& clock, IdGenerator& ids, int row,
                milliseconds lease = kDefaultLease)
      : store_(store),
        clock_(clock),
        tenant_("tenant-" + std::to_string(row)),
        campaign_("campaign-" + std::to_string(row)),
        // 200: answered, goal achieved. 212-555-N200 in New York, one number per row.
        number_("+1212555" + std::to_string(row % 10) + "200"),
        queue_(clock, LocalQueueOptions{.seed = 3}),
        failing_store_(store, switch_),
        failing_queue_(queue_, switch_),
        worker_(failing_queue_, failing_store_, clock, ids,
                {.lease = lease, .idle_wait = 20ms, .provider_retry_delay = 60s}),
        simulated_(io_, clock, worker_,
                   SimulatedTelephonyOptions{.timing = {.ring_time = 0ms, .talk_time = 0ms},
                                             .speed = 100}) {
    provider_.Wrap(simulated_);
    worker_.SetProvider(provider_);
  }

  ~FailClosedRun() {
    if (worker_thread_.joinable()) {
      worker_thread_.request_stop();
      worker_thread_.join();
    }
    work_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  // Creates the tenant, campaign, lead and job (through the real store) and queues the job.
  DialerJob Start() {
    EXPECT_TRUE(store_.CreateTenant(
        Tenant{.id = tenant_, .name = "Acme", .api_key_hash = "hash-" + tenant_.value}));
    EXPECT_TRUE(store_.CreateCampaign(Campaign{.id = campaign_,
                                               .tenant_id = tenant_,
                                               .name = "Renewals",
                                               .system_prompt = "Be brief",
                                               .voice_id = "v1",
                                               .created_at = clock_.Now()}));
    const std::vector<Lead> leads{Lead{.phone_number = number_}};
    EXPECT_TRUE(store_.ImportLeads(tenant_, campaign_, leads));
    Expected<std::vector<DialerJob>> jobs =
        store_.CreateCampaignJobs(tenant_, campaign_, clock_.Now());
    EXPECT_TRUE(jobs && jobs->size() == 1);
    EXPECT_TRUE(
        store_.UpdateCampaignStatus(tenant_, campaign_, CampaignStatus::kRunning, clock_.Now()));
    return jobs->front();
  }

  void Enqueue(const DialerJob& job) { EXPECT_TRUE(queue_.Enqueue(job)); }

  void RunWorker() {
    io_thread_ = std::thread([this] { io_.run(); });
    worker_thread_ = std::jthread([this](std::stop_token stop) { worker_.Run(stop); });
  }

  static bool WaitUntil(const std::function<bool()>& condition) {
    const auto deadline = steady_clock::now() + 30s;
    while (!condition()) {
      if (steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  JobStatus StatusOf(const JobId& job) { return store_.GetJob(tenant_, job).value().status; }

  Store& store_;
  ManualClock& clock_;
  const TenantId tenant_;
  const CampaignId campaign_;
  const std::string number_;
  testing::FailureSwitch switch_;
  LocalJobQueue queue_;
  testing::FailingStore failing_store_;
  testing::FailingJobQueue failing_queue_;
  DialerWorker worker_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  SimulatedTelephony simulated_;
  CountingProvider provider_;
  std::thread io_thread_;
  std::jthread worker_thread_;
};

// A Backend provides: static Expected<std::unique_ptr<Backend>> Open(Clock&, IdGenerator&) and
// Store& store().
template <typename Backend>
class FailClosed : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<Backend>> backend = Backend::Open(clock_, ids_);
    ASSERT_TRUE(backend) << backend.error().Describe();
    backend_ = std::move(*backend);
  }

  ManualClock clock_{kFailClosedStart};
  RandomIdGenerator ids_{7};
  std::unique_ptr<Backend> backend_;
};

TYPED_TEST_SUITE_P(FailClosed);

// Every read and write on the path from take to originate, one row each.
TYPED_TEST_P(FailClosed, NoCallWhileACheckFailsThenOneCallOnceTheStoreAnswers) {
  const std::vector<std::string> failing_methods = {
      "GetJob",      "UpdateJobs",         "GetTenant",       "GetCampaign",     "GetLead",
      "IsDoNotCall", "CallsToNumberSince", "SetTenantLimits", "SetCampaignLimit"};
  int row = 0;
  for (const std::string& method : failing_methods) {
    SCOPED_TRACE("failing: " + method);
    FailClosedRun run(this->backend_->store(), this->clock_, this->ids_, row++);
    const DialerJob job = run.Start();
    run.Enqueue(job);
    run.switch_.Fail(method);
    run.RunWorker();

    ASSERT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().store_errors >= 1; }));
    EXPECT_GE(run.switch_.failures(), 1);
    EXPECT_EQ(run.provider_.originated(), 0);
    EXPECT_EQ(run.worker_.Stats().calls_started, 0);

    // The store answers again; the job comes back after the retry delay and is dialed once.
    run.switch_.HealAll();
    this->clock_.Advance(61s);
    ASSERT_TRUE(run.WaitUntil([&] { return run.StatusOf(job.job_id) == JobStatus::kGoalAchieved; }))
        << "job is " << ToString(run.StatusOf(job.job_id));
    EXPECT_EQ(run.provider_.originated(), 1);
  }
}

// The defect the issue names: a number on the Do-Not-Call list while the list cannot be read.
TYPED_TEST_P(FailClosed, ANumberOnTheDoNotCallListIsNeverDialedWhileTheListCannotBeRead) {
  FailClosedRun run(this->backend_->store(), this->clock_, this->ids_, 0);
  const DialerJob job = run.Start();
  ASSERT_TRUE(run.store_.AddDoNotCall(run.tenant_, run.number_, this->clock_.Now()));
  run.Enqueue(job);
  run.switch_.Fail("IsDoNotCall");
  run.RunWorker();

  ASSERT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().store_errors >= 1; }));
  EXPECT_EQ(run.StatusOf(job.job_id), JobStatus::kSkipped);
  EXPECT_EQ(run.store_.GetJob(run.tenant_, job.job_id)->last_error, "store_unavailable");

  run.switch_.HealAll();
  this->clock_.Advance(61s);
  ASSERT_TRUE(run.WaitUntil([&] { return run.StatusOf(job.job_id) == JobStatus::kNonRetryable; }));
  EXPECT_EQ(run.provider_.originated(), 0);
}

// A job that comes back from a dead worker with its call still open: while the call cannot be
// read, the worker neither dials again nor closes anything; then it ends the lost call.
TYPED_TEST_P(FailClosed, ALostCallThatCannotBeReadIsNeitherRedialedNorClosed) {
  FailClosedRun run(this->backend_->store(), this->clock_, this->ids_, 0);
  DialerJob job = run.Start();
  const JobStatus pending = job.status;
  job.status = JobStatus::kProcessing;
  job.call_id = CallId{"lost-call"};
  ASSERT_TRUE(run.store_.UpdateJob(run.tenant_, pending, job));
  ASSERT_TRUE(run.store_.RecordCall(CallRecord{.id = *job.call_id,
                                               .tenant_id = run.tenant_,
                                               .campaign_id = run.campaign_,
                                               .lead_id = job.lead_id,
                                               .job_id = job.job_id,
                                               .provider_call_id = "sim-lost-call",
                                               .to_number = run.number_,
                                               .caller_id = "+12025550100",
                                               .created_at = this->clock_.Now()}));
  run.Enqueue(job);
  run.switch_.Fail("GetCall");
  run.RunWorker();

  ASSERT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().store_errors >= 1; }));
  EXPECT_EQ(run.provider_.originated(), 0);
  EXPECT_EQ(run.worker_.Stats().lost_calls_closed, 0);
  EXPECT_EQ(run.StatusOf(job.job_id), JobStatus::kProcessing);

  run.switch_.HealAll();
  this->clock_.Advance(61s);
  ASSERT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().lost_calls_closed == 1; }));
  EXPECT_EQ(run.provider_.originated(), 0);
  const CallRecord lost = run.store_.GetCall(run.tenant_, *job.call_id).value();
  EXPECT_EQ(lost.status, CallStatus::kCompleted);
  EXPECT_EQ(lost.outcome, CallOutcome::kFailed);
}

// The batch writes while the store refuses them: the take batch's call records are written one
// by one instead, and a call that ended keeps its outcome in memory (its lease kept alive) until
// the store takes the completion; then the job closes once.
TYPED_TEST_P(FailClosed, ACompletionTheStoreCannotTakeIsKeptUntilItCan) {
  FailClosedRun run(this->backend_->store(), this->clock_, this->ids_, 0, 600ms);
  const DialerJob job = run.Start();
  run.Enqueue(job);
  run.switch_.Fail("RecordCalls");
  run.switch_.Fail("CompleteAttempts");
  run.RunWorker();

  ASSERT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().completions_retried >= 2; }));
  EXPECT_EQ(run.provider_.originated(), 1);
  EXPECT_EQ(run.StatusOf(job.job_id), JobStatus::kProcessing);
  const DialerJob processing = run.store_.GetJob(run.tenant_, job.job_id).value();
  ASSERT_TRUE(processing.call_id);
  EXPECT_TRUE(run.store_.GetCall(run.tenant_, *processing.call_id));  // recorded alone

  run.switch_.HealAll();
  ASSERT_TRUE(run.WaitUntil([&] { return run.StatusOf(job.job_id) == JobStatus::kGoalAchieved; }));
  // The committer counts the call once the store and the queue took it.
  EXPECT_TRUE(run.WaitUntil([&] { return run.worker_.Stats().calls_completed == 1; }));
  EXPECT_EQ(run.provider_.originated(), 1);
  EXPECT_EQ(run.store_.GetCall(run.tenant_, *processing.call_id)->status, CallStatus::kCompleted);
}

REGISTER_TYPED_TEST_SUITE_P(FailClosed, NoCallWhileACheckFailsThenOneCallOnceTheStoreAnswers,
                            ANumberOnTheDoNotCallListIsNeverDialedWhileTheListCannotBeRead,
                            ALostCallThatCannotBeReadIsNeitherRedialedNorClosed,
                            ACompletionTheStoreCannotTakeIsKeptUntilItCan);

}  // namespace talky
