// GET /health and GET /metrics as `talky serve` assembles them (TalkyServer) on the embedded
// backends: a SQLite store in a scratch folder and the in-process queue.
#include "http/operational_routes.h"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "app/open_store.h"
#include "app/talky_server.h"
#include "harness/test_servers.h"
#include "net/http_client.h"
#include "queue/local/local_job_queue.h"

namespace talky {
namespace {

using namespace std::chrono;

// Every line of the text format is a comment or `name{labels} value`; returns the samples as
// "name{labels}" -> value, and fails the test on any other line.
std::map<std::string, double> ParsePrometheusText(const std::string& text) {
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? )"
      R"(([-+]?[0-9.eE+-]+|[-+]Inf|NaN))");
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    std::smatch match;
    if (!std::regex_match(line, match, kSample)) {
      ADD_FAILURE() << "not a sample line: '" << line << "'";
      continue;
    }
    const size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

class OperationalRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("http");
    ASSERT_TRUE(dir);
    dir_ = std::move(*dir);
    Expected<std::unique_ptr<Store>> store =
        OpenStore({SqlDialect::kSqlite, (dir_->path() / "talky.db").string()}, clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    store_ = std::move(*store);
    server_ = std::make_unique<TalkyServer>(*store_, queue_, clock_, TalkyServerOptions{});
    Expected<int> port = server_->Start();
    ASSERT_TRUE(port) << port.error().Describe();
    port_ = *port;
  }

  Expected<HttpClientResponse> Get(const std::string& target) {
    return client_.Send({.url = "http://127.0.0.1:" + std::to_string(port_) + target});
  }

  DialerJob Job(std::string id, std::string tenant, int priority) {
    return DialerJob{.job_id = JobId{id},
                     .campaign_id = CampaignId{"c1"},
                     .lead_id = LeadId{"l-" + id},
                     .tenant_id = TenantId{std::move(tenant)},
                     .phone_number = "+12125551000",
                     .priority = priority,
                     .scheduled_at = clock_.Now(),
                     .created_at = clock_.Now()};
  }

  ManualClock clock_{sys_days{2026y / 11 / 21} + 15h};
  RandomIdGenerator ids_{7};
  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<Store> store_;
  LocalJobQueue queue_{clock_};
  std::unique_ptr<TalkyServer> server_;
  int port_ = 0;
  HttpClient client_;
};

TEST_F(OperationalRoutesTest, HealthIsOkWhenQueueAndStoreAnswer) {
  Expected<HttpClientResponse> health = Get("/health");
  ASSERT_TRUE(health) << health.error().Describe();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(nlohmann::json::parse(health->body),
            (nlohmann::json{{"status", "ok"}, {"queue", "ok"}, {"store", "ok"}}));
}

TEST_F(OperationalRoutesTest, MetricsTextParsesAndCountsTheRequestsMade) {
  for (int i = 0; i < 3; ++i) {
    Expected<HttpClientResponse> health = Get("/health");
    ASSERT_TRUE(health);
  }
  for (int i = 0; i < 2; ++i) {
    Expected<HttpClientResponse> missing = Get("/v1/no-such-thing/" + std::to_string(i));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
  }
  ASSERT_TRUE(queue_.Enqueue(
      {Job("j1", "t1", 9), Job("j2", "t1", 3), Job("j3", "t2", 3), Job("j4", "t2", 3)}));

  Expected<HttpClientResponse> scrape = Get("/metrics");
  ASSERT_TRUE(scrape) << scrape.error().Describe();
  EXPECT_EQ(scrape->status, 200);
  EXPECT_EQ(scrape->Header("content-type"), kPrometheusContentType);
  std::map<std::string, double> samples = ParsePrometheusText(scrape->body);
  EXPECT_EQ(samples[R"(talky_http_requests_total{method="GET",route="/health",status="200"})"], 3);
  EXPECT_EQ(samples[R"(talky_http_requests_total{method="GET",route="unmatched",status="404"})"],
            2);
  EXPECT_EQ(samples[R"(talky_http_request_duration_seconds_count{method="GET",route="/health"})"],
            3);
  EXPECT_EQ(
      samples
          [R"(talky_http_request_duration_seconds_bucket{method="GET",route="/health",le="+Inf"})"],
      3);
  EXPECT_EQ(samples[R"(talky_queue_waiting{lane="priority"})"], 1);
  EXPECT_EQ(samples[R"(talky_queue_waiting{lane="t1"})"], 1);
  EXPECT_EQ(samples[R"(talky_queue_waiting{lane="t2"})"], 2);
  EXPECT_EQ(samples["talky_queue_scheduled"], 0);
  EXPECT_EQ(samples["talky_queue_processing"], 0);
  EXPECT_EQ(samples[R"(talky_metrics_collector_up{collector="queue"})"], 1);
  EXPECT_EQ(samples[R"(talky_metrics_collector_up{collector="store"})"], 1);

  // The scrape itself is counted by the next one.
  Expected<HttpClientResponse> again = Get("/metrics");
  ASSERT_TRUE(again);
  samples = ParsePrometheusText(again->body);
  EXPECT_EQ(samples[R"(talky_http_requests_total{method="GET",route="/metrics",status="200"})"], 1);
}

TEST_F(OperationalRoutesTest, CodeElsewhereCanCountItsOwnEvents) {
  server_->metrics()
      .GetCounter("talky_webhook_events_total", "Webhook events by result", {{"result", "applied"}})
      .Increment();
  Expected<HttpClientResponse> scrape = Get("/metrics");
  ASSERT_TRUE(scrape);
  EXPECT_EQ(ParsePrometheusText(scrape->body)[R"(talky_webhook_events_total{result="applied"})"],
            1);
}

}  // namespace
}  // namespace talky
