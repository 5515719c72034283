#include "api_fixture.h"

namespace talky {
namespace {

class ApiJobsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    acme_ = CreateTenant("Acme");
    campaign_ = CreateCampaign(acme_);
    UploadLeads(acme_, campaign_, 3);
    ASSERT_EQ(Post("/v1/campaigns/" + campaign_ + "/start", acme_.key).status, 200);
    Expected<Page<DialerJob>> jobs =
        store_->ListJobs(TenantId{acme_.id}, CampaignId{campaign_}, {});
    ASSERT_TRUE(jobs);
    jobs_ = jobs->items;
    ASSERT_EQ(jobs_.size(), 3u);
  }

  // Records a dial of `job` now, as the worker does, ending with `outcome`; answered
  // `answered_after` the dial when given, and ended at once.
  std::string Dial(const DialerJob& job, CallOutcome outcome,
                   std::optional<std::chrono::seconds> answered_after = std::nullopt) {
    const std::string provider_id = "prov-" + std::to_string(++calls_);
    CallRecord call{.id = CallId{"call-" + std::to_string(calls_)},
                    .tenant_id = job.tenant_id,
                    .campaign_id = job.campaign_id,
                    .lead_id = job.lead_id,
                    .job_id = job.job_id,
                    .provider_call_id = provider_id,
                    .to_number = job.phone_number,
                    .created_at = clock_.Now()};
    EXPECT_TRUE(store_->RecordCall(call));
    const auto event = [&](CallStatus status, std::optional<CallOutcome> result, Instant at) {
      Expected<CallEventResult> recorded =
          store_->RecordCallEvent(job.tenant_id, CallEvent{.provider_call_id = provider_id,
                                                           .status = status,
                                                           .outcome = result,
                                                           .occurred_at = at,
                                                           .payload = {{"status", "x"}}});
      EXPECT_TRUE(recorded) << recorded.error().Describe();
    };
    const Instant answered_at = clock_.Now() + answered_after.value_or(std::chrono::seconds(0));
    if (answered_after) event(CallStatus::kAnswered, std::nullopt, answered_at);
    event(CallStatus::kCompleted, outcome, answered_at);
    clock_.Advance(std::chrono::minutes(1));
    return call.id.value;
  }

  TestTenant acme_;
  std::string campaign_;
  std::vector<DialerJob> jobs_;
  int calls_ = 0;
};

TEST_F(ApiJobsTest, JobsAreListedFilteredAndPaged) {
  ApiAnswer all = Get("/v1/jobs?campaign_id=" + campaign_, acme_.key);
  ASSERT_EQ(all.status, 200) << all.response.body;
  ASSERT_EQ(all.json["items"].size(), 3u);
  EXPECT_EQ(all.json["items"][0], ToJson(jobs_[0]));

  DialerJob taken = jobs_[2];
  taken.status = JobStatus::kProcessing;
  taken.processed_at = clock_.Now();
  ASSERT_TRUE(store_->UpdateJob(TenantId{acme_.id}, JobStatus::kPending, taken));
  ApiAnswer processing = Get("/v1/jobs?status=processing", acme_.key);
  ASSERT_EQ(processing.status, 200);
  ASSERT_EQ(processing.json["items"].size(), 1u);
  EXPECT_EQ(processing.json["items"][0]["job_id"], taken.job_id.value);

  std::vector<std::string> pending;
  std::string target = "/v1/jobs?status=pending&limit=1&campaign_id=" + campaign_;
  while (true) {
    ApiAnswer page = Get(target, acme_.key);
    ASSERT_EQ(page.status, 200) << page.response.body;
    for (const nlohmann::json& job : page.json["items"]) pending.push_back(job["job_id"]);
    if (page.json["next"].is_null()) break;
    target = "/v1/jobs?status=pending&limit=1&campaign_id=" + campaign_ +
             "&after=" + page.json["next"].get<std::string>();
  }
  EXPECT_EQ(pending, (std::vector<std::string>{jobs_[0].job_id.value, jobs_[1].job_id.value}));

  ApiAnswer one = Get("/v1/jobs/" + taken.job_id.value, acme_.key);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.json["status"], "processing");
  EXPECT_EQ(one.json["phone_number"], taken.phone_number);
  EXPECT_EQ(Get("/v1/jobs/unknown", acme_.key).status, 404);
}

struct BadQueryCase {
  const char* target;
  int status;
  std::vector<std::string> fields;
};

const BadQueryCase kBadJobQueries[] = {
    {"/v1/jobs?status=finished", 400, {"status"}},
    {"/v1/jobs?status=", 400, {"status"}},
    {"/v1/jobs?limit=0", 400, {"limit"}},
    {"/v1/jobs?after=nonsense", 400, {"after"}},
    {"/v1/jobs?campaign=x", 400, {"campaign"}},
    {"/v1/jobs?campaign_id=unknown", 404, {}},
    {"/v1/calls?campaign_id=unknown", 404, {}},
    {"/v1/calls?status=completed", 400, {"status"}},
    {"/v1/calls?limit=5000", 400, {"limit"}},
    {"/v1/calls/unknown", 404, {}},
    {"/v1/calls/unknown?verbose=1", 400, {"verbose"}},
};

TEST_F(ApiJobsTest, BadQueriesAreRefused) {
  for (const BadQueryCase& c : kBadJobQueries) {
    ApiAnswer answer = Get(c.target, acme_.key);
    EXPECT_EQ(answer.status, c.status) << c.target << ": " << answer.response.body;
    EXPECT_EQ(ErrorFields(answer), c.fields) << c.target;
  }
}

TEST_F(ApiJobsTest, CallsComeInDialOrderWithOutcomeAndAttempt) {
  const std::string first = Dial(jobs_[0], CallOutcome::kBusy);
  const std::string second = Dial(jobs_[1], CallOutcome::kGoalAchieved);
  const std::string retry = Dial(jobs_[0], CallOutcome::kNoAnswer);
  const std::string third = Dial(jobs_[0], CallOutcome::kGoalNotAchieved);

  ApiAnswer calls = Get("/v1/calls?campaign_id=" + campaign_, acme_.key);
  ASSERT_EQ(calls.status, 200) << calls.response.body;
  struct Expected {
    std::string id;
    const char* outcome;
    int attempt;
  };
  const Expected kCalls[] = {
      {first, "busy", 1},
      {second, "goal_achieved", 1},
      {retry, "no_answer", 2},
      {third, "goal_not_achieved", 3},
  };
  ASSERT_EQ(calls.json["items"].size(), std::size(kCalls));
  for (size_t i = 0; i < std::size(kCalls); ++i) {
    const nlohmann::json& call = calls.json["items"][i];
    EXPECT_EQ(call["id"], kCalls[i].id) << i;
    EXPECT_EQ(call["outcome"], kCalls[i].outcome) << i;
    EXPECT_EQ(call["attempt"], kCalls[i].attempt) << i;
    EXPECT_EQ(call["status"], "completed") << i;
  }
  ApiAnswer page = Get("/v1/calls?limit=3", acme_.key);
  ASSERT_EQ(page.json["items"].size(), 3u);
  ApiAnswer rest =
      Get("/v1/calls?limit=3&after=" + page.json["next"].get<std::string>(), acme_.key);
  ASSERT_EQ(rest.json["items"].size(), 1u);
  EXPECT_EQ(rest.json["items"][0]["attempt"], 3);

  TestTenant globex = CreateTenant("Globex");
  EXPECT_TRUE(Get("/v1/calls", globex.key).json["items"].empty());
}

TEST_F(ApiJobsTest, CallsAreFilteredByOutcomeAndTimeAndBadFiltersAreNamed) {
  const Instant start = clock_.Now();
  const std::string busy = Dial(jobs_[0], CallOutcome::kBusy);  // each dial advances a minute
  const std::string goal = Dial(jobs_[1], CallOutcome::kGoalAchieved);
  const std::string busy_again = Dial(jobs_[2], CallOutcome::kBusy);
  auto ids = [&](const std::string& query) {
    ApiAnswer answer = Get("/v1/calls?" + query, acme_.key);
    EXPECT_EQ(answer.status, 200) << query << ": " << answer.response.body;
    std::vector<std::string> found;
    for (const nlohmann::json& call : answer.json["items"]) found.push_back(call["id"]);
    return found;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("outcome=busy"), (Ids{busy, busy_again}));
  const std::string second_minute = FormatIso8601(start + std::chrono::minutes(1));
  EXPECT_EQ(ids("since=" + second_minute), (Ids{goal, busy_again}));
  EXPECT_EQ(ids("until=" + second_minute), (Ids{busy}));
  EXPECT_EQ(ids("campaign_id=" + campaign_ + "&outcome=busy&since=" + second_minute),
            (Ids{busy_again}));
  EXPECT_EQ(ids("outcome=voicemail"), Ids{});

  ApiAnswer bad = Get("/v1/calls?outcome=maybe&since=yesterday&until=2026-13-01", acme_.key);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorFields(bad), (std::vector<std::string>{"outcome", "since", "until"}));
  EXPECT_EQ(Get("/v1/calls?campaign_id=nope&outcome=busy", acme_.key).status, 404);
}

TEST_F(ApiJobsTest, OneCallComesAsListedWithItsTranscriptInOrder) {
  using namespace std::chrono_literals;
  const std::string busy = Dial(jobs_[0], CallOutcome::kBusy);
  const Instant dialed = clock_.Now();
  const std::string answered = Dial(jobs_[0], CallOutcome::kGoalAchieved, 4s);
  const Instant answered_at = dialed + 4s;
  const TenantId acme{acme_.id};
  // Written out of order: the transcript follows the turn index.
  const ConversationTurn turns[] = {
      {.call_id = CallId{answered},
       .turn_index = 1,
       .role = MessageRole::kUser,
       .text = "yes",
       .at = answered_at + 5100ms,
       .stt_latency_ms = 80.5},
      {.call_id = CallId{answered},
       .turn_index = 0,
       .role = MessageRole::kAssistant,
       .text = "Hello Ann!",
       .at = answered_at + 3200ms,
       .llm_latency_ms = 1.25,
       .tts_latency_ms = 12.0,
       .prompt_tokens = 57,
       .completion_tokens = 12},
      // Never answered: its offset counts from the dial.
      {.call_id = CallId{busy},
       .turn_index = 0,
       .role = MessageRole::kAssistant,
       .text = "Hello?",
       .at = dialed - 1min + 2500ms},
  };
  for (const ConversationTurn& turn : turns) {
    ASSERT_TRUE(store_->AppendConversationTurn(acme, turn));
  }

  ApiAnswer detail = Get("/v1/calls/" + answered, acme_.key);
  ASSERT_EQ(detail.status, 200) << detail.response.body;
  ApiAnswer list = Get("/v1/calls?campaign_id=" + campaign_, acme_.key);
  ASSERT_EQ(list.json["items"].size(), 2u);
  nlohmann::json call_part = detail.json;
  call_part.erase("transcript");
  EXPECT_EQ(call_part, list.json["items"][1]);  // the same fields as listed, attempt included
  EXPECT_EQ(detail.json["attempt"], 2);
  EXPECT_EQ(detail.json["answered_at"], FormatIso8601(answered_at));

  const nlohmann::json& transcript = detail.json["transcript"];
  ASSERT_EQ(transcript.size(), 2u);
  EXPECT_EQ(transcript[0], (nlohmann::json{
                               {"turn_index", 0},
                               {"role", "assistant"},
                               {"text", "Hello Ann!"},
                               {"at", FormatIso8601(answered_at + 3200ms)},
                               {"offset_seconds", 3.2},
                               {"latency_ms", {{"stt", nullptr}, {"llm", 1.25}, {"tts", 12.0}}},
                               {"tokens", {{"prompt", 57}, {"completion", 12}}},
                           }));
  EXPECT_EQ(transcript[1], (nlohmann::json{
                               {"turn_index", 1},
                               {"role", "user"},
                               {"text", "yes"},
                               {"at", FormatIso8601(answered_at + 5100ms)},
                               {"offset_seconds", 5.1},
                               {"latency_ms", {{"stt", 80.5}, {"llm", nullptr}, {"tts", nullptr}}},
                               {"tokens", {{"prompt", nullptr}, {"completion", nullptr}}},
                           }));

  ApiAnswer unanswered = Get("/v1/calls/" + busy, acme_.key);
  ASSERT_EQ(unanswered.status, 200) << unanswered.response.body;
  EXPECT_TRUE(unanswered.json["answered_at"].is_null());
  ASSERT_EQ(unanswered.json["transcript"].size(), 1u);
  EXPECT_EQ(unanswered.json["transcript"][0]["offset_seconds"], 2.5);
  const std::string silent = Dial(jobs_[1], CallOutcome::kNoAnswer);
  EXPECT_EQ(Get("/v1/calls/" + silent, acme_.key).json["transcript"], nlohmann::json::array());

  // Another tenant's call answers exactly as an id that does not exist.
  TestTenant globex = CreateTenant("Globex");
  ApiAnswer foreign = Get("/v1/calls/" + answered, globex.key);
  ApiAnswer unknown = Get("/v1/calls/call-99", acme_.key);
  EXPECT_EQ(foreign.status, 404);
  EXPECT_EQ(foreign.json["error"]["code"], "not_found");
  nlohmann::json unknown_error = unknown.json;
  std::string message = unknown_error["error"]["message"];
  message.replace(message.find("call-99"), 7, answered);
  unknown_error["error"]["message"] = message;
  EXPECT_EQ(foreign.json, unknown_error);

  ApiAnswer verbose = Get("/v1/calls/" + answered + "?verbose=1", acme_.key);
  EXPECT_EQ(verbose.status, 400);
  EXPECT_EQ(ErrorFields(verbose), std::vector<std::string>{"verbose"});
}

}  // namespace
}  // namespace talky
