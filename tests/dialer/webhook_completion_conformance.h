// Distributed call completion, end to end, on each backend pair (SQLite + embedded queue in the
// unit binary, PostgreSQL + Redis in the server one): a DialerWorker with the real VonageTelephony
// places calls on the fake Vonage; the fake's events come back as signed webhook requests through
// Router::Handle with the routes of AddVonageWebhookRoutes, wired to a CallEventIntake that shares
// only the store's data and the queue with the worker, as a `talky serve` process would (its own
// store handle, and on Redis its own queue connection).
//
// The rules' "now" and the retry delays follow a ManualClock. The worker's lease keeper runs on
// real time (every lease / 3), so tests wait for its next extension on a condition with a bound.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "dialer/call_event_intake.h"
#include "dialer/dialer_worker.h"
#include "harness/test_servers.h"
#include "http/webhooks/vonage_webhooks.h"
#include "telephony/fake_vonage.h"
#include "telephony/vonage/vonage_telephony.h"

namespace talky {

using namespace std::chrono;
using nlohmann::json;

// Tuesday 2026-11-17 15:00 UTC is 10:00 in New York: inside the default 09:00-19:00 window.
inline const Instant kCompletionTestStart = sys_days{2026y / 11 / 17} + 15h;
inline const std::string kTestApplicationId = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";
inline const std::string kTestSignatureSecret = "vonage-signature-secret";
inline const std::string kTestMediaUri = "wss://talky.example.com/media";

// A Backend provides: static Expected<Backend> Open(Clock&, IdGenerator& worker_ids,
// IdGenerator& serve_ids), and Store& worker_store(), serve_store(); JobQueue& worker_queue(),
// serve_queue().
template <typename Backend>
class WebhookCompletion : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { keys_ = new testing::RsaKeyPair(testing::GenerateRsaKeyPair()); }
  static void TearDownTestSuite() { delete keys_; }

  void SetUp() override {
    Expected<std::unique_ptr<Backend>> backend = Backend::Open(clock_, worker_ids_, serve_ids_);
    ASSERT_TRUE(backend) << backend.error().Describe();
    backend_ = std::move(*backend);
    Store& store = backend_->worker_store();
    ASSERT_TRUE(store.CreateTenant(Tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"}));
    ASSERT_TRUE(store.CreateCampaign(Campaign{.id = kCampaign,
                                              .tenant_id = kTenant,
                                              .name = "Renewals",
                                              .system_prompt = "Be brief",
                                              .voice_id = "v1",
                                              .created_at = clock_.Now()}));
    fake_ = std::make_unique<testing::FakeVonage>(kTestApplicationId, keys_->public_pem, clock_);
    intake_ = std::make_unique<CallEventIntake>(
        backend_->serve_queue(), backend_->serve_store(), clock_,
        CallEventIntakeOptions{.unrecorded_call_grace = seconds(20)});
    counters_ = AddVonageWebhookRoutes(
        router_, {.signature_secret = kTestSignatureSecret, .media_websocket_uri = kTestMediaUri},
        *intake_, clock_);
  }

  void TearDown() override {
    if (worker_thread_.joinable()) {
      worker_thread_.request_stop();
      worker_thread_.join();
    }
  }

  // Imports the leads, starts the campaign and queues its jobs; returns job ids by number.
  std::map<std::string, JobId> StartCampaign(const std::vector<std::string>& numbers) {
    Store& store = backend_->worker_store();
    std::vector<Lead> leads;
    for (const std::string& number : numbers) leads.push_back(Lead{.phone_number = number});
    EXPECT_TRUE(store.ImportLeads(kTenant, kCampaign, leads));
    Expected<std::vector<DialerJob>> jobs =
        store.CreateCampaignJobs(kTenant, kCampaign, clock_.Now());
    EXPECT_TRUE(jobs);
    EXPECT_TRUE(
        store.UpdateCampaignStatus(kTenant, kCampaign, CampaignStatus::kRunning, clock_.Now()));
    EXPECT_TRUE(backend_->worker_queue().Enqueue(*jobs));
    std::map<std::string, JobId> ids;
    for (const DialerJob& job : *jobs) ids[job.phone_number] = job.job_id;
    return ids;
  }

  void StartWorker() {
    worker_ = std::make_unique<DialerWorker>(
        backend_->worker_queue(), backend_->worker_store(), clock_, worker_ids_,
        DialerWorkerOptions{.lease = milliseconds(300), .idle_wait = milliseconds(20)});
    vonage_ = std::make_unique<VonageTelephony>(
        VonageOptions{.api_base_url = fake_->BaseUrl(),
                      .application_id = kTestApplicationId,
                      .private_key_pem = keys_->private_pem,
                      .event_url = "https://talky.example.com/webhooks/vonage/event",
                      .media_websocket_uri = kTestMediaUri,
                      .signature_secret = kTestSignatureSecret},
        http_, clock_, *worker_, 11);
    worker_->SetProvider(*vonage_);
    worker_thread_ = std::jthread([this](std::stop_token stop) { worker_->Run(stop); });
  }

  bool WaitUntil(const std::function<bool()>& condition) {
    const auto deadline = steady_clock::now() + 30s;
    while (!condition()) {
      if (steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  // The fake's call placed for `job` (by the call id in its event_url), once the worker recorded
  // it.
  std::optional<testing::FakeVonageCall> CallOf(const JobId& job) {
    std::optional<testing::FakeVonageCall> found;
    EXPECT_TRUE(WaitUntil([&] {
      Expected<DialerJob> stored = backend_->worker_store().GetJob(kTenant, job);
      if (!stored || stored->status != JobStatus::kProcessing || !stored->call_id) return false;
      for (const testing::FakeVonageCall& call : fake_->calls()) {
        if (TargetOf(call).ends_with("call_id=" + stored->call_id->value) &&
            backend_->worker_store().GetCall(kTenant, *stored->call_id)) {
          found = call;
          return true;
        }
      }
      return false;
    }));
    return found;
  }

  static std::string TargetOf(const testing::FakeVonageCall& call) {
    const std::string url = call.request["event_url"][0].get<std::string>();
    return url.substr(url.find("/webhooks/"));
  }

  // Vonage POSTs the event to the call's event_url, signed with `secret`.
  HttpResponse Deliver(const testing::FakeVonageCall& call, const std::string& status,
                       const std::string& detail = "",
                       const std::string& secret = kTestSignatureSecret) {
    const std::string body = fake_->EventBody(call, status, detail, clock_.Now()).dump();
    return Post(TargetOf(call), body, testing::FakeVonage::SignWebhook(body, secret, clock_.Now()));
  }

  HttpResponse Post(const std::string& target, const std::string& body,
                    const std::string& authorization) {
    HttpRequest request{
        .method = "POST",
        .path = target.substr(0, target.find('?')),
        .target = target,
        .headers = {{"authorization", authorization}, {"content-type", "application/json"}},
        .body = body};
    return router_.Handle(std::move(request));
  }

  DialerJob Job(const JobId& id) { return backend_->worker_store().GetJob(kTenant, id).value(); }
  Campaign CampaignNow() {
    return backend_->worker_store().GetCampaign(kTenant, kCampaign).value();
  }
  Lead LeadOf(const JobId& id) {
    return backend_->worker_store().GetLead(kTenant, Job(id).lead_id).value();
  }

  const TenantId kTenant{"t1"};
  const CampaignId kCampaign{"c1"};
  static inline testing::RsaKeyPair* keys_ = nullptr;
  ManualClock clock_{kCompletionTestStart};
  RandomIdGenerator worker_ids_{7};
  RandomIdGenerator serve_ids_{8};
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<testing::FakeVonage> fake_;
  HttpClient http_{{.connect_timeout = seconds(5), .request_timeout = seconds(5)}};
  std::unique_ptr<CallEventIntake> intake_;
  Router router_;
  std::shared_ptr<const VonageWebhookCounters> counters_;
  std::unique_ptr<DialerWorker> worker_;
  std::unique_ptr<VonageTelephony> vonage_;
  std::jthread worker_thread_;
};

TYPED_TEST_SUITE_P(WebhookCompletion);

TYPED_TEST_P(WebhookCompletion, WebhooksCompleteOrRetryTheJobAndTheWorkerLetsGo) {
  std::map<std::string, JobId> jobs = this->StartCampaign({"+12125550101", "+12125550102"});
  const JobId answered_job = jobs["+12125550101"];
  const JobId busy_job = jobs["+12125550102"];
  this->StartWorker();
  std::optional<testing::FakeVonageCall> answered = this->CallOf(answered_job);
  std::optional<testing::FakeVonageCall> busy = this->CallOf(busy_job);
  ASSERT_TRUE(answered && busy);
  ASSERT_EQ(this->worker_->CallsInFlight(), 2);

  // Progress events move the call; the job stays processing under the worker's lease.
  for (const char* status : {"started", "ringing", "answered"}) {
    EXPECT_EQ(this->Deliver(*answered, status).status, 200) << status;
  }
  const CallId answered_call = *this->Job(answered_job).call_id;
  EXPECT_EQ(this->backend_->worker_store().GetCall(this->kTenant, answered_call)->status,
            CallStatus::kAnswered);
  EXPECT_EQ(this->Job(answered_job).status, JobStatus::kProcessing);

  // Final events: answered then hung up (goal not reached) completes; busy is retried by policy.
  EXPECT_EQ(this->Deliver(*answered, "completed").status, 200);
  EXPECT_EQ(this->Deliver(*busy, "busy").status, 200);
  EXPECT_EQ(this->Job(answered_job).status, JobStatus::kCompleted);
  EXPECT_EQ(this->Job(answered_job).last_outcome, CallOutcome::kGoalNotAchieved);
  const DialerJob retried = this->Job(busy_job);
  EXPECT_EQ(retried.status, JobStatus::kRetryScheduled);
  EXPECT_EQ(retried.attempt_number, 2);
  EXPECT_EQ(retried.scheduled_at, kCompletionTestStart + 2h);  // the tenant's 7200 s delay
  EXPECT_EQ(retried.last_outcome, CallOutcome::kBusy);

  // The worker notices at its next lease extension and frees both slots.
  ASSERT_TRUE(this->WaitUntil([&] { return this->worker_->CallsInFlight() == 0; }));
  EXPECT_EQ(this->worker_->Stats().calls_closed_elsewhere, 2);
  EXPECT_EQ(this->worker_->Stats().leases_lost, 0);
  Expected<QueueStats> queue = this->backend_->worker_queue().Stats();
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->processing_size, 0);
  EXPECT_EQ(queue->scheduled_size, 1);
  EXPECT_EQ(queue->total_completed, 1);
  EXPECT_EQ(queue->total_retried, 1);

  // Lead and campaign counters moved once per call; repeats and late events change nothing.
  const Campaign after_first = this->CampaignNow();
  EXPECT_EQ(after_first.calls_completed, 1);
  EXPECT_EQ(after_first.calls_failed, 1);
  EXPECT_EQ(after_first.status, CampaignStatus::kRunning);
  EXPECT_EQ(this->LeadOf(answered_job).call_attempts, 1);
  EXPECT_EQ(this->LeadOf(busy_job).call_attempts, 1);
  EXPECT_EQ(this->LeadOf(busy_job).last_call_result, "busy");
  const DialerJob answered_before = this->Job(answered_job);
  EXPECT_EQ(this->Deliver(*answered, "completed").status, 200);  // Vonage retrying
  EXPECT_EQ(this->Deliver(*busy, "busy").status, 200);
  EXPECT_EQ(this->Deliver(*busy, "ringing").status, 200);  // out of order: kept, moves nothing
  EXPECT_EQ(this->Deliver(*answered, "disconnected").status, 200);  // a second final status
  EXPECT_EQ(this->Job(answered_job), answered_before);
  EXPECT_EQ(this->Job(busy_job), retried);
  EXPECT_EQ(this->CampaignNow(), after_first);
  EXPECT_EQ(this->LeadOf(answered_job).call_attempts, 1);
  EXPECT_EQ(this->LeadOf(busy_job).call_attempts, 1);
  EXPECT_EQ(this->backend_->worker_store().GetCall(this->kTenant, answered_call)->status,
            CallStatus::kCompleted);
  const CallRecord busy_call =
      this->backend_->worker_store().FindCallByProviderCallId(busy->uuid).value();
  EXPECT_EQ(busy_call.status, CallStatus::kCompleted);
  EXPECT_EQ(busy_call.outcome, CallOutcome::kBusy);
  EXPECT_EQ(this->intake_->Stats().completed, 2);
  EXPECT_EQ(this->intake_->Stats().duplicates, 3);
  EXPECT_EQ(this->intake_->Stats().recorded, 4);
  EXPECT_EQ(this->backend_->worker_queue().Stats()->total_completed, 1);

  // The retry falls due; its call ends the campaign. The first attempt's late final event cannot
  // close the second attempt.
  this->clock_.Advance(2h);
  std::optional<testing::FakeVonageCall> second = this->CallOf(busy_job);
  ASSERT_TRUE(second);
  EXPECT_NE(second->uuid, busy->uuid);
  EXPECT_EQ(this->Deliver(*busy, "timeout").status, 200);
  EXPECT_EQ(this->Job(busy_job).status, JobStatus::kProcessing);
  EXPECT_EQ(this->Deliver(*second, "answered").status, 200);
  EXPECT_EQ(this->Deliver(*second, "completed").status, 200);
  EXPECT_EQ(this->Job(busy_job).status, JobStatus::kCompleted);
  EXPECT_EQ(this->Job(busy_job).attempt_number, 2);
  ASSERT_TRUE(this->WaitUntil([&] { return this->worker_->CallsInFlight() == 0; }));
  EXPECT_EQ(this->worker_->Stats().calls_closed_elsewhere, 3);
  const Campaign done = this->CampaignNow();
  EXPECT_EQ(done.status, CampaignStatus::kCompleted);
  EXPECT_EQ(done.calls_completed, 2);
  EXPECT_EQ(done.calls_failed, 1);
  EXPECT_EQ(this->LeadOf(busy_job).call_attempts, 2);
  EXPECT_EQ(this->backend_->worker_queue().Stats()->processing_size, 0);
  EXPECT_EQ(this->worker_->Stats().calls_started, 3);
  EXPECT_EQ(this->worker_->Stats().calls_completed, 0);  // all completed by the webhook path
}

TYPED_TEST_P(WebhookCompletion, BadSignatureIsRefusedAndChangesNothing) {
  std::map<std::string, JobId> jobs = this->StartCampaign({"+12125550101"});
  const JobId job = jobs["+12125550101"];
  this->StartWorker();
  std::optional<testing::FakeVonageCall> call = this->CallOf(job);
  ASSERT_TRUE(call);
  const DialerJob before = this->Job(job);
  const Campaign campaign_before = this->CampaignNow();

  HttpResponse forged = this->Deliver(*call, "busy", "", "not-the-secret");
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(json::parse(forged.body)["error"]["code"], "unauthenticated");
  const std::string body = this->fake_->EventBody(*call, "busy", "", this->clock_.Now()).dump();
  HttpResponse unsigned_request = this->Post(this->TargetOf(*call), body, "");
  EXPECT_EQ(unsigned_request.status, 401);
  // Signed for another body: the payload hash does not match.
  HttpResponse swapped =
      this->Post(this->TargetOf(*call), body,
                 testing::FakeVonage::SignWebhook(
                     this->fake_->EventBody(*call, "ringing", "", this->clock_.Now()).dump(),
                     kTestSignatureSecret, this->clock_.Now()));
  EXPECT_EQ(swapped.status, 401);
  EXPECT_EQ(this->counters_->unauthorized.load(), 3);

  EXPECT_EQ(this->Job(job), before);
  EXPECT_EQ(this->CampaignNow(), campaign_before);
  EXPECT_TRUE(
      this->backend_->worker_store().ListCallEvents(this->kTenant, *before.call_id)->empty());
  EXPECT_EQ(this->backend_->worker_queue().Stats()->processing_size, 1);
  EXPECT_EQ(this->worker_->CallsInFlight(), 1);

  // A bad body is a 400 naming the field, and changes nothing either.
  HttpResponse bad =
      this->Post(this->TargetOf(*call), R"({"uuid": 7, "status": "busy"})",
                 testing::FakeVonage::SignWebhook(R"({"uuid": 7, "status": "busy"})",
                                                  kTestSignatureSecret, this->clock_.Now()));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["fields"][0]["field"], "uuid");
  EXPECT_EQ(this->Job(job), before);

  // The genuine event still completes the attempt.
  EXPECT_EQ(this->Deliver(*call, "busy").status, 200);
  EXPECT_EQ(this->Job(job).status, JobStatus::kRetryScheduled);
}

TYPED_TEST_P(WebhookCompletion, EventOfAnUnknownCallIsAnsweredAndCounted) {
  const testing::FakeVonageCall stranger{
      .uuid = "0b1c2d3e-aaaa-bbbb-cccc-000000000001",
      .conversation_uuid = "CON-0b1c2d3e",
      .request = {{"to", json::array({{{"type", "phone"}, {"number", "14155550100"}}})},
                  {"from", {{"type", "phone"}, {"number", "14155550199"}}},
                  {"event_url", json::array({"https://talky.example.com/webhooks/vonage/event"})}}};
  EXPECT_EQ(this->Deliver(stranger, "completed").status, 200);
  EXPECT_EQ(this->intake_->Stats().unknown_calls, 1);
  EXPECT_EQ(this->intake_->Stats().completed, 0);
}

// Advanced machine detection: after the answer Vonage posts its verdict naming the call
// `call_uuid` (not `uuid`); `machine` makes the call a voicemail, so its plain end is retried by
// the tenant's policy (voicemail is retryable by default) instead of closing the lead.
TYPED_TEST_P(WebhookCompletion, AMachineVerdictMakesTheCallsEndAVoicemail) {
  std::map<std::string, JobId> jobs = this->StartCampaign({"+12125550101"});
  const JobId job = jobs["+12125550101"];
  this->StartWorker();
  std::optional<testing::FakeVonageCall> call = this->CallOf(job);
  ASSERT_TRUE(call);
  EXPECT_EQ(this->Deliver(*call, "answered").status, 200);
  const nlohmann::json verdict = {
      {"call_uuid", call->uuid},
      {"conversation_uuid", call->conversation_uuid},
      {"status", "machine"},
      {"sub_state", "beep_start"},
      {"from", call->request["from"]["number"]},
      {"to", call->request["to"][0]["number"]},
      {"timestamp",
       this->fake_->EventBody(*call, "answered", "", this->clock_.Now())["timestamp"]}};
  const std::string body = verdict.dump();
  const HttpResponse answer =
      this->Post(this->TargetOf(*call), body,
                 testing::FakeVonage::SignWebhook(body, kTestSignatureSecret, this->clock_.Now()));
  EXPECT_EQ(answer.status, 200) << answer.body;
  const CallId call_id = *this->Job(job).call_id;
  EXPECT_EQ(this->backend_->worker_store().GetCall(this->kTenant, call_id)->outcome,
            CallOutcome::kVoicemail);
  EXPECT_EQ(this->Job(job).status, JobStatus::kProcessing);  // the call goes on

  EXPECT_EQ(this->Deliver(*call, "completed").status, 200);
  const DialerJob ended = this->Job(job);
  EXPECT_EQ(ended.last_outcome, CallOutcome::kVoicemail);
  EXPECT_EQ(ended.status, JobStatus::kRetryScheduled);
  EXPECT_EQ(this->backend_->worker_store().GetCall(this->kTenant, call_id)->outcome,
            CallOutcome::kVoicemail);
}

// The conversation's verdict, recorded by the media side as an event after the answer (as
// app/store_conversation_recorder does), decides how the provider's plain `completed` counts:
// the goal reached closes the job as goal_achieved; an opt-out as non_retryable (do_not_call).
TYPED_TEST_P(WebhookCompletion, TheConversationsVerdictDecidesHowTheAnsweredCallEnds) {
  std::map<std::string, JobId> jobs = this->StartCampaign({"+12125550101", "+12125550102"});
  this->StartWorker();
  const std::vector<std::pair<std::string, CallOutcome>> rows = {
      {"+12125550101", CallOutcome::kGoalAchieved}, {"+12125550102", CallOutcome::kDoNotCall}};
  for (const auto& [number, verdict] : rows) {
    SCOPED_TRACE(number);
    const JobId job = jobs[number];
    std::optional<testing::FakeVonageCall> call = this->CallOf(job);
    ASSERT_TRUE(call);
    EXPECT_EQ(this->Deliver(*call, "answered").status, 200);
    const CallId call_id = *this->Job(job).call_id;
    ASSERT_TRUE(this->backend_->worker_store().RecordCallEvent(
        this->kTenant, {.call_id = call_id,
                        .provider_call_id = call->uuid,
                        .status = CallStatus::kAnswered,
                        .outcome = verdict,
                        .occurred_at = this->clock_.Now(),
                        .payload = {{"source", "conversation"}}}));
    EXPECT_EQ(this->Deliver(*call, "completed").status, 200);
    const DialerJob ended = this->Job(job);
    EXPECT_EQ(ended.last_outcome, verdict);
    EXPECT_EQ(ended.status, verdict == CallOutcome::kGoalAchieved ? JobStatus::kGoalAchieved
                                                                  : JobStatus::kNonRetryable);
    EXPECT_EQ(this->backend_->worker_store().GetCall(this->kTenant, call_id)->outcome, verdict);
  }
}

// Vonage can report a quick failure before the worker has recorded the call it just placed: the
// event names our call id, so the intake parks it (answering at once) instead of dropping it, and
// applies it once the record is there.
TYPED_TEST_P(WebhookCompletion, FinalEventBeforeTheCallIsRecordedStillCompletesTheJob) {
  std::map<std::string, JobId> jobs = this->StartCampaign({"+12125550101"});
  Store& store = this->backend_->worker_store();
  Expected<std::optional<TakenJob>> taken = this->backend_->worker_queue().Take(seconds(30));
  ASSERT_TRUE(taken && *taken);
  DialerJob job = store.GetJob(this->kTenant, jobs["+12125550101"]).value();
  job.status = JobStatus::kProcessing;
  job.call_id = CallId{"call-early"};
  ASSERT_TRUE(store.UpdateJob(this->kTenant, JobStatus::kPending, job));
  const testing::FakeVonageCall early{
      .uuid = "e4a1e4a1-aaaa-bbbb-cccc-000000000002",
      .conversation_uuid = "CON-e4a1e4a1",
      .request = {{"to", json::array({{{"type", "phone"}, {"number", "12125550101"}}})},
                  {"from", {{"type", "phone"}, {"number", "12025550100"}}},
                  {"event_url", json::array({"https://talky.example.com/webhooks/vonage/"
                                             "event?call_id=call-early"})}}};

  // Answered on this thread while the call is still unrecorded (the grace is 20 s).
  EXPECT_EQ(this->Deliver(early, "busy").status, 200);
  EXPECT_EQ(this->intake_->Stats().awaiting_record, 1);
  EXPECT_EQ(this->intake_->Stats().waited_for_record, 1);
  EXPECT_EQ(this->intake_->Stats().completed, 0);
  ASSERT_TRUE(store.RecordCall(CallRecord{.id = CallId{"call-early"},
                                          .tenant_id = this->kTenant,
                                          .job_id = job.job_id,
                                          .provider_call_id = early.uuid,
                                          .to_number = job.phone_number,
                                          .created_at = this->clock_.Now(),
                                          .lease_token = (*taken)->lease.token}));
  ASSERT_TRUE(this->WaitUntil([&] { return this->intake_->Stats().completed == 1; }));
  EXPECT_EQ(this->intake_->Stats().awaiting_record, 0);
  EXPECT_EQ(this->Job(job.job_id).status, JobStatus::kRetryScheduled);
  EXPECT_EQ(this->backend_->worker_queue().Stats()->processing_size, 0);
  EXPECT_EQ(this->backend_->worker_queue().Stats()->scheduled_size, 1);
}

// No handler waits on a server thread: events naming calls of ours that are not recorded (yet, or
// ever) are all answered while every one of them still waits for its record.
TYPED_TEST_P(WebhookCompletion, EventsOfUnrecordedCallsAreAnsweredWithoutWaiting) {
  constexpr int kEvents = 8;
  for (int i = 0; i < kEvents; ++i) {
    const std::string id = std::to_string(i);
    const testing::FakeVonageCall unrecorded{
        .uuid = "0b1c2d3e-aaaa-bbbb-cccc-00000000010" + id,
        .conversation_uuid = "CON-0b1c2d3e-" + id,
        .request = {{"to", json::array({{{"type", "phone"}, {"number", "14155550100"}}})},
                    {"from", {{"type", "phone"}, {"number", "14155550199"}}},
                    {"event_url", json::array({"https://talky.example.com/webhooks/vonage/"
                                               "event?call_id=call-unrecorded-" +
                                               id})}}};
    EXPECT_EQ(this->Deliver(unrecorded, "completed").status, 200) << i;
  }
  const CallEventIntakeStats stats = this->intake_->Stats();
  EXPECT_EQ(stats.awaiting_record, kEvents);
  EXPECT_EQ(stats.unknown_calls, 0);
  EXPECT_EQ(stats.completed, 0);
}

// Past the grace, a parked event whose call never appears is counted as unknown.
TYPED_TEST_P(WebhookCompletion, AParkedEventWhoseCallNeverComesIsCountedUnknown) {
  CallEventIntake intake(this->backend_->serve_queue(), this->backend_->serve_store(), this->clock_,
                         CallEventIntakeOptions{.unrecorded_call_grace = milliseconds(0)});
  Expected<CallEventIntakeResult> parked =
      intake.Accept(CallEvent{.call_id = CallId{"call-never"},
                              .provider_call_id = "0b1c2d3e-aaaa-bbbb-cccc-000000000199",
                              .status = CallStatus::kCompleted,
                              .occurred_at = this->clock_.Now()});
  ASSERT_TRUE(parked) << parked.error().Describe();
  EXPECT_EQ(parked->effect, CallEventEffect::kParked);
  ASSERT_TRUE(this->WaitUntil([&] { return intake.Stats().unknown_calls == 1; }));
  EXPECT_EQ(intake.Stats().awaiting_record, 0);
}

REGISTER_TYPED_TEST_SUITE_P(WebhookCompletion, WebhooksCompleteOrRetryTheJobAndTheWorkerLetsGo,
                            BadSignatureIsRefusedAndChangesNothing,
                            EventOfAnUnknownCallIsAnsweredAndCounted,
                            FinalEventBeforeTheCallIsRecordedStillCompletesTheJob,
                            EventsOfUnrecordedCallsAreAnsweredWithoutWaiting,
                            AParkedEventWhoseCallNeverComesIsCountedUnknown,
                            AMachineVerdictMakesTheCallsEndAVoicemail,
                            TheConversationsVerdictDecidesHowTheAnsweredCallEnds);

}  // namespace talky
