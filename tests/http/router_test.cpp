// Route patterns against request paths: literal segments, "{name}" segments, and the slashes
// around and between them.
#include "http/router.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

std::optional<std::map<std::string, std::string>> Match(std::string_view pattern,
                                                        std::string_view path) {
  std::map<std::string, std::string> params{{"left", "over"}};
  if (!MatchesPattern(pattern, path, params)) {
    EXPECT_EQ(params.at("left"), "over") << "a failed match changed the params";
    return std::nullopt;
  }
  return params;
}

TEST(RouterPattern, LiteralSegmentsMatchOnlyThemselves) {
  EXPECT_TRUE(Match("/v1/campaigns", "/v1/campaigns"));
  EXPECT_TRUE(Match("/v1/campaigns", "/v1/campaigns/"));
  EXPECT_TRUE(Match("/v1/campaigns", "//v1//campaigns"));
  EXPECT_FALSE(Match("/v1/campaigns", "/v1/campaign"));
  EXPECT_FALSE(Match("/v1/campaigns", "/v1/campaignsx"));
  EXPECT_FALSE(Match("/v1/campaigns", "/v1"));
  EXPECT_FALSE(Match("/v1/campaigns", "/v1/campaigns/1"));
  EXPECT_TRUE(Match("/", "/"));
  EXPECT_FALSE(Match("/", "/v1"));
}

TEST(RouterPattern, NamedSegmentsTakeOneNonEmptySegment) {
  auto params = Match("/v1/campaigns/{id}/start", "/v1/campaigns/c-42/start");
  ASSERT_TRUE(params);
  EXPECT_EQ(*params, (std::map<std::string, std::string>{{"id", "c-42"}}));

  params = Match("/v1/calls/{call}/events/{event}", "/v1/calls/a/events/b");
  ASSERT_TRUE(params);
  EXPECT_EQ(*params, (std::map<std::string, std::string>{{"call", "a"}, {"event", "b"}}));

  EXPECT_FALSE(Match("/v1/campaigns/{id}/start", "/v1/campaigns//start"));
  EXPECT_FALSE(Match("/v1/campaigns/{id}/start", "/v1/campaigns/c-42/stop"));
  EXPECT_FALSE(Match("/v1/campaigns/{id}", "/v1/campaigns/a/b"));
}

}  // namespace
}  // namespace talky
