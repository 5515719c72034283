#include "app/cli.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "run_cli.h"

namespace talky {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Cli, HelpListsTheSubcommands) {
  for (const auto& args : {std::vector<std::string>{"--help"}, std::vector<std::string>{}}) {
    CliResult result = RunTalky(args);
    EXPECT_EQ(result.code, kExitOk);
    EXPECT_NE(result.out.find("Subcommands:"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("rules"), std::string::npos);
  }
}

TEST(Cli, VersionPrintsTheVersion) {
  CliResult result = RunTalky({"--version"});
  EXPECT_EQ(result.code, kExitOk);
  EXPECT_EQ(result.out, std::string("talky ") + TALKY_VERSION_FOR_TEST + "\n");
}

TEST(Cli, UnknownSubcommandOrFlagIsAUsageError) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c :
       {Case{{"frobnicate"}, "frobnicate"}, Case{{"--colour"}, "--colour"},
        Case{{"rules"}, "subcommand is required"}, Case{{"rules", "validate"}, "file is required"},
        Case{{"rules", "validate", "a.json", "--fast"}, "--fast"}}) {
    CliResult result = RunTalky(c.args);
    EXPECT_EQ(result.code, kExitUsage) << c.says;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty());
  }
}

TEST(Cli, RulesValidatePrintsTheRulesWithDefaults) {
  const std::string file =
      WriteTemp("talky_cli_rules_ok.json", R"({"timezone": "America/Chicago"})");
  CliResult result = RunTalky({"rules", "validate", file});
  EXPECT_EQ(result.code, kExitOk) << result.err;
  EXPECT_NE(result.out.find("\"timezone\": \"America/Chicago\""), std::string::npos);
  EXPECT_NE(result.out.find("\"max_concurrent_calls\": 10"), std::string::npos);
}

TEST(Cli, RulesValidateListsEveryBadField) {
  const std::string file = WriteTemp("talky_cli_rules_bad.json",
                                     R"({"max_concurrent_calls": 0, "timezone": "Nowhere"})");
  CliResult result = RunTalky({"rules", "validate", file});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("max_concurrent_calls: must be between 1 and 100"), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("timezone:"), std::string::npos);
}

TEST(Cli, RulesValidateOnAMissingFileSaysSo) {
  CliResult result = RunTalky({"rules", "validate", "/nonexistent/rules.json"});
  EXPECT_EQ(result.code, kExitUsage);
  EXPECT_NE(result.err.find("cannot read '/nonexistent/rules.json'"), std::string::npos);
}

// The real binary, as a user runs it: the exit codes reach the shell.
TEST(Cli, BinaryExitCodes) {
  auto exit_code = [](const std::string& args) {
    const std::string command = std::string(TALKY_BINARY) + " " + args + " >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(exit_code("--help"), 0);
  EXPECT_EQ(exit_code("--version"), 0);
  EXPECT_EQ(exit_code("no-such-command"), 2);
  EXPECT_EQ(exit_code("--no-such-flag"), 2);
}

}  // namespace
}  // namespace talky
