// `talky bench webhooks` in-process with tiny numbers on the embedded backend: its JSON line names
// every figure, every answer is a 200, and the events reached the store.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/cli.h"
#include "app/run_cli.h"
#include "bench/bench_commands.h"

namespace talky {
namespace {

TEST(BenchWebhooksCommand, RecordsOneEventPerRequestAndPrintsTheFigures) {
  CliResult result = RunTalky(
      {"bench", "webhooks", "--calls", "200", "--duration-seconds", "1", "--connections", "4"},
      AddBenchCommands);
  ASSERT_EQ(result.code, kExitOk) << result.err;
  const nlohmann::json line = nlohmann::json::parse(result.out);
  for (const char* field : {"backend", "events_per_s", "p50_ms", "p99_ms", "max_ms", "statuses",
                            "events_recorded", "requests", "requests_past_seeded_calls"}) {
    EXPECT_TRUE(line.contains(field)) << field << " missing from " << result.out;
  }
  EXPECT_EQ(line["backend"], "sqlite+embedded-queue");
  const auto requests = line["requests"].get<int64_t>();
  ASSERT_GT(requests, 0) << result.out;
  EXPECT_EQ(line["errors"].get<int64_t>(), 0) << result.out;
  // Every answer was a 200, and nothing else.
  ASSERT_EQ(line["statuses"].size(), 1U) << result.out;
  EXPECT_EQ(line["statuses"]["200"].get<int64_t>(), requests) << result.out;
  // Each request up to the seeded calls wrote one distinct event; the rest named unknown calls.
  EXPECT_EQ(line["events_recorded"].get<int64_t>(), std::min<int64_t>(requests, 200)) << result.out;
  EXPECT_EQ(line["requests_past_seeded_calls"].get<int64_t>(), std::max<int64_t>(0, requests - 200))
      << result.out;
}

TEST(BenchWebhooksCommand, UnknownDatabaseSchemeIsAUsageError) {
  CliResult result =
      RunTalky({"bench", "webhooks", "--calls", "10", "--database-url", "mysql://db/talky"},
               AddBenchCommands);
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("database-url"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace talky
