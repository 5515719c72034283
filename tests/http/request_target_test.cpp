// Request targets as clients send them: a row per case.
#include "http/request_target.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

struct TargetCase {
  std::string target;
  std::string path;
  std::map<std::string, std::string> query;
};

TEST(RequestTarget, SplitsAndDecodesPathAndQuery) {
  const std::vector<TargetCase> cases = {
      {"/", "/", {}},
      {"/health", "/health", {}},
      {"/v1/campaigns/c1/start", "/v1/campaigns/c1/start", {}},
      {"/v1/jobs?campaign_id=c1&status=pending",
       "/v1/jobs",
       {{"campaign_id", "c1"}, {"status", "pending"}}},
      {"/v1/leads/a%20b", "/v1/leads/a b", {}},
      {"/caf%C3%A9", "/caf\xC3\xA9", {}},
      {"/s?q=a+b%2Bc", "/s", {{"q", "a b+c"}}},                // "+" is a space, %2B a plus
      {"/s?flag&x=", "/s", {{"flag", ""}, {"x", ""}}},         // no "=": empty value
      {"/s?x=1&x=2", "/s", {{"x", "2"}}},                      // the last one wins
      {"/s?a=1&&b=2", "/s", {{"a", "1"}, {"b", "2"}}},         // empty pieces are skipped
      {"/s?next=%2Fv1%2Fjobs", "/s", {{"next", "/v1/jobs"}}},  // "/" may be encoded in a query
      {"/s?", "/s", {}},
  };
  for (const TargetCase& row : cases) {
    Expected<RequestTarget> parsed = ParseRequestTarget(row.target);
    ASSERT_TRUE(parsed) << row.target << ": " << parsed.error().Describe();
    EXPECT_EQ(parsed->path, row.path) << row.target;
    EXPECT_EQ(parsed->query, row.query) << row.target;
  }
}

TEST(RequestTarget, RefusesWhatIsNotAnOriginFormOrHidesASegment) {
  const std::vector<std::string> bad = {
      "",
      "health",                     // no leading slash
      "http://example.com/health",  // absolute form: not what a client sends to a server
      "*",                          // OPTIONS' asterisk form
      "/a b",                       // raw space
      "/a%zz",                      // broken escape
      "/a%2",                       // cut escape
      "/v1/campaigns/a%2Fb/start",  // encoded "/" would split a segment in two
      "/v1/campaigns/a%2fb/start",
      "/v1/leads/a%00b",  // encoded NUL
      "/a#fragment",      // never sent by a client
  };
  for (const std::string& target : bad) {
    Expected<RequestTarget> parsed = ParseRequestTarget(target);
    ASSERT_FALSE(parsed) << target << " parsed as " << parsed->path;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(parsed.error().fields.size(), 1u);
    EXPECT_EQ(parsed.error().fields[0].field, "target");
  }
}

}  // namespace
}  // namespace talky
