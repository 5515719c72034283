// The keys of the cloud providers: from the secrets file (which wins) and the environment; a bad
// line is named by its number, never by its value.
#include "app/secrets.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace talky {
namespace {

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(Secrets, TheFileWinsOverTheEnvironmentWhichIsSearchedToo) {
  ::setenv("TALKY_TEST_FROM_ENV", "env-value", 1);
  ::setenv("TALKY_TEST_IN_BOTH", "env-loses", 1);
  const std::string path =
      WriteFile("talky-secrets-test.env",
                "# keys\n\nTALKY_TEST_IN_BOTH=file-wins\r\nGROQ_API_KEY=gsk-a=b=c\nEMPTY=\n");
  Expected<Secrets> secrets = Secrets::FromFile(path);
  ASSERT_TRUE(secrets) << secrets.error().Describe();
  EXPECT_EQ(secrets->Get("TALKY_TEST_IN_BOTH"), "file-wins");
  EXPECT_EQ(secrets->Get("TALKY_TEST_FROM_ENV"), "env-value");
  EXPECT_EQ(secrets->Get("GROQ_API_KEY"), "gsk-a=b=c");
  EXPECT_EQ(secrets->Get("EMPTY"), "");
  EXPECT_EQ(secrets->Get("TALKY_TEST_NOWHERE"), std::nullopt);
  EXPECT_EQ(Secrets().Get("TALKY_TEST_FROM_ENV"), "env-value");
  std::filesystem::remove(path);
}

TEST(Secrets, ABadLineIsNamedByNumberWithoutItsValueAndAMissingFileIsUnavailable) {
  const std::string path =
      WriteFile("talky-secrets-bad.env", "GOOD=1\nsk-live-should-not-be-echoed\n");
  Expected<Secrets> secrets = Secrets::FromFile(path);
  ASSERT_FALSE(secrets);
  EXPECT_EQ(secrets.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(secrets.error().message.find(":2: not NAME=VALUE"), std::string::npos);
  EXPECT_EQ(secrets.error().Describe().find("sk-live"), std::string::npos);
  std::filesystem::remove(path);
  EXPECT_EQ(Secrets::FromFile(path).error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace talky
