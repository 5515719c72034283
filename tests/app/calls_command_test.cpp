// `talky calls show`, run in-process on a SQLite file holding an answered call and its turns.
#include "app/calls_command.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "app/cli.h"
#include "harness/scratch_store.h"
#include "run_cli.h"

namespace talky {
namespace {

using namespace std::chrono;

const TenantId kTenant{"t-acme"};
const CampaignId kCampaign{"c-renewals"};
const CallId kCall{"call-1"};

class CallsShowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchStore>> store =
        testing::ScratchStore::Create("calls", clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    scratch_ = std::move(*store);
    Store& s = scratch_->store();
    ASSERT_TRUE(s.CreateTenant(Tenant{.id = kTenant, .name = "Acme", .api_key_hash = "h"}));
    ASSERT_TRUE(s.CreateCampaign(Campaign{.id = kCampaign,
                                          .tenant_id = kTenant,
                                          .name = "Renewals",
                                          .system_prompt = "Be brief",
                                          .voice_id = "v1",
                                          .created_at = clock_.Now()}));
    const Lead leads[] = {{.phone_number = "+12125550200"}};
    ASSERT_TRUE(s.ImportLeads(kTenant, kCampaign, leads));
    Expected<std::vector<DialerJob>> jobs = s.CreateCampaignJobs(kTenant, kCampaign, clock_.Now());
    ASSERT_TRUE(jobs && jobs->size() == 1u);
    const DialerJob& job = jobs->front();
    ASSERT_TRUE(s.RecordCall(CallRecord{.id = kCall,
                                        .tenant_id = kTenant,
                                        .job_id = job.job_id,
                                        .provider_call_id = "prov-1",
                                        .to_number = job.phone_number,
                                        .created_at = clock_.Now()}));
    lead_ = job.lead_id;
    answered_at_ = clock_.Now() + 4s;
    ASSERT_TRUE(Event(CallStatus::kAnswered, std::nullopt, answered_at_));
    ASSERT_TRUE(Event(CallStatus::kCompleted, CallOutcome::kGoalAchieved, answered_at_ + 60s));
  }

  Expected<CallEventResult> Event(CallStatus status, std::optional<CallOutcome> outcome,
                                  Instant at) {
    return scratch_->store().RecordCallEvent(kTenant, CallEvent{.provider_call_id = "prov-1",
                                                                .status = status,
                                                                .outcome = outcome,
                                                                .occurred_at = at,
                                                                .payload = {{"status", "x"}}});
  }

  ManualClock clock_{*ParseIso8601("2026-11-17T15:00:00Z")};
  RandomIdGenerator ids_{5};
  std::unique_ptr<testing::ScratchStore> scratch_;
  LeadId lead_;
  Instant answered_at_{};
};

TEST_F(CallsShowTest, PrintsTheCallThenItsTurnsInOrderWithOffsetsAndLatencies) {
  // Written out of order: the transcript follows the turn index.
  const ConversationTurn turns[] = {
      {.call_id = kCall,
       .turn_index = 1,
       .role = MessageRole::kUser,
       .text = "yes",
       .at = answered_at_ + 5100ms,
       .stt_latency_ms = 80.0},
      {.call_id = kCall,
       .turn_index = 0,
       .role = MessageRole::kAssistant,
       .text = "Hello Ann! Is Tuesday still good?",
       .at = answered_at_ + 3200ms,
       .llm_latency_ms = 1.2,
       .tts_latency_ms = 12.0},
      {.call_id = kCall,
       .turn_index = 2,
       .role = MessageRole::kAssistant,
       .text = "Goodbye.",
       .at = answered_at_ + 61s},
  };
  for (const ConversationTurn& turn : turns) {
    ASSERT_TRUE(scratch_->store().AppendConversationTurn(kTenant, turn));
  }

  CliResult result = RunTalky({"calls", "show", "call-1", "--database-url", scratch_->url()});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_TRUE(result.err.empty()) << result.err;
  const std::string expected_lines[] = {
      "call       call-1\n",
      "tenant     t-acme\n",
      "campaign   c-renewals\n",
      "lead       " + lead_.value + "\n",
      "number     +12125550200\n",
      "status     completed\n",
      "outcome    goal_achieved\n",
      "created    2026-11-17T15:00:00Z\n",
      "answered   2026-11-17T15:00:04Z\n",
      "ended      2026-11-17T15:01:04Z\n",
      "duration   60 s\n",
      "transcript (3 turns, seconds from the answer):\n",
      "    +3.20s  agent   Hello Ann! Is Tuesday still good?   (llm 1 ms, tts 12 ms)\n",
      "    +5.10s  callee  yes   (stt 80 ms)\n",
      "   +61.00s  agent   Goodbye.\n",
  };
  std::string expected;
  for (const std::string& line : expected_lines) expected += line;
  EXPECT_EQ(result.out, expected);
}

TEST_F(CallsShowTest, ACallWithoutTurnsSaysSo) {
  CliResult result = RunTalky({"calls", "show", "call-1", "--database-url", scratch_->url()});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  EXPECT_TRUE(result.out.ends_with("duration   60 s\ntranscript: no turns kept\n")) << result.out;
}

TEST_F(CallsShowTest, AnUnknownIdFailsNamingIt) {
  CliResult result = RunTalky({"calls", "show", "call-404", "--database-url", scratch_->url()});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_NE(result.err.find("call-404"), std::string::npos) << result.err;
}

TEST_F(CallsShowTest, AMissingDatabaseFileFailsWithoutCreatingIt) {
  const std::filesystem::path missing = scratch_->folder() / "nowhere.db";
  CliResult result =
      RunTalky({"calls", "show", "call-1", "--database-url", "sqlite:" + missing.string()});
  EXPECT_EQ(result.code, kExitFailure);
  EXPECT_NE(result.err.find(missing.string()), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST(CallsCommand, BadUsageIsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c :
       {Case{{"calls"}, "subcommand is required"}, Case{{"calls", "show"}, "id is required"},
        Case{{"calls", "show", "a", "b"}, "not expected"},
        Case{{"calls", "show", "a", "--database-url", "mysql://x"}, "database-url"}}) {
    CliResult result = RunTalky(c.args);
    EXPECT_EQ(result.code, kExitUsage) << c.says;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

}  // namespace
}  // namespace talky
