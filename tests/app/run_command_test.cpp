// `talky run` as a user runs it: a real process on a small campaign file and leads CSV in a
// scratch folder, played at high speed to its end; the report is checked against the test numbers
// and against the store it wrote.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "app/open_store.h"
#include "domain/job_status.h"
#include "harness/child_process.h"
#include "harness/test_servers.h"
#include "net/http_client.h"
#include "run_cli.h"
#include "telephony/simulated/simulated_call_plan.h"

namespace talky {
namespace {

using namespace std::chrono;

// UK numbers carry no US legal floor, and the window is the whole day in UTC: only the retry
// delays and the cooldown hold calls back. The clock starts at a fixed instant (--start-at).
constexpr char kCampaignFile[] = R"(
[[tenants]]
id = "acme"
name = "Acme"
default_region = "GB"
  [tenants.rules]
  timezone = "UTC"
  time_window_start = "00:00"
  time_window_end = "23:59"
  allowed_days = [0, 1, 2, 3, 4, 5, 6]
  retry_delay_seconds = 3600
  max_retry_attempts = 3
  min_hours_between_calls = 1

[[campaigns]]
key = "renewals"
tenant = "acme"
name = "Renewals"
caller_id = "+442079460100"
)";

// A row per test number: the calls it makes with at most three attempts, by outcome.
struct TestNumber {
  std::string number;
  std::map<std::string, int64_t> calls;
};
const std::vector<TestNumber> kTestNumbers = {
    {"+442079460200", {{"goal_achieved", 1}}},
    {"+442079460204", {{"goal_not_achieved", 1}}},
    {"+442079460555", {{"voicemail", 3}}},
    {"+442079460480", {{"no_answer", 3}}},
    {"+442079460486", {{"busy", 3}}},
    {"+442079460404", {{"invalid", 1}}},
    {"+442079460603", {{"rejected", 1}}},
    {"+442079460410", {{"disconnected", 1}}},
    {"+442079460503", {{"failed", 3}}},
    {"+442079460481", {{"busy", 1}, {"goal_achieved", 1}}},
    {"+442079460482", {{"busy", 2}, {"goal_achieved", 1}}},
    {"+442079460483", {{"busy", 3}}},  // would answer on the fourth attempt: there is none
};

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// Runs `talky` with `args`, stdout and stderr together, bounded by `limit`.
testing::ProcessResult RunProcess(const std::vector<std::string>& args, seconds limit) {
  return testing::RunProcess(TALKY_BINARY, args, limit);
}

// The rows of one report section ("Calls by outcome (...)") as name -> count.
std::map<std::string, int64_t> ReportSection(const std::string& report, const std::string& title) {
  std::map<std::string, int64_t> rows;
  const size_t at = report.find("\n" + title);
  if (at == std::string::npos) return rows;
  std::istringstream lines(report.substr(report.find('\n', at + 1) + 1));
  for (std::string line; std::getline(lines, line) && !line.empty();) {
    // "  busy   9   40.9%", or "  3 attempts   6   50.0%": the name, words, then the count.
    std::istringstream fields(line);
    std::string name, word;
    fields >> name;
    while (fields >> word) {
      if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0]))) {
        rows[name] = std::stoll(word);
        break;
      }
    }
  }
  return rows;
}

TEST(RunCommand, PlaysACampaignToItsEndAndReportsWhatTheStoreHolds) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("run");
  ASSERT_TRUE(dir);
  const std::filesystem::path folder = (*dir)->path();
  WriteFile(folder / "campaign.toml", kCampaignFile);
  std::string csv = "phone_number,first_name,plan\n";
  for (const TestNumber& test : kTestNumbers) csv += test.number + ",Sam,basic\n";
  WriteFile(folder / "leads.csv", csv);
  const std::string db = (folder / "talky.db").string();

  const testing::ProcessResult run = RunProcess({"run",
                                                 "--campaign",
                                                 (folder / "campaign.toml").string(),
                                                 "--leads",
                                                 (folder / "leads.csv").string(),
                                                 "--database-url",
                                                 "sqlite:" + db,
                                                 "--speed",
                                                 "20000",
                                                 "--start-at",
                                                 "2026-11-23T10:00:00Z",
                                                 "--ring-time-ms",
                                                 "1000",
                                                 "--talk-time-ms",
                                                 "2000",
                                                 "--workers",
                                                 "2",
                                                 "--progress",
                                                 "lines",
                                                 "--voice",
                                                 "off"},
                                                seconds(60));
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.output;
  EXPECT_NE(run.output.find("simulated clock at 20000-times speed"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("leads 12/12 final"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("talky run: API on http://127.0.0.1:"), std::string::npos)
      << run.output;

  std::map<std::string, int64_t> expected_calls;
  int64_t expected_total = 0;
  for (const TestNumber& test : kTestNumbers) {
    for (const auto& [outcome, count] : test.calls) {
      expected_calls[outcome] += count;
      expected_total += count;
    }
  }
  const std::map<std::string, int64_t> reported = ReportSection(run.output, "Calls by outcome");
  EXPECT_EQ(reported, expected_calls) << run.output;
  EXPECT_NE(run.output.find(fmt::format("Calls by outcome ({} calls)", expected_total)),
            std::string::npos)
      << run.output;
  // The window is the whole day: nothing waits for calling hours.
  EXPECT_EQ(run.output.find("outside_calling_window"), std::string::npos) << run.output;

  // The store agrees with the report.
  SystemClock clock;
  RandomIdGenerator ids(3);
  Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
  ASSERT_TRUE(store) << store.error().Describe();
  Expected<StoreTally> tally = (*store)->Tally(TenantId{"acme"}, std::nullopt);
  ASSERT_TRUE(tally) << tally.error().Describe();
  EXPECT_EQ(tally->calls_by_outcome, reported);
  EXPECT_EQ(tally->calls_total, expected_total);
  EXPECT_EQ(tally->calls_in_progress, 0);
  const std::map<std::string, int64_t> attempts = ReportSection(run.output, "Leads by attempts");
  // 200, 204, 404, 603, 410: one call; 481: two; the other six: three.
  EXPECT_EQ(attempts, (std::map<std::string, int64_t>{{"1", 5}, {"2", 1}, {"3", 6}})) << run.output;
  EXPECT_EQ(tally->leads_by_attempts, (std::map<int, int64_t>{{1, 5}, {2, 1}, {3, 6}}));
  int64_t open_jobs = 0;
  for (const auto& [status, count] : tally->jobs_by_status) {
    if (!IsFinal(*ParseJobStatus(status))) open_jobs += count;
  }
  EXPECT_EQ(open_jobs, 0);
  Expected<Page<Campaign>> campaigns = (*store)->ListCampaigns(TenantId{"acme"}, {});
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->items.size(), 1u);
  EXPECT_EQ(campaigns->items[0].status, CampaignStatus::kCompleted);
  EXPECT_EQ(campaigns->items[0].goals_achieved, expected_calls["goal_achieved"]);

  // Running again on the same database reuses the tenant and adds a second campaign.
  const testing::ProcessResult again = RunProcess(
      {"run", "--campaign", (folder / "campaign.toml").string(), "--leads",
       (folder / "leads.csv").string(), "--database-url", "sqlite:" + db, "--speed", "20000",
       "--ring-time-ms", "0", "--talk-time-ms", "0", "--progress", "none", "--voice", "off"},
      seconds(60));
  ASSERT_TRUE(WIFEXITED(again.status) && WEXITSTATUS(again.status) == 0) << again.output;
  EXPECT_NE(again.output.find("tenant acme: exists"), std::string::npos) << again.output;
  campaigns = (*store)->ListCampaigns(TenantId{"acme"}, {});
  ASSERT_TRUE(campaigns);
  EXPECT_EQ(campaigns->items.size(), 2u);
}

// Calls speak: every answered call is a conversation over the run's media socket with a simulated
// callee. The goals are exactly the callees who meant to agree, the number that asked not to be
// called is on the Do-Not-Call list, the machine was detected, and the report shows latencies and
// transcripts on each call's own timeline (the calendar runs 20,000 times faster than the audio).
TEST(RunCommand, AnsweredCallsSpeakAndTheGoalsAreTheCalleesAgreements) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("run-voice");
  ASSERT_TRUE(dir);
  const std::filesystem::path folder = (*dir)->path();
  std::string campaign_file = kCampaignFile;
  campaign_file.replace(campaign_file.find("max_retry_attempts = 3"), 22, "max_retry_attempts = 1");
  WriteFile(folder / "campaign.toml", campaign_file);
  std::vector<std::string> numbers = {"+442079460200", "+442079460204", "+442079460205",
                                      "+442079460555"};
  for (int i = 0; i < 10; ++i) numbers.push_back("+44207946" + std::to_string(1300 + i));
  // One attempt each: the plan of attempt 1 says who answers and what they mean.
  int agreements = 0;
  int people = 0;    // answered by a person
  int machines = 0;  // answered by an answering machine
  for (const std::string& number : numbers) {
    const CallOutcome planned =
        *PlanSimulatedCall(number, 1, {}, DefaultSimulatedOutcomeMix(), 1).back().outcome;
    agreements += planned == CallOutcome::kGoalAchieved ? 1 : 0;
    people += planned == CallOutcome::kGoalAchieved || planned == CallOutcome::kGoalNotAchieved ||
                      planned == CallOutcome::kDoNotCall
                  ? 1
                  : 0;
    machines += planned == CallOutcome::kVoicemail ? 1 : 0;
  }
  ASSERT_GE(agreements, 2);
  std::string csv = "phone_number,first_name\n";
  for (const std::string& number : numbers) csv += number + ",Sam\n";
  WriteFile(folder / "leads.csv", csv);
  const std::string db = (folder / "talky.db").string();

  const testing::ProcessResult run =
      RunProcess({"run", "--campaign", (folder / "campaign.toml").string(), "--leads",
                  (folder / "leads.csv").string(), "--database-url", "sqlite:" + db, "--speed",
                  "20000", "--start-at", "2026-11-23T10:00:00Z", "--ring-time-ms", "1000",
                  "--workers", "2", "--progress", "lines", "--listen", "127.0.0.1:0"},
                 seconds(180));
  ASSERT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0) << run.output;
  EXPECT_NE(run.output.find("answered calls speak"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("talking"), std::string::npos) << run.output;

  SystemClock clock;
  RandomIdGenerator ids(3);
  Expected<std::unique_ptr<Store>> store = OpenStore({SqlDialect::kSqlite, db}, clock, ids);
  ASSERT_TRUE(store) << store.error().Describe();
  const TenantId acme{"acme"};
  Expected<Page<Campaign>> campaigns = (*store)->ListCampaigns(acme, {});
  ASSERT_TRUE(campaigns && campaigns->items.size() == 1u);
  EXPECT_EQ(campaigns->items[0].goals_achieved, agreements) << run.output;
  Expected<bool> listed = (*store)->IsDoNotCall(acme, "+442079460205");
  ASSERT_TRUE(listed);
  EXPECT_TRUE(*listed) << run.output;
  const std::map<std::string, int64_t> reported = ReportSection(run.output, "Calls by outcome");
  EXPECT_EQ(reported.at("do_not_call"), 1) << run.output;
  EXPECT_EQ(reported.at("voicemail"), machines) << run.output;
  EXPECT_EQ(reported.at("goal_achieved"), agreements) << run.output;

  // Every call a person answered talked, and every turn lies within its own record's time. (A
  // machine whose greeting talks over the agent's first word leaves no turn: the agent stopped
  // before saying one.)
  Expected<Page<CallRecord>> calls = (*store)->ListCalls(acme, {}, {.limit = 100});
  ASSERT_TRUE(calls);
  int talked = 0;
  for (const CallRecord& call : calls->items) {
    if (!call.answered_at) continue;
    Expected<std::vector<ConversationTurn>> turns = (*store)->ListConversationTurns(acme, call.id);
    ASSERT_TRUE(turns);
    if (turns->empty()) continue;
    ++talked;
    ASSERT_TRUE(call.ended_at) << call.id.value;
    for (const ConversationTurn& turn : *turns) {
      EXPECT_GE(turn.at, *call.answered_at) << call.id.value;
      EXPECT_LE(turn.at, *call.ended_at) << call.id.value;
    }
  }
  EXPECT_GE(talked, people) << run.output;
  EXPECT_LE(talked, people + machines) << run.output;

  // The report's conversations: latencies per component, and a sample transcript per outcome.
  EXPECT_NE(run.output.find(fmt::format("Conversations ({} answered calls talked", talked)),
            std::string::npos)
      << run.output;
  for (const char* line :
       {"  stt  p50", "  llm  p50", "  tts  p50", "opt-outs by voice or key: 1",
        "outcome goal_achieved", "outcome do_not_call", "callee  stop calling me"}) {
    EXPECT_NE(run.output.find(line), std::string::npos) << line << "\n" << run.output;
  }
}

TEST(RunCommand, WithoutACampaignServesTheApiUntilSigterm) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("run-serve");
  ASSERT_TRUE(dir);
  const std::string url = "sqlite:" + ((*dir)->path() / "talky.db").string();
  Expected<std::unique_ptr<testing::ChildProcess>> child = testing::ChildProcess::Start(
      TALKY_BINARY,
      {"run", "--database-url", url, "--listen", "127.0.0.1:0", "--admin-key", "test-admin-key"},
      dir->get());
  ASSERT_TRUE(child) << child.error().Describe();
  // The line that names the port (bounded).
  const std::string marker = "API on http://127.0.0.1:";
  std::optional<std::string> api_line = (*child)->WaitForLine(marker, 20s);
  ASSERT_TRUE(api_line) << (*child)->output();
  ASSERT_TRUE((*child)->WaitForLine("running until SIGTERM", 20s)) << (*child)->output();
  const int port = std::stoi(api_line->substr(api_line->find(marker) + marker.size()));
  EXPECT_NE((*child)->output().find("admin key from --admin-key"), std::string::npos)
      << (*child)->output();

  HttpClient client;
  Expected<HttpClientResponse> health =
      client.Send({.url = fmt::format("http://127.0.0.1:{}/health", port)});
  ASSERT_TRUE(health) << health.error().Describe();
  EXPECT_EQ(health->status, 200) << health->body;

  ASSERT_TRUE((*child)->Signal(SIGTERM));
  const std::optional<int> status = (*child)->WaitForExit(20s);
  ASSERT_TRUE(status) << "talky run did not stop within 20 s of SIGTERM";
  const std::string output = (*child)->output();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << output;
  EXPECT_NE(output.find("SIGTERM: draining calls in flight"), std::string::npos) << output;
}

TEST(RunCommand, SpeedIsRefusedWithRedis) {
  const CliResult result =
      RunTalky({"run", "--redis-url", "redis://127.0.0.1:1", "--speed", "100"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("--speed needs the embedded queue"), std::string::npos) << result.err;
}

TEST(RunCommand, SipCallsRunInRealTimeAndNeedATrunk) {
  const CliResult result =
      RunTalky({"run", "--provider", "sip", "--speed", "100", "--media-speed", "4"});
  EXPECT_EQ(result.code, 2);
  for (const char* named :
       {"--speed: a SIP call cannot run faster than real time", "--media-speed: must be 1",
        "--sip-trunk (or TALKY_SIP_TRUNK): is required"}) {
    EXPECT_NE(result.err.find(named), std::string::npos) << named << " in " << result.err;
  }
}

TEST(RunCommand, HelpShowsTheDefaults) {
  const CliResult help = RunTalky({"run", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* shown : {"=127.0.0.1:8080", "=auto", "=3000"}) {
    EXPECT_NE(help.out.find(shown), std::string::npos) << shown << " in\n" << help.out;
  }
  EXPECT_EQ(help.out.find("1e+06]=0"), std::string::npos) << "--speed shows no 0 for a default";
}

TEST(RunCommand, StartAtNeedsSpeed) {
  const CliResult result = RunTalky({"run", "--start-at", "2026-11-23T10:00:00Z"});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("--start-at needs --speed"), std::string::npos) << result.err;
}

TEST(RunCommand, ABadCampaignFileChangesNothingAndNamesTheKey) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("run-bad");
  ASSERT_TRUE(dir);
  const std::filesystem::path folder = (*dir)->path();
  std::string bad = kCampaignFile;
  bad.replace(bad.find("retry_delay_seconds = 3600"), 26, "retry_delay_seconds = 5");
  WriteFile(folder / "campaign.toml", bad);
  WriteFile(folder / "leads.csv", "phone_number\n+442079460200\n");
  const std::string db = (folder / "talky.db").string();
  const CliResult result =
      RunTalky({"run", "--campaign", (folder / "campaign.toml").string(), "--leads",
                (folder / "leads.csv").string(), "--database-url", "sqlite:" + db});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("tenants[0].rules.retry_delay_seconds: line 11"), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(db)) << "nothing was created";
}

TEST(RunCommand, ALeadOfAnUnknownCampaignIsNamedWithItsLine) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("run-bad");
  ASSERT_TRUE(dir);
  const std::filesystem::path folder = (*dir)->path();
  WriteFile(folder / "campaign.toml", kCampaignFile);
  WriteFile(folder / "leads.csv",
            "campaign,phone_number\nrenewals,+442079460200\nwinter,+442079460204\n");
  const CliResult result = RunTalky({"run", "--campaign", (folder / "campaign.toml").string(),
                                     "--leads", (folder / "leads.csv").string(), "--database-url",
                                     "sqlite:" + (folder / "talky.db").string()});
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.err.find("leads[1].campaign"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("line 3: campaign 'winter' is not a key"), std::string::npos)
      << result.err;
}

}  // namespace
}  // namespace talky
