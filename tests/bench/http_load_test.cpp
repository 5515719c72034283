// The load tool against a real server: every answer counted by status, and "{n}" makes each
// request's body distinct.
#include "bench/http_load.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "http/http_server.h"

namespace talky {
namespace {

using namespace std::chrono_literals;

TEST(HttpLoad, CountsAnswersAndSendsADistinctBodyEachTime) {
  Router router;
  std::mutex mutex;
  std::set<std::string> bodies;
  std::size_t received = 0;
  router.Add("POST", "/events", [&](const HttpRequest& request) {
    std::lock_guard lock(mutex);
    bodies.insert(request.body);
    ++received;
    return JsonResponse(request.Header("x-bench") == "yes" ? 200 : 400, {});
  });
  Metrics metrics;
  HttpServer server(router, metrics, {.threads = 2});
  Expected<int> port = server.Start();
  ASSERT_TRUE(port) << port.error().Describe();

  Expected<std::pair<std::string, std::string>> header = ParseHeaderLine("X-Bench: yes");
  ASSERT_TRUE(header);
  HttpLoadOptions options{.url = "http://127.0.0.1:" + std::to_string(*port) + "/events",
                          .method = "POST",
                          .body_template = R"({"uuid":"call-{n}","status":"answered"})",
                          .headers = {*header},
                          .connections = 4,
                          .duration = 1s};
  Expected<HttpLoadResult> result = RunHttpLoad(options);
  ASSERT_TRUE(result) << result.error().Describe();
  server.Stop();
  EXPECT_GT(result->requests, 0);
  EXPECT_EQ(result->errors, 0);
  EXPECT_EQ(result->statuses, (std::map<int, std::int64_t>{{200, result->requests}}));
  EXPECT_EQ(static_cast<std::int64_t>(received), result->requests);
  EXPECT_EQ(bodies.size(), received) << "every request had its own {n}";
  EXPECT_TRUE(bodies.contains(R"({"uuid":"call-1","status":"answered"})"));
  EXPECT_LE(result->p50_ms, result->p99_ms);
  EXPECT_LE(result->p99_ms, result->max_ms);
  EXPECT_NE(result->ToText(options).find("status 200: " + std::to_string(result->requests)),
            std::string::npos);
}

TEST(HttpLoad, BadInputAndADeadServerAreErrors) {
  EXPECT_EQ(RunHttpLoad({.url = "ftp://x/"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(RunHttpLoad({.url = "http://127.0.0.1:1/", .method = "FETCH"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseHeaderLine("no colon"));
  // Port 1 on loopback: nothing listens, the connection is refused.
  Expected<HttpLoadResult> dead =
      RunHttpLoad({.url = "http://127.0.0.1:1/", .connections = 2, .duration = 500ms});
  ASSERT_FALSE(dead);
  EXPECT_EQ(dead.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace talky
