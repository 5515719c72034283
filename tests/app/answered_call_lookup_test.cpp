// What the media socket learns of an answered call: its identity, the campaign's voice and
// turn-taking, the script; refusals for unknown calls and calls already over.
#include "app/answered_call_lookup.h"

#include <gtest/gtest.h>

#include "harness/scratch_store.h"

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

  // A campaign with these calling settings, one lead, and a call to it; the call's id.
  CallId CallFor(const std::string& campaign_id, nlohmann::json calling_config) {
    const CampaignId campaign{campaign_id};
    EXPECT_TRUE(store().CreateCampaign({.id = campaign,
                                        .tenant_id = tenant_,
                                        .name = "Reminders",
                                        .voice_id = "en-gb",
                                        .created_at = clock_.Now(),
                                        .calling_config = std::move(calling_config)}));
    EXPECT_TRUE(store().ImportLeads(
        tenant_, campaign,
        std::vector<Lead>{{.phone_number = "+12125550001", .first_name = "Ada"}}));
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
  Expected<AnsweredCall> answered = LookUpAnsweredCall(store(), clock_, CallFor("c3", nullptr));
  ASSERT_TRUE(answered) << answered.error().Describe();
  EXPECT_EQ(answered->config.opt_out_key, '9');
  EXPECT_FALSE(*store().IsDoNotCall(tenant_, "+12125550001"));
  ASSERT_TRUE(answered->config.opt_out);
  ASSERT_TRUE(answered->config.opt_out());
  EXPECT_TRUE(*store().IsDoNotCall(tenant_, "+12125550001"));
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
