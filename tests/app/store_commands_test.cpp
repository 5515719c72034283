// `talky migrate` and `talky bench store`, run in-process on a SQLite file in a temporary folder.
#include <gtest/gtest.h>

#include <sstream>

#include "app/cli.h"
#include "bench/bench_commands.h"
#include "harness/test_servers.h"
#include "run_cli.h"
#include "store/migrations/migrations.h"

namespace talky {
namespace {

TEST(MigrateCommand, MigratesOnceThenReportsUpToDate) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("migrate");
  ASSERT_TRUE(dir);
  std::string url = "sqlite:" + ((*dir)->path() / "talky.db").string();
  const std::string latest = std::to_string(AllMigrations().back().version);
  CliResult first = RunTalky({"migrate", "--database-url", url});
  EXPECT_EQ(first.code, kExitOk) << first.err;
  EXPECT_EQ(first.out, "schema migrated from version 0 to " + latest + "\n");
  CliResult second = RunTalky({"migrate", "--database-url", url});
  EXPECT_EQ(second.code, kExitOk) << second.err;
  EXPECT_EQ(second.out, "schema is up to date at version " + latest + "\n");
}

TEST(MigrateCommand, UnknownUrlSchemeIsAUsageErrorNamingTheFlag) {
  CliResult result = RunTalky({"migrate", "--database-url", "mysql://db/talky"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("database-url"), std::string::npos) << result.err;
}

TEST(BenchStoreCommand, PrintsItsFiguresOnASmallRun) {
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("bench");
  ASSERT_TRUE(dir);
  std::string url = "sqlite:" + ((*dir)->path() / "bench.db").string();
  CliResult result =
      RunTalky({"bench", "store", "--database-url", url, "--leads", "200", "--updates", "100"},
               AddBenchCommands);
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_NE(result.out.find("import: 200 leads"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("campaign start: 200 jobs"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("job updates: 100 in"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace talky
