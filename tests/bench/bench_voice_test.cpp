// `talky bench voice` in-process with a few calls: every call is answered as often as it spoke,
// the JSON line names every figure, and the offline run hears the callee's "yes". Never timings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "app/run_cli.h"
#include "bench/bench_commands.h"

namespace talky {
namespace {

nlohmann::json RunBench(const std::vector<std::string>& arguments) {
  std::vector<std::string> command = {"bench", "voice"};
  command.insert(command.end(), arguments.begin(), arguments.end());
  CliResult result = RunTalky(command, AddBenchCommands);
  EXPECT_EQ(result.code, kExitOk) << result.err << result.out;
  return nlohmann::json::parse(result.out, nullptr, false);
}

TEST(BenchVoiceCommand, EveryCallerTurnIsAnsweredAndTheFiguresArePrinted) {
  const nlohmann::json line = RunBench({"--calls", "4", "--turns", "2", "--sample-rate", "8000"});
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_EQ(line["providers"], "delayed");
  EXPECT_EQ(line["calls_finished"], 4) << line;
  EXPECT_EQ(line["calls_failed"], 0) << line;
  EXPECT_EQ(line["answers"], 8) << line;
  EXPECT_EQ(line["provider_delay_ms"], 200);
  EXPECT_GT(line["pacing_ticks"].get<int>(), 0) << line;
  for (const char* field :
       {"engine_latency_p50_ms", "engine_latency_p99_ms", "pacing_lateness_p99_ms_at_most",
        "server_cpu_ms_per_call_second", "memory_mb_per_call", "elapsed_s"}) {
    EXPECT_TRUE(line.contains(field)) << field << " missing from " << line;
  }
}

TEST(BenchVoiceCommand, OfflineProvidersHearTheCalleeAndAnswer) {
  const nlohmann::json line = RunBench({"--calls", "2", "--offline"});
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_EQ(line["providers"], "offline");
  EXPECT_EQ(line["calls_finished"], 2) << line;
  EXPECT_EQ(line["answers"], 2) << line;
  EXPECT_TRUE(line.contains("calls_per_core")) << line;
}

// Our cloud clients against the fakes: every turn went through Deepgram's Finalize, a streamed
// completion and a Cartesia context (the reply's two sentences, the first flushed).
TEST(BenchVoiceCommand, CloudClientsAgainstTheFakesAnswerEveryTurn) {
  const nlohmann::json line =
      RunBench({"--calls", "3", "--turns", "2", "--providers", "cloud-fakes"});
  ASSERT_TRUE(line.is_object()) << line;
  EXPECT_EQ(line["providers"], "cloud-fakes");
  EXPECT_EQ(line["calls_finished"], 3) << line;
  EXPECT_EQ(line["calls_failed"], 0) << line;
  EXPECT_EQ(line["answers"], 6) << line;
  EXPECT_EQ(line["provider_delay_ms"], 0);
  EXPECT_EQ(line["fakes_served"]["deepgram_finalizes"], 6) << line;
  EXPECT_EQ(line["fakes_served"]["chat_completions"], 9) << line;  // greeting and two answers
  EXPECT_EQ(line["fakes_served"]["cartesia_sentences"], 18) << line;
  EXPECT_EQ(line["fakes_served"]["cartesia_flushes"], 9) << line;
  // One per turn, unless a reply's second sentence came too late to continue the first's.
  EXPECT_GE(line["fakes_served"]["cartesia_contexts"].get<int>(), 9) << line;
  EXPECT_LT(line["fakes_served"]["cartesia_contexts"].get<int>(), 18) << line;
}

TEST(BenchVoiceCommand, ARateOtherThanTelephonysIsAUsageError) {
  CliResult result = RunTalky({"bench", "voice", "--sample-rate", "44100"}, AddBenchCommands);
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("--sample-rate"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace talky
