// The REST API behind the real Beast server, spoken to by the real HTTP client on loopback: the
// same handlers as the socket-free tests, now with the wire's percent-encoding, header case and
// Content-Type parameters.
#include "api_fixture.h"
#include "http/http_server.h"
#include "net/http_client.h"

namespace talky {
namespace {

class ApiOverHttpTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    server_ = std::make_unique<HttpServer>(router_, metrics_, HttpServerOptions{.threads = 2});
    Expected<int> port = server_->Start();
    ASSERT_TRUE(port) << port.error().Describe();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override { server_->Stop(); }

  HttpClientResponse Call(const std::string& method, const std::string& target,
                          const std::string& key, const std::string& body = "",
                          const std::string& content_type = "") {
    HttpClientRequest request{.method = method, .url = base_ + target, .body = body};
    if (!key.empty()) request.headers.emplace_back("Authorization", "Bearer " + key);
    if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
    Expected<HttpClientResponse> response = client_.Send(request);
    EXPECT_TRUE(response) << response.error().Describe();
    return response ? *response : HttpClientResponse{};
  }

  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  HttpClient client_;
  std::string base_;
};

TEST_F(ApiOverHttpTest, TenantCampaignCsvUploadStartAndJobsOverTheWire) {
  HttpClientResponse tenant = Call("POST", "/v1/tenants", kAdminKey, R"({"name":"Acme"})",
                                   "application/json; charset=UTF-8");
  ASSERT_EQ(tenant.status, 201) << tenant.body;
  const std::string key = nlohmann::json::parse(tenant.body)["api_key"];

  HttpClientResponse missing = Call("GET", "/v1/campaigns", "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Header("www-authenticate"), "Bearer");

  HttpClientResponse campaign = Call(
      "POST", "/v1/campaigns", key,
      R"({"name":"Renewals","system_prompt":"Be brief","voice_id":"en-1"})", "application/json");
  ASSERT_EQ(campaign.status, 201) << campaign.body;
  const std::string id = nlohmann::json::parse(campaign.body)["id"];

  HttpClientResponse upload =
      Call("POST", "/v1/campaigns/" + id + "/leads", key,
           "phone_number,first_name\r\n(212) 555-1000,Ada\r\n+12125551001,Grace\r\n", "text/csv");
  ASSERT_EQ(upload.status, 201) << upload.body;
  EXPECT_EQ(nlohmann::json::parse(upload.body)["imported"], 2);

  ASSERT_EQ(Call("POST", "/v1/campaigns/" + id + "/start", key).status, 200);
  HttpClientResponse jobs = Call("GET", "/v1/jobs?status=pending&campaign_id=" + id, key);
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  EXPECT_EQ(nlohmann::json::parse(jobs.body)["items"].size(), 2u);

  // Percent-encoded "+" in the query reaches the handler decoded.
  ASSERT_EQ(
      Call("POST", "/v1/dnc", key, R"({"phone_numbers":["+12125551002"]})", "application/json")
          .status,
      200);
  HttpClientResponse removed = Call("DELETE", "/v1/dnc?phone_number=%2B12125551002", key);
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(nlohmann::json::parse(removed.body)["phone_numbers"], nlohmann::json({"+12125551002"}));

  HttpClientResponse bad = Call("POST", "/v1/campaigns", key, "{", "application/json");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["error"]["fields"][0]["field"], "body");
}

}  // namespace
}  // namespace talky
