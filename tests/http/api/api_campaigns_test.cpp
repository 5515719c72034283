#include "api_fixture.h"

namespace talky {
namespace {

// A script of two states, as the campaign names it and reads it back.
const nlohmann::json kScript = {
    {"goal_states", {"renewed"}},
    {"states",
     {{"greeting", {{"say", "Hi, {business} here. Renew?"}, {"next", {{"yes", "renewed"}}}}},
      {"renewed", {{"say", "Thanks. Goodbye."}}}}}};

TEST_F(ApiTest, CampaignIsCreatedAsDraftAndReadBack) {
  TestTenant acme = CreateTenant("Acme");
  ApiAnswer created = PostJson("/v1/campaigns",
                               {{"name", "Renewals"},
                                {"description", "Annual renewals"},
                                {"system_prompt", "Be brief"},
                                {"voice_id", "en-1"},
                                {"max_concurrent_calls", 4},
                                {"retry_failed", false},
                                {"max_retries", 2},
                                {"goal", "book a renewal"},
                                {"script_config", kScript}},
                               acme.key);
  ASSERT_EQ(created.status, 201) << created.response.body;
  EXPECT_EQ(created.json["status"], "draft");
  EXPECT_EQ(created.json["max_concurrent_calls"], 4);
  EXPECT_EQ(created.json["retry_failed"], false);
  EXPECT_EQ(created.json["max_retries"], 2);
  EXPECT_EQ(created.json["goal"], "book a renewal");
  EXPECT_EQ(created.json["script_config"], kScript);
  EXPECT_EQ(created.json["calling_config"], nullptr);
  EXPECT_EQ(created.json["created_at"], "2026-11-17T15:00:00Z");
  EXPECT_EQ(created.json["total_leads"], 0);
  ApiAnswer read = Get("/v1/campaigns/" + created.json["id"].get<std::string>(), acme.key);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(read.json, created.json);
  EXPECT_EQ(Get("/v1/campaigns/nope", acme.key).status, 404);
}

struct BadCampaignCase {
  const char* name;
  std::string body;
  std::string content_type;
  int status;
  std::vector<std::string> fields;  // sorted
};

const BadCampaignCase kBadCampaigns[] = {
    {"malformed JSON", R"({"name": "x",})", "application/json", 400, {"body"}},
    {"an array", "[]", "application/json", 400, {"body"}},
    {"CSV", "name\nx\n", "text/csv", 415, {"content-type"}},
    {"missing required", "{}", "application/json", 400, {"name", "system_prompt", "voice_id"}},
    {"wrong types and unknown fields",
     R"({"name": "", "system_prompt": 1, "voice_id": "v", "max_concurrent_calls": 0,
         "retry_failed": "yes", "max_retries": 11, "script_config": [], "status": "running"})",
     "application/json",
     400,
     {"max_concurrent_calls", "max_retries", "name", "retry_failed", "script_config", "status",
      "system_prompt"}},
    {"bad turn-taking",
     R"({"name": "n", "system_prompt": "p", "voice_id": "v",
         "calling_config": {"caller_id": "+12125550100", "opt_out_key": "99",
                            "turn_taking": {"endpointing_min_ms": 50, "barge_in_min_ms": "x",
                                            "max_reprompts": 2, "pause_ms": 3}}})",
     "application/json",
     400,
     {"calling_config.opt_out_key", "calling_config.turn_taking.barge_in_min_ms",
      "calling_config.turn_taking.endpointing_min_ms", "calling_config.turn_taking.pause_ms"}},
    {"bad script",
     R"({"name": "n", "system_prompt": "p", "voice_id": "v",
         "calling_config": {"max_call_seconds": 5},
         "script_config": {"goal_states": ["booked"], "tone": "warm",
                           "states": {"greeting": {"say": "Hello {nickname}, shall we book?",
                                                   "next": {"yes": "booked", "maybe": "bye"}},
                                      "booked": {"say": "Booked. Goodbye."},
                                      "orphan": {"say": "Never said."}}}})",
     "application/json",
     400,
     {"calling_config.max_call_seconds", "script_config.states.greeting.next.maybe",
      "script_config.states.greeting.say", "script_config.tone"}},
    {"script whose greeting does not name the business",
     R"({"name": "n", "system_prompt": "p", "voice_id": "v",
         "script_config": {"goal_states": ["booked"],
                           "states": {"greeting": {"say": "Hello, shall we book?",
                                                   "next": {"yes": "booked"}},
                                      "booked": {"say": "Booked. Goodbye."},
                                      "orphan": {"say": "Never said."}}}})",
     "application/json",
     400,
     {"script_config.states.greeting.say", "script_config.states.orphan"}},
};

TEST_F(ApiTest, BadCampaignBodiesNameEveryFieldAndCreateNothing) {
  TestTenant acme = CreateTenant("Acme");
  for (const BadCampaignCase& c : kBadCampaigns) {
    ApiAnswer answer = Send({"POST", "/v1/campaigns", c.body, c.content_type, acme.key});
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.response.body;
    std::vector<std::string> fields = ErrorFields(answer);
    std::sort(fields.begin(), fields.end());
    EXPECT_EQ(fields, c.fields) << c.name << ": " << answer.response.body;
  }
  EXPECT_TRUE(Get("/v1/campaigns", acme.key).json["items"].empty());
}

TEST_F(ApiTest, CampaignsPageInCreationOrder) {
  TestTenant acme = CreateTenant("Acme");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(CreateCampaign(acme, "Campaign " + std::to_string(i)));
    clock_.Advance(std::chrono::seconds(1));
  }
  std::vector<std::string> seen;
  std::string target = "/v1/campaigns?limit=2";
  int pages = 0;
  while (true) {
    ApiAnswer page = Get(target, acme.key);
    ASSERT_EQ(page.status, 200) << page.response.body;
    ++pages;
    for (const nlohmann::json& item : page.json["items"]) seen.push_back(item["id"]);
    if (page.json["next"].is_null()) break;
    target = "/v1/campaigns?limit=2&after=" + page.json["next"].get<std::string>();
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);

  const std::pair<const char*, const char*> kBadPages[] = {
      {"/v1/campaigns?limit=0", "limit"},   {"/v1/campaigns?limit=1001", "limit"},
      {"/v1/campaigns?limit=ten", "limit"}, {"/v1/campaigns?after=garbage", "after"},
      {"/v1/campaigns?sort=name", "sort"},
  };
  for (const auto& [bad, field] : kBadPages) {
    ApiAnswer answer = Get(bad, acme.key);
    EXPECT_EQ(answer.status, 400) << bad;
    EXPECT_EQ(ErrorFields(answer), std::vector<std::string>{field}) << bad;
  }
}

TEST_F(ApiTest, StartEnqueuesJobsPauseHoldsResumeAndCancelEmpties) {
  TestTenant acme = CreateTenant("Acme");
  const std::string campaign = CreateCampaign(acme);
  UploadLeads(acme, campaign, 3);
  const std::string base = "/v1/campaigns/" + campaign;

  ApiAnswer before = Get("/v1/queue/stats", acme.key);
  ASSERT_EQ(before.status, 200) << before.response.body;
  EXPECT_EQ(before.json["waiting"], 0);

  ApiAnswer started = Post(base + "/start", acme.key);
  ASSERT_EQ(started.status, 200) << started.response.body;
  EXPECT_EQ(started.json["status"], "running");
  EXPECT_EQ(started.json["started_at"], "2026-11-17T15:00:00Z");
  ApiAnswer stats = Get("/v1/queue/stats", acme.key);
  EXPECT_EQ(stats.json["tenant_id"], acme.id);
  EXPECT_EQ(stats.json["waiting"], 3);
  EXPECT_EQ(stats.json["jobs_by_status"]["pending"], 3);
  EXPECT_EQ(stats.json["priority_lane_waiting"], 0);
  // Another tenant sees none of it.
  TestTenant globex = CreateTenant("Globex");
  EXPECT_EQ(Get("/v1/queue/stats", globex.key).json["waiting"], 0);
  EXPECT_EQ(Get("/v1/queue/stats", globex.key).json["jobs_by_status"]["pending"], 0);

  ApiAnswer paused = Send({"POST", base + "/pause", "{}", "application/json", acme.key});
  ASSERT_EQ(paused.status, 200) << paused.response.body;
  EXPECT_EQ(paused.json["status"], "paused");
  Expected<std::optional<TakenJob>> taken = queue_.Take();
  ASSERT_TRUE(taken);
  EXPECT_FALSE(*taken) << "a paused campaign's job was handed out";

  EXPECT_EQ(Post(base + "/resume", acme.key).json["status"], "running");
  taken = queue_.Take();
  ASSERT_TRUE(taken && *taken);
  // As a worker does: the taken job is processing in the store too.
  DialerJob processing = (*taken)->job;
  processing.status = JobStatus::kProcessing;
  processing.processed_at = clock_.Now();
  ASSERT_TRUE(store_->UpdateJob(TenantId{acme.id}, JobStatus::kPending, processing));

  ApiAnswer cancelled = Post(base + "/cancel", acme.key);
  ASSERT_EQ(cancelled.status, 200) << cancelled.response.body;
  EXPECT_EQ(cancelled.json["status"], "cancelled");
  ApiAnswer after = Get("/v1/queue/stats", acme.key);
  EXPECT_EQ(after.json["waiting"], 0);
  EXPECT_EQ(after.json["jobs_by_status"]["non_retryable"], 2);
  EXPECT_EQ(after.json["jobs_by_status"]["processing"], 1);  // the call in flight ends normally
  EXPECT_EQ(after.json["jobs_by_status"]["pending"], 0);

  ApiAnswer again = Post(base + "/start", acme.key);
  EXPECT_EQ(again.status, 409) << again.response.body;
  EXPECT_EQ(again.json["error"]["code"], "conflict");
}

TEST_F(ApiTest, CampaignActionsRefuseBodiesAndWrongMoves) {
  TestTenant acme = CreateTenant("Acme");
  const std::string base = "/v1/campaigns/" + CreateCampaign(acme);
  const ApiCall kBad[] = {
      {"POST", base + "/start", R"({"now": true})", "application/json", acme.key},
      {"POST", base + "/start", "[]", "application/json", acme.key},
      {"POST", base + "/start", "now", "text/plain", acme.key},
      {"POST", base + "/start?force=1", "", "", acme.key},
  };
  const int kStatuses[] = {400, 400, 415, 400};
  for (size_t i = 0; i < std::size(kBad); ++i) {
    ApiAnswer answer = Send(kBad[i]);
    EXPECT_EQ(answer.status, kStatuses[i]) << kBad[i].body << ": " << answer.response.body;
  }
  EXPECT_EQ(Get(base, acme.key).json["status"], "draft");
  EXPECT_EQ(Post(base + "/pause", acme.key).status, 409);  // draft cannot pause
  // A draft is started, not resumed: resumed it would run with no jobs and never complete.
  ApiAnswer resumed = Post(base + "/resume", acme.key);
  EXPECT_EQ(resumed.status, 409) << resumed.response.body;
  EXPECT_EQ(resumed.json["error"]["code"], "conflict");
  EXPECT_NE(resumed.json["error"]["message"].get<std::string>().find("draft"), std::string::npos)
      << resumed.response.body;
  EXPECT_EQ(Get(base, acme.key).json["status"], "draft");
  EXPECT_EQ(Send({"GET", base + "/start", "", "", acme.key}).status, 405);
  EXPECT_EQ(Get("/v1/campaigns/x/unknown", acme.key).status, 404);
}

TEST_F(ApiTest, CampaignStatsCountJobsCallsAndGoals) {
  TestTenant acme = CreateTenant("Acme");
  const std::string campaign = CreateCampaign(acme);
  UploadLeads(acme, campaign, 2);
  ASSERT_EQ(Post("/v1/campaigns/" + campaign + "/start", acme.key).status, 200);
  ApiAnswer stats = Get("/v1/campaigns/" + campaign + "/stats", acme.key);
  ASSERT_EQ(stats.status, 200) << stats.response.body;
  EXPECT_EQ(stats.json["campaign"]["id"], campaign);
  EXPECT_EQ(stats.json["jobs_by_status"]["pending"], 2);
  EXPECT_EQ(stats.json["jobs_by_status"]["completed"], 0);
  EXPECT_EQ(stats.json["leads_by_attempts"]["0"], 2);
  EXPECT_EQ(stats.json["calls_total"], 0);
  EXPECT_EQ(stats.json["goal_rate"], 0.0);
  EXPECT_TRUE(stats.json["calls_by_outcome"].is_object());
  EXPECT_TRUE(stats.json["skips_by_reason"].is_object());
  EXPECT_EQ(Get("/v1/campaigns/nope/stats", acme.key).status, 404);
}

// Erasure over the API: a lead's personal data goes and its waiting job closes; the campaign whose
// last job that was completes; a campaign that is not running is deleted; the Do-Not-Call list
// keeps its numbers; another tenant's ids are not found.
TEST_F(ApiTest, LeadsAndCampaignsAreErasedButTheDoNotCallListIsKept) {
  TestTenant acme = CreateTenant("Acme");
  TestTenant globex = CreateTenant("Globex");
  const std::string campaign = CreateCampaign(acme);
  UploadLeads(acme, campaign, 3);
  const std::string base = "/v1/campaigns/" + campaign;
  ApiAnswer leads = Get(base + "/leads", acme.key);  // in number order
  ASSERT_EQ(leads.json["items"].size(), 3u);
  const std::string on_dnc = leads.json["items"][0]["id"];
  const std::string waiting = leads.json["items"][1]["id"];
  const std::string kept = leads.json["items"][2]["id"];
  ASSERT_EQ(PostJson("/v1/dnc", {{"phone_numbers", {Number(0)}}}, acme.key).status, 200);
  ASSERT_EQ(Post(base + "/start", acme.key).status, 200);

  // Another tenant's ids are not found, and change nothing.
  EXPECT_EQ(Send({"DELETE", "/v1/leads/" + waiting, "", "", globex.key}).status, 404);
  EXPECT_EQ(Send({"DELETE", base, "", "", globex.key}).status, 404);
  EXPECT_EQ(Send({"DELETE", "/v1/leads/unknown", "", "", acme.key}).status, 404);
  EXPECT_EQ(Get(base + "/leads", acme.key).json["items"].size(), 3u);
  // A running campaign is not deleted.
  ApiAnswer running = Send({"DELETE", base, "", "", acme.key});
  EXPECT_EQ(running.status, 409) << running.response.body;
  EXPECT_EQ(running.json["error"]["code"], "conflict");

  ApiAnswer erased = Send({"DELETE", "/v1/leads/" + waiting, "", "", acme.key});
  ASSERT_EQ(erased.status, 200) << erased.response.body;
  EXPECT_EQ(erased.json["campaign_id"], campaign);
  EXPECT_EQ(erased.json["jobs_closed"], 1);
  EXPECT_EQ(Get(base, acme.key).json["total_leads"], 2);
  EXPECT_EQ(Get(base, acme.key).json["status"], "running");
  Expected<Page<DialerJob>> jobs = store_->ListJobs(TenantId{acme.id}, CampaignId{campaign}, {});
  ASSERT_TRUE(jobs);
  int closed = 0;
  for (const DialerJob& job : jobs->items) {
    if (job.lead_id.value != waiting) continue;
    ++closed;
    EXPECT_EQ(job.status, JobStatus::kNonRetryable);
    EXPECT_EQ(job.last_error, "lead_erased");
    EXPECT_EQ(job.phone_number, "");
  }
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(Send({"DELETE", "/v1/leads/" + waiting, "", "", acme.key}).status, 404);

  // Erasing a lead whose number is on the Do-Not-Call list keeps the list's entry.
  ApiAnswer dnc_lead = Send({"DELETE", "/v1/leads/" + on_dnc, "", "", acme.key});
  ASSERT_EQ(dnc_lead.status, 200) << dnc_lead.response.body;
  EXPECT_EQ(dnc_lead.json["jobs_closed"], 0);  // closed at start already
  ApiAnswer dnc = Get("/v1/dnc", acme.key);
  ASSERT_EQ(dnc.json["items"].size(), 1u);
  EXPECT_EQ(dnc.json["items"][0]["phone_number"], Number(0));
  ApiAnswer left = Get(base + "/leads", acme.key);
  ASSERT_EQ(left.json["items"].size(), 1u);
  EXPECT_EQ(left.json["items"][0]["id"], kept);

  ASSERT_EQ(Post(base + "/cancel", acme.key).status, 200);
  ApiAnswer deleted = Send({"DELETE", base, "", "", acme.key});
  ASSERT_EQ(deleted.status, 200) << deleted.response.body;
  EXPECT_EQ(deleted.json["jobs_deleted"], 3);
  EXPECT_EQ(deleted.json["leads_erased"], 1);
  EXPECT_EQ(Get(base, acme.key).status, 404);
  EXPECT_EQ(Send({"DELETE", base, "", "", acme.key}).status, 404);
  EXPECT_TRUE(Get("/v1/campaigns", acme.key).json["items"].empty());
  EXPECT_EQ(Get("/v1/dnc", acme.key).json["items"].size(), 1u);
  EXPECT_EQ(Get("/v1/queue/stats", acme.key).json["waiting"], 0);
}

// Erasing the last lead with an open job completes the running campaign, as its last call would.
TEST_F(ApiTest, ErasingTheLastWaitingLeadCompletesTheCampaign) {
  TestTenant acme = CreateTenant("Acme");
  const std::string campaign = CreateCampaign(acme);
  UploadLeads(acme, campaign, 1);
  const std::string base = "/v1/campaigns/" + campaign;
  const std::string lead = Get(base + "/leads", acme.key).json["items"][0]["id"];
  ASSERT_EQ(Post(base + "/start", acme.key).json["status"], "running");
  ASSERT_EQ(Send({"DELETE", "/v1/leads/" + lead, "", "", acme.key}).status, 200);
  EXPECT_EQ(Get(base, acme.key).json["status"], "completed");
  // Now not running: it can be deleted.
  EXPECT_EQ(Send({"DELETE", base, "", "", acme.key}).status, 200);
}

}  // namespace
}  // namespace talky
