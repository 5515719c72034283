// A campaign's live figures over a real connection: Server-Sent Events as a browser's EventSource
// reads them, sent at once and again only when something changed; errors answered before any
// stream; the stream ended by the server's stop.
#include "http/api/campaign_live_stream.h"

#include <functional>

#include "api_fixture.h"
#include "http/http_server.h"
#include "http/raw_connection.h"

namespace talky {
namespace {

using namespace std::chrono_literals;

class CampaignLiveStreamTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    live_ = std::make_unique<CampaignLiveStream>(*context_, 50ms);
    server_ = std::make_unique<HttpServer>(router_, metrics_, HttpServerOptions{.threads = 2});
    server_->RouteStream(CampaignLiveStream::kPattern, *live_);
    Expected<int> port = server_->Start();
    ASSERT_TRUE(port) << port.error().Describe();
    port_ = *port;
    acme_ = CreateTenant("Acme");
    campaign_ = CreateCampaign(acme_);
    UploadLeads(acme_, campaign_, 2);
  }
  void TearDown() override { server_->Stop(); }

  static std::string LiveRequest(const std::string& target, const std::string& key) {
    std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n";
    if (!key.empty()) request += "Authorization: Bearer " + key + "\r\n";
    return request + "\r\n";
  }

  // Reads the stream until an event satisfies `wanted` or `bound` passes; every event read is
  // appended to `events_` (the JSON of each `event: stats` data line), the raw text to `text_`.
  bool ReadUntil(testing::RawConnection& connection,
                 const std::function<bool(const nlohmann::json&)>& wanted,
                 std::chrono::milliseconds bound = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
      testing::RawConnection::Rest rest = connection.ReadUntilClosed(100ms);
      text_ += rest.bytes;
      bool found = false;
      for (size_t end; (end = text_.find("\n\n", parsed_)) != std::string::npos;) {
        const std::string block = text_.substr(parsed_, end - parsed_);
        parsed_ = end + 2;
        const size_t data = block.find("event: stats\ndata: ");
        if (data == std::string::npos) continue;
        events_.push_back(nlohmann::json::parse(block.substr(data + 19)));
        found = found || wanted(events_.back());
      }
      if (found) return true;
      if (rest.closed) return false;
    }
    return false;
  }

  Metrics metrics_;
  std::unique_ptr<CampaignLiveStream> live_;  // before the server, which stops first
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  TestTenant acme_;
  std::string campaign_;
  std::string text_;
  size_t parsed_ = 0;
  std::vector<nlohmann::json> events_;
};

TEST_F(CampaignLiveStreamTest, FiguresComeAtOnceThenOnlyWhenTheyChange) {
  testing::RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(LiveRequest("/v1/campaigns/" + campaign_ + "/live", acme_.key)));
  ASSERT_TRUE(ReadUntil(
      connection, [](const nlohmann::json& e) { return e["campaign"]["status"] == "draft"; }));
  EXPECT_TRUE(text_.starts_with("HTTP/1.1 200 OK\r\n")) << text_;
  EXPECT_NE(text_.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_EQ(events_.front()["calls_total"], 0);
  EXPECT_EQ(events_.front()["at"], FormatIso8601(clock_.Now()));
  EXPECT_TRUE(events_.front()["retries"].empty());

  // Nothing changes: many rounds of the watcher pass without a word.
  EXPECT_FALSE(ReadUntil(
      connection, [](const nlohmann::json&) { return true; }, 400ms));
  EXPECT_EQ(events_.size(), 1u);

  ASSERT_EQ(Post("/v1/campaigns/" + campaign_ + "/start", acme_.key).status, 200);
  ASSERT_TRUE(ReadUntil(connection, [](const nlohmann::json& e) {
    return e["campaign"]["status"] == "running" && e["jobs_by_status"].value("pending", 0) == 2;
  })) << text_;

  // A retry waiting shows with when it falls due.
  Expected<Page<DialerJob>> jobs = store_->ListJobs(TenantId{acme_.id}, CampaignId{campaign_}, {});
  ASSERT_TRUE(jobs);
  DialerJob retry = jobs->items.front();
  retry.status = JobStatus::kRetryScheduled;
  retry.attempt_number = 2;
  retry.scheduled_at = clock_.Now() + 2h;
  ASSERT_TRUE(store_->UpdateJob(retry.tenant_id, JobStatus::kPending, retry));
  ASSERT_TRUE(ReadUntil(connection, [&](const nlohmann::json& e) {
    return e["retries"].size() == 1 && e["retries"][0]["job_id"] == retry.job_id.value;
  })) << text_;
  const nlohmann::json& waiting = events_.back()["retries"][0];
  EXPECT_EQ(waiting["due_at"], FormatIso8601(retry.scheduled_at));
  EXPECT_EQ(waiting["attempt"], 2);
  EXPECT_EQ(waiting["phone_number"], retry.phone_number);
}

TEST_F(CampaignLiveStreamTest, BadRequestsAreAnsweredAsTheApiAnswersThemBeforeAnyStream) {
  TestTenant globex = CreateTenant("Globex");
  struct Case {
    std::string target;
    std::string key;
    unsigned status;
  };
  const std::string live = "/v1/campaigns/" + campaign_ + "/live";
  for (const Case& bad :
       {Case{live, "", 401}, Case{live, "tk_unknown", 401}, Case{live, globex.key, 404},
        Case{"/v1/campaigns/no-such-campaign/live", acme_.key, 404},
        Case{live + "?since=now", acme_.key, 400}}) {
    testing::RawConnection connection(port_);
    ASSERT_TRUE(connection.Send(LiveRequest(bad.target, bad.key)));
    std::optional<testing::RawResponse> response = connection.Read();
    ASSERT_TRUE(response) << bad.target;
    EXPECT_EQ(response->result_int(), bad.status) << bad.target << " " << bad.key;
    EXPECT_TRUE(nlohmann::json::parse(response->body()).contains("error")) << response->body();
  }
}

TEST_F(CampaignLiveStreamTest, DeletingTheCampaignEndsItsStream) {
  testing::RawConnection connection(port_);
  ASSERT_TRUE(connection.Send(LiveRequest("/v1/campaigns/" + campaign_ + "/live", acme_.key)));
  ASSERT_TRUE(ReadUntil(connection, [](const nlohmann::json&) { return true; }));
  ASSERT_EQ(Send({"DELETE", "/v1/campaigns/" + campaign_, "", "", acme_.key}).status, 200);
  EXPECT_TRUE(connection.ReadUntilClosed(5s).closed);
}

TEST_F(CampaignLiveStreamTest, StoppingTheServerEndsTheStream) {
  testing::RawConnection connection(port_);
  ASSERT_TRUE(connection.Send(LiveRequest("/v1/campaigns/" + campaign_ + "/live", acme_.key)));
  ASSERT_TRUE(ReadUntil(connection, [](const nlohmann::json&) { return true; }));
  server_->Stop();
  EXPECT_TRUE(connection.ReadUntilClosed(5s).closed);
}

}  // namespace
}  // namespace talky
