#include "campaigns/campaign_file.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

using namespace std::chrono;

constexpr std::string_view kGoodFile = R"(# two tenants, two campaigns
[[tenants]]
id = "acme"
name = "Acme"
default_region = "GB"
holidays = [2026-12-25, "2026-12-26"]

  [tenants.rules]
  timezone = "Europe/London"
  time_window_start = 09:30:00
  time_window_end = "20:00"
  allowed_days = [0, 1, 2, 3, 4, 5]
  retry_delay_seconds = 3600
  max_retry_attempts = 5

[[tenants]]
id = "beta"
name = "Beta"

[[campaigns]]
key = "renewals"
tenant = "acme"
name = "Renewals"
goal = "renew"
max_concurrent_calls = 7
caller_id = "+442079460100"

[[campaigns]]
key = "welcome"
tenant = "beta"
name = "Welcome"
)";

TEST(CampaignFile, ReadsTenantsRulesAndCampaigns) {
  Expected<CampaignFile> file = ParseCampaignFile(kGoodFile, "good.toml");
  ASSERT_TRUE(file) << file.error().Describe();
  ASSERT_EQ(file->tenants.size(), 2u);
  const Tenant& acme = file->tenants[0];
  EXPECT_EQ(acme.id.value, "acme");
  EXPECT_EQ(acme.name, "Acme");
  EXPECT_EQ(acme.default_region, "GB");
  EXPECT_EQ(acme.holidays, (std::vector<year_month_day>{2026y / 12 / 25, 2026y / 12 / 26}));
  EXPECT_EQ(acme.rules.timezone, "Europe/London");
  EXPECT_EQ(acme.rules.time_window_start, 9h + 30min);
  EXPECT_EQ(acme.rules.time_window_end, 20h);
  EXPECT_EQ(acme.rules.allowed_days, (std::set<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(acme.rules.retry_delay_seconds, 3600);
  EXPECT_EQ(acme.rules.max_retry_attempts, 5);
  EXPECT_EQ(acme.rules.max_concurrent_calls, CallingRules{}.max_concurrent_calls) << "default kept";
  EXPECT_EQ(file->tenants[1].rules, CallingRules{}) << "no [tenants.rules]: every default";
  EXPECT_EQ(file->tenants[1].default_region, "US");

  ASSERT_EQ(file->campaigns.size(), 2u);
  const CampaignFileEntry& renewals = file->campaigns[0];
  EXPECT_EQ(renewals.key, "renewals");
  EXPECT_EQ(renewals.campaign.tenant_id.value, "acme");
  EXPECT_EQ(renewals.campaign.name, "Renewals");
  EXPECT_EQ(renewals.campaign.goal, "renew");
  EXPECT_EQ(renewals.campaign.max_concurrent_calls, 7);
  EXPECT_EQ(renewals.campaign.calling_config, (nlohmann::json{{"caller_id", "+442079460100"}}));
  EXPECT_FALSE(file->campaigns[1].campaign.system_prompt.empty()) << "a default prompt";
}

// A bad file names the key and the line of every problem.
struct BadFile {
  std::string name;
  std::string text;
  std::string field;  // "" when the error has no field list (a TOML syntax error)
  std::string line;   // "line N" expected in the field's message, or "file:N" in the message
};

const std::string kMinimalCampaign = "\n[[campaigns]]\nkey = \"k\"\ntenant = \"t\"\nname = \"C\"\n";

std::vector<BadFile> BadFiles() {
  return {
      {"TomlSyntax", "[[tenants]]\nid = \"t\"\nname = \n", "", "bad.toml:3"},
      {"UnknownTenantKey",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\ncolour = \"red\"\n" + kMinimalCampaign,
       "tenants[0].colour", "line 4"},
      {"RuleOutOfRange",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n[tenants.rules]\ntimezone = \"UTC\"\n"
       "retry_delay_seconds = 60\n" +
           kMinimalCampaign,
       "tenants[0].rules.retry_delay_seconds", "line 6"},
      {"RuleUnknownZone",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n[tenants.rules]\ntimezone = \"Mars/Base\"\n" +
           kMinimalCampaign,
       "tenants[0].rules.timezone", "line 5"},
      {"RuleBadDay",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n[tenants.rules]\n\nallowed_days = [1, 9]\n" +
           kMinimalCampaign,
       "tenants[0].rules.allowed_days", "line 6"},
      {"MissingTenantName", "[[tenants]]\nid = \"t\"\n" + kMinimalCampaign, "tenants[0].name",
       "line 1"},
      {"BadHoliday",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\nholidays = [\"2026-13-01\"]\n" + kMinimalCampaign,
       "tenants[0].holidays[0]", "line 4"},
      {"CampaignOfUnknownTenant",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n\n[[campaigns]]\nkey = \"k\"\ntenant = \"x\"\n"
       "name = \"C\"\n",
       "campaigns[0].tenant", "line 7"},
      {"DuplicateCampaignKey",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n" + kMinimalCampaign + kMinimalCampaign,
       "campaigns[1].key", "line 11"},
      {"DuplicateTenantId",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n[[tenants]]\nid = \"t\"\nname = \"U\"\n" +
           kMinimalCampaign,
       "tenants[1].id", "line 5"},
      {"CallerIdNotE164",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n" + kMinimalCampaign + "caller_id = \"12345\"\n",
       "campaigns[0].caller_id", "line 9"},
      {"ConcurrencyNotAnInteger",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n" + kMinimalCampaign +
           "max_concurrent_calls = \"ten\"\n",
       "campaigns[0].max_concurrent_calls", "line 9"},
      {"ConcurrencyAboveTheCampaignLimit",
       "[[tenants]]\nid = \"t\"\nname = \"T\"\n" + kMinimalCampaign +
           "max_concurrent_calls = 101\n",
       "campaigns[0].max_concurrent_calls", "line 9"},
      {"NoCampaigns", "[[tenants]]\nid = \"t\"\nname = \"T\"\n", "campaigns", "line 1"},
      {"UnknownTopLevelKey",
       "speed = 3\n[[tenants]]\nid = \"t\"\nname = \"T\"\n" + kMinimalCampaign, "speed", "line 1"},
  };
}

class CampaignFileErrors : public ::testing::TestWithParam<BadFile> {};

TEST_P(CampaignFileErrors, NameTheKeyAndTheLine) {
  const BadFile& bad = GetParam();
  Expected<CampaignFile> file = ParseCampaignFile(bad.text, "bad.toml");
  ASSERT_FALSE(file) << "accepted:\n" << bad.text;
  EXPECT_EQ(file.error().code, ErrorCode::kInvalidArgument);
  if (bad.field.empty()) {
    EXPECT_NE(file.error().message.find(bad.line), std::string::npos) << file.error().Describe();
    return;
  }
  bool found = false;
  for (const FieldError& field : file.error().fields) {
    if (field.field == bad.field) {
      found = true;
      EXPECT_NE(field.message.find(bad.line), std::string::npos)
          << field.field << ": " << field.message;
    }
  }
  EXPECT_TRUE(found) << "no error on " << bad.field << ":\n" << file.error().Describe();
}

INSTANTIATE_TEST_SUITE_P(CampaignFile, CampaignFileErrors, ::testing::ValuesIn(BadFiles()),
                         [](const auto& row) { return row.param.name; });

TEST(CampaignFile, ListsEveryProblemAtOnce) {
  Expected<CampaignFile> file = ParseCampaignFile(
      "[[tenants]]\nid = \"t\"\nname = \"T\"\nnope = 1\n[tenants.rules]\nmax_retry_attempts = 9\n"
      "\n[[campaigns]]\nkey = \"k\"\ntenant = \"t\"\n",
      "bad.toml");
  ASSERT_FALSE(file);
  std::set<std::string> fields;
  for (const FieldError& field : file.error().fields) fields.insert(field.field);
  EXPECT_EQ(fields, (std::set<std::string>{"tenants[0].nope", "tenants[0].rules.max_retry_attempts",
                                           "campaigns[0].name"}))
      << file.error().Describe();
}

TEST(CampaignFile, AMissingFileIsNotFound) {
  Expected<CampaignFile> file = LoadCampaignFile("/nonexistent/campaign.toml");
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, ErrorCode::kNotFound);
  EXPECT_NE(file.error().message.find("/nonexistent/campaign.toml"), std::string::npos);
}

TEST(CampaignFile, TheShippedExampleIsValid) {
  Expected<CampaignFile> file = LoadCampaignFile(TALKY_EXAMPLES_DIR "/campaign.toml");
  ASSERT_TRUE(file) << file.error().Describe();
  EXPECT_EQ(file->tenants.size(), 3u);
  EXPECT_EQ(file->campaigns.size(), 3u);
}

}  // namespace
}  // namespace talky
