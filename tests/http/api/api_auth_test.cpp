#include "http/api/api_auth.h"

#include "api_fixture.h"

namespace talky {
namespace {

TEST(ApiKeys, NewKeysAreRandomAndStoredAsTheirSha256) {
  Expected<std::string> a = NewApiKey();
  Expected<std::string> b = NewApiKey();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(a->starts_with("tk_"));
  EXPECT_EQ(a->size(), 3u + 64u);
  // The SHA-256 of "abc" (FIPS 180-2 example).
  EXPECT_EQ(HashApiKey("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

struct CompareCase {
  const char* presented;
  const char* secret;
  bool equal;
};

const CompareCase kCompares[] = {
    {"admin", "admin", true},  {"admin", "admim", false}, {"admin", "admin2", false},
    {"", "admin", false},      {"", "", false},  // no secret configured never matches
    {"Admin", "admin", false},
};

TEST(ApiKeys, AdminKeyComparison) {
  for (const CompareCase& c : kCompares) {
    EXPECT_EQ(ConstantTimeEquals(c.presented, c.secret), c.equal)
        << c.presented << " vs " << c.secret;
  }
}

struct BearerCase {
  const char* header;  // nullptr: no Authorization header
  const char* token;
};

const BearerCase kBearers[] = {
    {"Bearer abc", "abc"}, {"bearer abc", "abc"}, {"BEARER  abc ", "abc"},
    {"Basic abc", ""},     {"Bearer", ""},        {"Bearer ", ""},
    {"abc", ""},           {nullptr, ""},
};

TEST(ApiKeys, BearerTokenOfTheAuthorizationHeader) {
  for (const BearerCase& c : kBearers) {
    HttpRequest request;
    if (c.header != nullptr) request.headers["authorization"] = c.header;
    EXPECT_EQ(BearerToken(request), c.token) << (c.header ? c.header : "(none)");
  }
}

TEST_F(ApiTest, TenantCreationNeedsTheAdminKeyAndShowsTheKeyOnce) {
  const nlohmann::json body = {{"name", "Acme"}};
  EXPECT_EQ(PostJson("/v1/tenants", body, "").status, 401);
  ApiAnswer wrong = PostJson("/v1/tenants", body, "not-the-admin-key");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json["error"]["code"], "unauthenticated");

  ApiAnswer created = PostJson("/v1/tenants", body, kAdminKey);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const std::string key = created.json["api_key"];
  const std::string id = created.json["tenant"]["id"];
  EXPECT_EQ(created.json["tenant"]["name"], "Acme");
  EXPECT_FALSE(created.json["tenant"].contains("api_key_hash"));
  Expected<Tenant> stored = store_->GetTenant(TenantId{id});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->api_key_hash, HashApiKey(key));
  EXPECT_EQ(stored->api_key_hash.find(key), std::string::npos);

  // A tenant key is not an admin key.
  EXPECT_EQ(PostJson("/v1/tenants", {{"name", "Other"}}, key).status, 401);
}

TEST_F(ApiTest, WithoutAnAdminKeyNoTenantCanBeCreated) {
  Router router;
  ApiContext context = *context_;
  context.admin_key = "";
  AddApiRoutes(router, context);
  HttpRequest request =
      MakeRequest({"POST", "/v1/tenants", R"({"name":"Acme"})", "application/json", ""});
  EXPECT_EQ(router.Handle(request).status, 401);
  request.headers["authorization"] = "Bearer ";
  EXPECT_EQ(router.Handle(request).status, 401);
}

TEST_F(ApiTest, EveryTenantRouteAnswers401WithoutAValidKey) {
  CreateTenant("Acme");
  for (const Route& route : router_.Routes()) {
    // The admin's routes, and the sign-in that trades a key for a cookie (api_session_test.cpp).
    if (route.pattern == "/v1/tenants" || route.pattern == "/v1/session") continue;
    std::string path = route.pattern;
    if (size_t brace = path.find("{id}"); brace != std::string::npos) path.replace(brace, 4, "x");
    for (const char* key : {"", "tk_unknown"}) {
      ApiAnswer answer = Send({route.method, path, "{}", "application/json", key});
      EXPECT_EQ(answer.status, 401) << route.method << " " << path << " key '" << key << "'";
      EXPECT_EQ(answer.json["error"]["code"], "unauthenticated");
      bool challenge = false;
      for (const auto& [name, value] : answer.response.headers) {
        challenge |= name == "WWW-Authenticate" && value == "Bearer";
      }
      EXPECT_TRUE(challenge) << route.method << " " << path;
    }
  }
}

TEST_F(ApiTest, AnotherTenantsIdsAnswer404) {
  TestTenant acme = CreateTenant("Acme");
  TestTenant globex = CreateTenant("Globex");
  const std::string campaign = CreateCampaign(acme);
  UploadLeads(acme, campaign, 2);
  ASSERT_EQ(Post("/v1/campaigns/" + campaign + "/start", acme.key).status, 200);
  ApiAnswer jobs = Get("/v1/jobs?campaign_id=" + campaign, acme.key);
  ASSERT_EQ(jobs.status, 200);
  const std::string job = jobs.json["items"][0]["job_id"];

  const ApiCall kForeign[] = {
      {"GET", "/v1/campaigns/" + campaign, "", "", globex.key},
      {"GET", "/v1/campaigns/" + campaign + "/stats", "", "", globex.key},
      {"GET", "/v1/campaigns/" + campaign + "/leads", "", "", globex.key},
      {"POST", "/v1/campaigns/" + campaign + "/leads", R"([{"phone_number":"+12125550100"}])",
       "application/json", globex.key},
      {"POST", "/v1/campaigns/" + campaign + "/pause", "", "", globex.key},
      {"POST", "/v1/campaigns/" + campaign + "/resume", "", "", globex.key},
      {"POST", "/v1/campaigns/" + campaign + "/cancel", "", "", globex.key},
      {"POST", "/v1/campaigns/" + campaign + "/start", "", "", globex.key},
      {"GET", "/v1/jobs/" + job, "", "", globex.key},
      {"GET", "/v1/jobs?campaign_id=" + campaign, "", "", globex.key},
      {"GET", "/v1/calls?campaign_id=" + campaign, "", "", globex.key},
  };
  for (const ApiCall& call : kForeign) {
    ApiAnswer answer = Send(call);
    EXPECT_EQ(answer.status, 404) << call.method << " " << call.target << ": "
                                  << answer.response.body;
    EXPECT_EQ(answer.json["error"]["code"], "not_found");
  }
  // Nothing of Acme's changed: still running, two leads, two pending jobs.
  ApiAnswer mine = Get("/v1/campaigns/" + campaign, acme.key);
  EXPECT_EQ(mine.json["status"], "running");
  EXPECT_EQ(mine.json["total_leads"], 2);
  EXPECT_EQ(Get("/v1/jobs?status=pending", acme.key).json["items"].size(), 2u);
  EXPECT_TRUE(Get("/v1/campaigns", globex.key).json["items"].empty());
  EXPECT_TRUE(Get("/v1/jobs", globex.key).json["items"].empty());
}

}  // namespace
}  // namespace talky
