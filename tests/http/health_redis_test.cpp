// GET /health names the queue when its redis-server is gone, and recovers when it is back.
#include <gtest/gtest.h>

#include "app/open_store.h"
#include "app/talky_server.h"
#include "harness/test_servers.h"
#include "net/http_client.h"
#include "queue/redis/redis_job_queue.h"

namespace talky {
namespace {

using namespace std::chrono;

TEST(HealthWithRedis, UnavailableWhileRedisIsDownAndOkAgainAfter) {
  Expected<std::unique_ptr<testing::RedisServer>> redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis) << redis.error().Describe();
  Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("health");
  ASSERT_TRUE(dir);
  ManualClock clock{sys_days{2026y / 11 / 21} + 15h};
  RandomIdGenerator ids{3};
  Expected<std::unique_ptr<Store>> store =
      OpenStore({SqlDialect::kSqlite, ((*dir)->path() / "talky.db").string()}, clock, ids);
  ASSERT_TRUE(store) << store.error().Describe();
  Expected<std::unique_ptr<RedisJobQueue>> queue = RedisJobQueue::Connect(
      clock, {.url = (*redis)->url(), .connect_timeout = 500ms, .command_timeout = 1000ms});
  ASSERT_TRUE(queue) << queue.error().Describe();
  TalkyServer server(**store, **queue, clock, {});
  Expected<int> port = server.Start();
  ASSERT_TRUE(port) << port.error().Describe();
  HttpClient client;
  const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/health";

  Expected<HttpClientResponse> healthy = client.Send({.url = url});
  ASSERT_TRUE(healthy) << healthy.error().Describe();
  EXPECT_EQ(healthy->status, 200);

  (*redis)->Stop();
  Expected<HttpClientResponse> down = client.Send({.url = url});
  ASSERT_TRUE(down) << down.error().Describe();
  EXPECT_EQ(down->status, 503);
  const nlohmann::json body = nlohmann::json::parse(down->body);
  EXPECT_EQ(body["status"], "unavailable");
  EXPECT_NE(body["queue"], "ok") << body;
  EXPECT_EQ(body["store"], "ok");

  ASSERT_TRUE((*redis)->Restart());
  // The queue reconnects with a backoff: wait (bounded) for health to come back.
  int status = 0;
  for (auto deadline = steady_clock::now() + 20s;
       status != 200 && steady_clock::now() < deadline;) {
    Expected<HttpClientResponse> again = client.Send({.url = url});
    status = again ? again->status : -1;
    if (status != 200) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(status, 200);
}

}  // namespace
}  // namespace talky
