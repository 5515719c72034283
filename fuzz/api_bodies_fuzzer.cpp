// REST API write endpoints with arbitrary bodies, through Router::Handle on a real SQLite store (a
// temporary folder) and the in-process queue. The first input byte picks the endpoint and the
// Content-Type; the rest is the body. Checks: every answer is a JSON object (an error answer has
// {"error": {"code", "message", "fields"}}), and an answer in 4xx changes nothing the tenant can
// read (rules, campaigns, leads, Do-Not-Call list, queue) and creates no tenant.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "campaigns/campaign_service.h"
#include "http/api/api_routes.h"
#include "queue/local/local_job_queue.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using talky::HttpRequest;
using talky::HttpResponse;

constexpr const char* kAdminKey = "fuzz-admin-key";

// Remembers every id it hands out, so a refused tenant creation can be checked to have stored none.
class RecordingIds final : public talky::IdGenerator {
 public:
  std::string Next() override {
    std::string id = inner_.Next();
    std::lock_guard lock(mutex_);
    issued_.push_back(id);
    return id;
  }
  std::vector<std::string> TakeIssued() {
    std::lock_guard lock(mutex_);
    return std::exchange(issued_, {});
  }

 private:
  talky::RandomIdGenerator inner_{1};
  std::mutex mutex_;
  std::vector<std::string> issued_;
};

struct Endpoint {
  const char* method;
  std::string target;  // "{c}" stands for the fuzz campaign's id
  bool admin;
};

struct World {
  std::filesystem::path dir;
  talky::ManualClock clock{*talky::ParseIso8601("2026-11-17T15:00:00Z")};
  RecordingIds ids;
  std::unique_ptr<talky::Store> store;
  std::unique_ptr<talky::LocalJobQueue> queue;
  std::unique_ptr<talky::CampaignService> campaigns;
  std::unique_ptr<talky::ApiContext> context;
  talky::Router router;
  std::string key;
  std::string campaign;
};

World* world = nullptr;

void RemoveWorld() {
  if (world == nullptr) return;
  std::filesystem::path dir = world->dir;
  delete world;
  world = nullptr;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

HttpResponse Send(const std::string& method, const std::string& target, const std::string& body,
                  const std::string& content_type, const std::string& key) {
  HttpRequest request;
  request.method = method;
  request.target = target;
  const size_t question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) {
    const std::string query = target.substr(question + 1);
    const size_t equals = query.find('=');
    request.query[query.substr(0, equals)] = query.substr(equals + 1);
  }
  if (!content_type.empty()) request.headers["content-type"] = content_type;
  request.headers["authorization"] = "Bearer " + key;
  request.body = body;
  return world->router.Handle(request);
}

nlohmann::json SendJson(const std::string& method, const std::string& target,
                        const std::string& body = "", const std::string& content_type = "") {
  HttpResponse response = Send(method, target, body, content_type, world->key);
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
  if (response.status >= 300 || json.is_discarded()) std::abort();
  return json;
}

void Setup() {
  char pattern[] = "/tmp/talky-fuzz-api-XXXXXX";
  if (mkdtemp(pattern) == nullptr) std::abort();
  world = new World;
  world->dir = pattern;
  std::atexit(RemoveWorld);
  auto store = talky::OpenSqliteStore({.file = world->dir / "talky.db"}, world->clock, world->ids);
  if (!store) std::abort();
  world->store = std::move(*store);
  world->queue = std::make_unique<talky::LocalJobQueue>(world->clock);
  world->campaigns =
      std::make_unique<talky::CampaignService>(*world->store, *world->queue, world->clock);
  world->context = std::make_unique<talky::ApiContext>(talky::ApiContext{
      *world->store, *world->queue, world->clock, world->ids, *world->campaigns, kAdminKey});
  talky::AddApiRoutes(world->router, *world->context);
  HttpResponse tenant =
      Send("POST", "/v1/tenants", R"({"name":"Fuzz"})", "application/json", kAdminKey);
  if (tenant.status != 201) std::abort();
  world->key = nlohmann::json::parse(tenant.body)["api_key"];
  world->campaign =
      SendJson("POST", "/v1/campaigns", R"({"name":"Fuzz","system_prompt":"p","voice_id":"v"})",
               "application/json")["id"];
  SendJson("POST", "/v1/campaigns/" + world->campaign + "/leads",
           R"([{"phone_number":"+12125551000"}])", "application/json");
  SendJson("POST", "/v1/dnc", R"({"phone_numbers":["+12125551001"]})", "application/json");
  world->ids.TakeIssued();
}

// What the tenant can read; a refused request must leave it as it was.
nlohmann::json Snapshot() {
  const std::string campaign = "/v1/campaigns/" + world->campaign;
  return {SendJson("GET", "/v1/calling-rules"),
          SendJson("GET", "/v1/campaigns?limit=1000"),
          SendJson("GET", campaign),
          SendJson("GET", campaign + "/leads?limit=1000"),
          SendJson("GET", "/v1/dnc?limit=1000"),
          SendJson("GET", "/v1/queue/stats")};
}

void CheckAnswer(const HttpResponse& response) {
  nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) std::abort();
  if (response.content_type != "application/json") std::abort();
  if (response.status >= 400) {
    const nlohmann::json& error = json["error"];
    if (!error.is_object() || !error["code"].is_string() || !error["message"].is_string() ||
        !error["fields"].is_array()) {
      std::abort();
    }
  }
}

const char* const kContentTypes[] = {"application/json", "text/csv", "text/plain", ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (world == nullptr) Setup();
  if (size == 0 || size > 16 * 1024) return 0;
  const std::vector<Endpoint> endpoints = {
      {"POST", "/v1/tenants", true},
      {"PUT", "/v1/calling-rules", false},
      {"POST", "/v1/campaigns", false},
      {"POST", "/v1/campaigns/{c}/leads", false},
      {"POST", "/v1/dnc", false},
      {"DELETE", "/v1/dnc", false},
      {"POST", "/v1/campaigns/{c}/pause", false},
      {"POST", "/v1/campaigns/{c}/cancel", false},
  };
  const Endpoint& endpoint = endpoints[data[0] % endpoints.size()];
  const char* content_type = kContentTypes[(data[0] / endpoints.size()) % 4];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string target = endpoint.target;
  if (size_t at = target.find("{c}"); at != std::string::npos) {
    target.replace(at, 3, world->campaign);
  }

  const nlohmann::json before = Snapshot();
  HttpResponse response =
      Send(endpoint.method, target, body, content_type, endpoint.admin ? kAdminKey : world->key);
  CheckAnswer(response);
  const std::vector<std::string> issued = world->ids.TakeIssued();
  if (response.status >= 400 && response.status < 500) {
    if (Snapshot() != before) std::abort();
    for (const std::string& id : issued) {
      if (world->store->GetTenant(talky::TenantId{id})) std::abort();
    }
  }
  return 0;
}
