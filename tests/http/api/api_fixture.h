// The REST API on the embedded backends, without a socket: a SQLite store in a scratch folder, the
// in-process queue, a ManualClock, the campaign service, and a Router holding AddApiRoutes. Tests
// send HttpRequests through Router::Handle as the server would (method, path, query, headers,
// body) and read the JSON answers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "campaigns/campaign_service.h"
#include "harness/test_servers.h"
#include "http/api/api_routes.h"
#include "queue/local/local_job_queue.h"
#include "store/sqlite/sqlite_store.h"

namespace talky {

inline constexpr const char* kAdminKey = "admin-secret-for-tests";

// What a test sends: a target with an optional query ("/v1/jobs?status=pending"), a body and its
// Content-Type (empty for none), and a bearer key (empty for none).
struct ApiCall {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;
  std::string key;
};

struct ApiAnswer {
  int status = 0;
  nlohmann::json json;  // discarded when the body is not JSON
  HttpResponse response;
};

// A tenant created through the API, with its key.
struct TestTenant {
  std::string id;
  std::string key;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Expected<std::unique_ptr<testing::ScratchDir>> dir = testing::ScratchDir::Create("api");
    ASSERT_TRUE(dir) << dir.error().Describe();
    dir_ = std::move(*dir);
    Expected<std::unique_ptr<Store>> store =
        OpenSqliteStore({.file = dir_->path() / "talky.db"}, clock_, ids_);
    ASSERT_TRUE(store) << store.error().Describe();
    store_ = std::move(*store);
    service_ = std::make_unique<CampaignService>(*store_, queue_, clock_);
    context_ = std::make_unique<ApiContext>(ApiContext{.store = *store_,
                                                       .queue = queue_,
                                                       .clock = clock_,
                                                       .ids = ids_,
                                                       .campaigns = *service_,
                                                       .admin_key = kAdminKey});
    AddApiRoutes(router_, *context_);
  }

  static HttpRequest MakeRequest(const ApiCall& call) {
    HttpRequest request;
    request.method = call.method;
    request.target = call.target;
    const size_t question = call.target.find('?');
    request.path = call.target.substr(0, question);
    if (question != std::string::npos) {
      std::string query = call.target.substr(question + 1);
      size_t start = 0;
      while (start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        std::string pair = query.substr(start, end - start);
        if (!pair.empty()) {
          const size_t equals = pair.find('=');
          request.query[pair.substr(0, equals)] =
              equals == std::string::npos ? "" : pair.substr(equals + 1);
        }
        start = end + 1;
      }
    }
    if (!call.content_type.empty()) request.headers["content-type"] = call.content_type;
    if (!call.key.empty()) request.headers["authorization"] = "Bearer " + call.key;
    request.body = call.body;
    return request;
  }

  ApiAnswer Send(const ApiCall& call) {
    ApiAnswer answer;
    answer.response = router_.Handle(MakeRequest(call));
    answer.status = answer.response.status;
    answer.json = nlohmann::json::parse(answer.response.body, nullptr, false);
    return answer;
  }

  ApiAnswer Get(const std::string& target, const std::string& key) {
    return Send({"GET", target, "", "", key});
  }
  ApiAnswer PostJson(const std::string& target, const nlohmann::json& body,
                     const std::string& key) {
    return Send({"POST", target, body.dump(), "application/json", key});
  }
  ApiAnswer Post(const std::string& target, const std::string& key) {
    return Send({"POST", target, "", "", key});
  }

  TestTenant CreateTenant(const std::string& name,
                          nlohmann::json extra = nlohmann::json::object()) {
    extra["name"] = name;
    ApiAnswer answer = PostJson("/v1/tenants", extra, kAdminKey);
    EXPECT_EQ(answer.status, 201) << answer.response.body;
    if (answer.status != 201) return {};
    return {answer.json["tenant"]["id"].get<std::string>(),
            answer.json["api_key"].get<std::string>()};
  }

  std::string CreateCampaign(const TestTenant& tenant, const std::string& name = "Renewals") {
    ApiAnswer answer =
        PostJson("/v1/campaigns",
                 {{"name", name}, {"system_prompt", "Be brief"}, {"voice_id", "en-1"}}, tenant.key);
    EXPECT_EQ(answer.status, 201) << answer.response.body;
    return answer.status == 201 ? answer.json["id"].get<std::string>() : "";
  }

  // Uploads `count` valid New York numbers as JSON.
  void UploadLeads(const TestTenant& tenant, const std::string& campaign, int count) {
    nlohmann::json leads = nlohmann::json::array();
    for (int i = 0; i < count; ++i) leads.push_back({{"phone_number", Number(i)}});
    ApiAnswer answer = PostJson("/v1/campaigns/" + campaign + "/leads", leads, tenant.key);
    EXPECT_EQ(answer.status, 201) << answer.response.body;
  }

  static std::string Number(int i) { return "+1212555" + std::to_string(1000 + i); }

  // The field names of an error answer, in order.
  static std::vector<std::string> ErrorFields(const ApiAnswer& answer) {
    std::vector<std::string> fields;
    if (!answer.json.contains("error")) return fields;
    for (const nlohmann::json& field : answer.json["error"]["fields"]) {
      fields.push_back(field["field"].get<std::string>());
    }
    return fields;
  }

  ManualClock clock_{*ParseIso8601("2026-11-17T15:00:00Z")};
  RandomIdGenerator ids_{11};
  std::unique_ptr<testing::ScratchDir> dir_;
  std::unique_ptr<Store> store_;
  LocalJobQueue queue_{clock_};
  std::unique_ptr<CampaignService> service_;
  std::unique_ptr<ApiContext> context_;
  Router router_;
};

}  // namespace talky
