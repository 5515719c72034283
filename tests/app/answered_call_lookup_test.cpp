// What the media socket learns of an answered call: its identity, the campaign's voice and
// turn-taking, its script filled in with the lead and the tenant, the recorder that keeps turns,
// verdicts and opt-outs in the store; refusals for unknown calls and calls already over.
#include "app/answered_call_lookup.h"

#include <gtest/gtest.h>

#include "harness/scratch_store.h"
#include "voice/conversation_engine.h"

namespace talky {
namespace {

using namespace std::chrono;

class AnsweredCallLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scratch = testing::ScratchStore::Create("lookup", clock_, ids_);
    ASSERT_TRUE(scratch) << scratch.error().Describe();
    scratch_ = std::move(*scratch);
    ASSERT_TRUE(store().CreateTenant({.id = tenant_, .name = "Acme", .api_key_hash = "h"}));
  }

  Store& store() { return scratch_->store(); }

  // A campaign with these calling settings (and goal and script), one lead, and a call to it; the
  // call's id.
  CallId CallFor(const std::string& campaign_id, nlohmann::json calling_config,
                 std::optional<std::string> goal = std::nullopt,
                 nlohmann::json script_config = nullptr, bool marketing = false) {
    const CampaignId campaign{campaign_id};
    EXPECT_TRUE(store().CreateCampaign({.id = campaign,
                                        .tenant_id = tenant_,
                                        .name = "Reminders",
                                        .voice_id = "en-gb",
                                        .created_at = clock_.Now(),
                                        .goal = std::move(goal),
                                        .script_config = std::move(script_config),
                                        .calling_config = std::move(calling_config),
                                        .marketing = marketing}));
    EXPECT_TRUE(store().ImportLeads(tenant_, campaign,
                                    std::vector<Lead>{{.phone_number = "+12125550001",
                                                       .first_name = "Ada",
                                                       .custom_fields = {{"plan", "Gold"}}}}));
    Expected<std::vector<DialerJob>> jobs =
        store().CreateCampaignJobs(tenant_, campaign, clock_.Now());
    EXPECT_TRUE(jobs && jobs->size() == 1);
    const CallId call{"call-" + campaign_id};
    EXPECT_TRUE(store().RecordCall({.id = call,
                                    .tenant_id = tenant_,
                                    .campaign_id = campaign,
                                    .lead_id = jobs->front().lead_id,
                                    .job_id = jobs->front().job_id,
                                    .provider_call_id = "vonage-" + campaign_id,
                                    .to_number = "+12125550001",
                                    .created_at = clock_.Now()}));
    return call;
  }

  ManualClock clock_{sys_days{2026y / 12 / 2} + 15h};
  RandomIdGenerator ids_{5};
  std::unique_ptr<testing::ScratchStore> scratch_;
  const TenantId tenant_{"t1"};
};

TEST_F(AnsweredCallLookupTest, TheCampaignsTurnTakingAndVoiceReachThePipeline) {
  const CallId call =
      CallFor("c1", {{"turn_taking", {{"endpointing_min_ms", 900}, {"barge_in_min_ms", 400}}},
                     {"opt_out_key", "#"}});
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, call);
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(answered->session.call_id, call);
  EXPECT_EQ(answered->session.tenant_id, tenant_);
  EXPECT_EQ(answered->session.vonage_call_uuid, "vonage-c1");
  EXPECT_EQ(answered->session.voice_id, "en-gb");
  EXPECT_EQ(answered->config.turn_taking.endpointing_min, milliseconds(900));
  EXPECT_EQ(answered->config.turn_taking.barge_in_min, milliseconds(400));
  EXPECT_EQ(answered->config.turn_taking.endpointing_max, TurnTaking{}.endpointing_max);
  EXPECT_EQ(answered->config.opt_out_key, '#');
  ASSERT_TRUE(answered->language_model);
  ASSERT_TRUE(answered->reply_grammar);
}

TEST_F(AnsweredCallLookupTest, OptingOutPutsTheCalleesNumberOnTheTenantsDoNotCallList) {
  const CallId call = CallFor("c3", nullptr);
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, call);
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(answered->config.opt_out_key, '9');
  EXPECT_FALSE(*store().IsDoNotCall(tenant_, "+12125550001"));
  ASSERT_TRUE(answered->recorder);
  ASSERT_TRUE(answered->recorder->OptOut(clock_.Now()));
  EXPECT_TRUE(*store().IsDoNotCall(tenant_, "+12125550001"));
  EXPECT_EQ(store().FindCall(call)->outcome, CallOutcome::kDoNotCall);
}

TEST_F(AnsweredCallLookupTest, TheRecorderKeepsTurnsAndTheFirstVerdict) {
  const CallId call = CallFor("c4", nullptr);
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, call);
  ASSERT_TRUE(answered) << answered.error().Describe();
  ASSERT_TRUE(answered->recorder->AppendTurn({.call_id = call,
                                              .turn_index = 0,
                                              .role = MessageRole::kAssistant,
                                              .text = "Hello Ada!",
                                              .at = clock_.Now(),
                                              .tts_latency_ms = 12.5}));
  ASSERT_TRUE(answered->recorder->Conclude(CallOutcome::kGoalAchieved, clock_.Now(), {}));
  ASSERT_TRUE(
      answered->recorder->Conclude(CallOutcome::kGoalNotAchieved, clock_.Now(), {}));  // too late
  Expected<std::vector<ConversationTurn>> turns = store().ListConversationTurns(tenant_, call);
  ASSERT_TRUE(turns && turns->size() == 1);
  EXPECT_EQ(turns->front().text, "Hello Ada!");
  EXPECT_EQ(turns->front().tts_latency_ms, 12.5);
  EXPECT_EQ(store().FindCall(call)->outcome, CallOutcome::kGoalAchieved);
}

std::string Greeting(const AnsweredCall& answered) {
  auto engine = std::dynamic_pointer_cast<ConversationEngine>(answered.language_model);
  return engine ? engine->NextReply({}).text : "(not the conversation engine)";
}

TEST_F(AnsweredCallLookupTest, ACampaignWithoutAScriptRunsTheDefaultForItsGoal) {
  Expected<AnsweredCall> answered =
      LookUpAnsweredCall(store(), clock_, CallFor("c5", nullptr, "renew the policy"));
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(Greeting(*answered),
            "Hello Ada! This is Acme, calling because your plan is up for renewal soon. Is now a "
            "good time to talk?");
  // What a cloud model would be told (voice/prompt_manager.h).
  const std::string& prompt = answered->session.system_prompt;
  EXPECT_NE(prompt.find("on behalf of Acme. The goal of this call: renew the policy."),
            std::string::npos)
      << prompt;
  EXPECT_NE(prompt.find("- first_name: Ada"), std::string::npos) << prompt;
}

TEST_F(AnsweredCallLookupTest, AMarketingCallsGreetingOffersTheOptOut) {
  Expected<AnsweredCall> answered = LookUpAnsweredCall(
      store(), clock_,
      CallFor("c7", {{"opt_out_key", "*"}}, "renew the policy", nullptr, /*marketing=*/true));
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_TRUE(Greeting(*answered).ends_with(
      "Is now a good time to talk? To stop these calls at any time, press star or say stop "
      "calling me."))
      << Greeting(*answered);
}

TEST_F(AnsweredCallLookupTest, TheCampaignsScriptIsFilledInWithTheLeadAndTheBusiness) {
  const nlohmann::json script = {
      {"business_name", "Acme Insurance"},
      {"goal_states", {"done"}},
      {"states",
       {{"greeting",
         {{"say", "Hi {first_name}, {business} here about your {custom.plan} plan."},
          {"next", {{"yes", "done"}}}}},
        {"done", {{"say", "Goodbye."}}}}}};
  Expected<AnsweredCall> answered =
      LookUpAnsweredCall(store(), clock_, CallFor("c6", nullptr, std::nullopt, script));
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(Greeting(*answered), "Hi Ada, Acme Insurance here about your Gold plan.");
}

TEST_F(AnsweredCallLookupTest, ACampaignWithoutSettingsGetsTheDefaults) {
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, CallFor("c2", nullptr));
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(answered->config.turn_taking.endpointing_min, TurnTaking{}.endpointing_min);
}

TEST_F(AnsweredCallLookupTest, AnUnknownCallIsNotFound) {
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, CallId{"nope"});
  ASSERT_FALSE(answered);
  EXPECT_EQ(answered.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace talky
