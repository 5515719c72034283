// `talky rules explain`: the operator's answer to "why was this lead not called?".
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli.h"
#include "run_cli.h"

namespace talky {
namespace {

CliResult Explain(std::vector<std::string> args) {
  args.insert(args.begin(), {"rules", "explain"});
  return RunTalky(args);
}

nlohmann::json Json(const CliResult& result) {
  return nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
}

TEST(RulesExplain, AllowedCall) {
  CliResult result = Explain({"--phone", "+12125550123", "--at", "2026-11-16T14:00:00Z"});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  const nlohmann::json json = Json(result);
  EXPECT_EQ(json["allowed"], true);
  EXPECT_EQ(json["reason"], "allowed");
  EXPECT_EQ(json["zones"], nlohmann::json::array({"America/New_York"}));
  EXPECT_TRUE(json["next_allowed_at"].is_null());
}

TEST(RulesExplain, NotNowSaysWhyAndWhen) {
  CliResult result = Explain({"--phone", "+13125550123", "--at", "2026-11-16T14:30:00Z"});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  const nlohmann::json json = Json(result);
  EXPECT_EQ(json["allowed"], false);
  EXPECT_EQ(json["decision"], "not_now");
  EXPECT_EQ(json["reason"], "outside_calling_window");
  EXPECT_EQ(json["next_allowed_at"], "2026-11-16T15:00:00Z");
  EXPECT_EQ(json["zones"], nlohmann::json::array({"America/Chicago"}));
}

TEST(RulesExplain, RulesFileCooldownAndFloridaCap) {
  const auto path = std::filesystem::temp_directory_path() / "talky_explain_rules.json";
  std::ofstream(path) << R"({"min_hours_between_calls": 1, "time_window_end": "21:00"})";
  CliResult result =
      Explain({"--phone", "+13055550123", "--at", "2026-11-16T17:00:00Z", "--rules", path.string(),
               "--last-called", "2026-11-16T15:30:00Z", "--calls-24h", "3"});
  ASSERT_EQ(result.code, kExitOk) << result.err;
  const nlohmann::json json = Json(result);
  EXPECT_EQ(json["reason"], "state_daily_cap");
  EXPECT_EQ(json["subdivision"], "FL");
  // The three calls are taken to be at --last-called: the cap frees 24 h later.
  EXPECT_EQ(json["next_allowed_at"], "2026-11-17T15:30:00Z");
}

TEST(RulesExplain, DncHolidayZoneAndAttemptFlags) {
  EXPECT_EQ(
      Json(Explain({"--phone", "+12125550123", "--at", "2026-11-16T14:00:00Z", "--dnc"}))["reason"],
      "do_not_call");
  EXPECT_EQ(Json(Explain({"--phone", "+12125550123", "--at", "2026-11-16T14:00:00Z", "--attempt",
                          "4"}))["reason"],
            "max_attempts_reached");
  EXPECT_EQ(Json(Explain({"--phone", "+12125550123", "--at", "2026-11-26T15:00:00Z", "--holiday",
                          "2026-11-26"}))["next_allowed_at"],
            "2026-11-27T14:00:00Z");
  EXPECT_EQ(Json(Explain({"--phone", "+12125550123", "--at", "2026-11-16T14:00:00Z", "--time-zone",
                          "America/Los_Angeles"}))["next_allowed_at"],
            "2026-11-16T17:00:00Z");
  EXPECT_EQ(Json(Explain({"--phone", "020 7946 0000", "--region", "GB", "--at",
                          "2026-11-16T14:00:00Z"}))["zones"],
            nlohmann::json::array({"Europe/London"}));
}

// Bad input: a message naming what is wrong, exit code 2, never a crash.
TEST(RulesExplain, AMarketingCallToAUsNumberNeedsWrittenConsent) {
  const std::vector<std::string> call = {"--phone", "+12125550123", "--at", "2026-11-16T15:00:00Z",
                                         "--marketing"};
  CliResult refused = Explain(call);
  ASSERT_EQ(refused.code, kExitOk) << refused.err;
  EXPECT_EQ(Json(refused)["reason"], "no_consent");
  EXPECT_NE(Json(refused)["message"].get<std::string>().find("written consent"), std::string::npos);
  std::vector<std::string> with_consent = call;
  with_consent.insert(with_consent.end(), {"--consent", "written"});
  EXPECT_EQ(Json(Explain(with_consent))["reason"], "allowed");
}

TEST(RulesExplain, BadInputIsAUsageError) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  const std::string ok_at = "2026-11-16T14:00:00Z";
  for (const Case& c : {
           Case{{"--at", ok_at}, "--phone is required"},
           Case{{"--phone", "+12125550123"}, "--at is required"},
           Case{{"--phone", "12345", "--at", ok_at}, "is not a valid number"},
           Case{{"--phone", "", "--at", ok_at}, "is not a phone number"},
           Case{{"--phone", "+12125550123", "--at", "tomorrow"}, "--at 'tomorrow'"},
           Case{{"--phone", "+12125550123", "--at", "2026-11-16T14:00:00"}, "--at"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--rules", "/nonexistent.json"},
                "cannot read '/nonexistent.json'"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--last-called", "x"},
                "--last-called 'x'"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--last-called", "2026-11-17T00:00:00Z"},
                "--last-called is after --at"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--calls-24h", "2"},
                "--calls-24h needs --last-called"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--calls-24h", "-1"}, "--calls-24h"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--holiday", "26/11/2026"},
                "--holiday '26/11/2026'"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--time-zone", "Mars/Base"},
                "'Mars/Base' is not a time zone"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--region", "ZZZ"},
                "default_region: 'ZZZ'"},
           Case{{"--phone", "+12125550123", "--at", ok_at, "--consent", "maybe"}, "--consent"},
       }) {
    CliResult result = Explain(c.args);
    EXPECT_EQ(result.code, kExitUsage) << c.says << " / " << result.out;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << result.err;
  }
}

TEST(RulesExplain, BadRulesFileListsTheFields) {
  const auto path = std::filesystem::temp_directory_path() / "talky_explain_bad_rules.json";
  std::ofstream(path) << R"({"timezone": "Nowhere", "allowed_days": [9]})";
  CliResult result = Explain(
      {"--phone", "+12125550123", "--at", "2026-11-16T14:00:00Z", "--rules", path.string()});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("timezone:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("allowed_days:"), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

}  // namespace
}  // namespace talky
