#include "api_fixture.h"

namespace talky {
namespace {

TEST_F(ApiTest, TenantWithRegionRulesAndHolidays) {
  ApiAnswer created = PostJson("/v1/tenants",
                               {{"name", "Acme UK"},
                                {"default_region", "GB"},
                                {"holidays", {"2026-12-25", "2026-12-26"}},
                                {"calling_rules", {{"timezone", "Europe/London"}}}},
                               kAdminKey);
  ASSERT_EQ(created.status, 201) << created.response.body;
  const nlohmann::json& tenant = created.json["tenant"];
  EXPECT_EQ(tenant["default_region"], "GB");
  EXPECT_EQ(tenant["holidays"], nlohmann::json({"2026-12-25", "2026-12-26"}));
  EXPECT_EQ(tenant["calling_rules"]["timezone"], "Europe/London");
  Expected<Tenant> stored = store_->GetTenant(TenantId{tenant["id"]});
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->default_region, "GB");
  EXPECT_EQ(stored->holidays.size(), 2u);
}

struct BadBodyCase {
  const char* name;
  std::string body;
  std::string content_type;
  int status;
  std::vector<std::string> fields;
};

const BadBodyCase kBadTenants[] = {
    {"malformed JSON", "{\"name\": ", "application/json", 400, {"body"}},
    {"not an object", "[1]", "application/json", 400, {"body"}},
    {"wrong Content-Type", R"({"name":"Acme"})", "text/plain", 415, {"content-type"}},
    {"no Content-Type", R"({"name":"Acme"})", "", 415, {"content-type"}},
    {"missing name", "{}", "application/json", 400, {"name"}},
    {"unknown region",
     R"({"name": "Acme", "default_region": "ZZ"})",
     "application/json",
     400,
     {"default_region"}},
    {"lower-case region",
     R"({"name": "Acme", "default_region": "gb"})",
     "application/json",
     400,
     {"default_region"}},
    {"every bad field",
     R"({"name": 5, "default_region": "usa", "holidays": ["2026-02-30", 7], "colour": "red",
         "calling_rules": {"max_concurrent_calls": 0, "timezone": 3}})",
     "application/json",
     400,
     {"name", "default_region", "calling_rules.max_concurrent_calls", "calling_rules.timezone",
      "holidays[0]", "holidays[1]", "colour"}},
};

TEST_F(ApiTest, BadTenantBodiesNameEveryFieldAndCreateNothing) {
  for (const BadBodyCase& c : kBadTenants) {
    ApiAnswer answer = Send({"POST", "/v1/tenants", c.body, c.content_type, kAdminKey});
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.response.body;
    std::vector<std::string> fields = ErrorFields(answer);
    std::sort(fields.begin(), fields.end());
    std::vector<std::string> expected = c.fields;
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(fields, expected) << c.name << ": " << answer.response.body;
  }
  // A tenant is created only with a new id; the first tenant created after the bad requests gets
  // the generator's first id, so none of them created one.
  TestTenant only = CreateTenant("Only");
  RandomIdGenerator fresh(11);
  EXPECT_EQ(only.id, fresh.Next());
  EXPECT_EQ(store_->GetTenant(TenantId{only.id})->name, "Only");
}

TEST_F(ApiTest, CallingRulesReadAndReplace) {
  TestTenant acme = CreateTenant("Acme");
  ApiAnswer defaults = Get("/v1/calling-rules", acme.key);
  ASSERT_EQ(defaults.status, 200);
  EXPECT_EQ(defaults.json["max_concurrent_calls"], 10);
  EXPECT_EQ(defaults.json["time_window_start"], "09:00");

  nlohmann::json rules = defaults.json;
  rules["max_concurrent_calls"] = 3;
  rules["time_window_end"] = "18:30";
  rules["high_priority_threshold"] = 9;
  ApiAnswer put = Send({"PUT", "/v1/calling-rules", rules.dump(), "application/json", acme.key});
  ASSERT_EQ(put.status, 200) << put.response.body;
  EXPECT_EQ(put.json, rules);
  EXPECT_EQ(Get("/v1/calling-rules", acme.key).json, rules);
  EXPECT_EQ(store_->GetTenant(TenantId{acme.id})->rules.max_concurrent_calls, 3);
}

TEST_F(ApiTest, BadCallingRulesListEveryFieldAndChangeNothing) {
  TestTenant acme = CreateTenant("Acme");
  const nlohmann::json before = Get("/v1/calling-rules", acme.key).json;
  const BadBodyCase kBad[] = {
      {"malformed", "{", "application/json", 400, {"body"}},
      {"wrong type",
       R"({"max_concurrent_calls": "ten"})",
       "application/json",
       400,
       {"max_concurrent_calls"}},
      {"several",
       R"({"max_concurrent_calls": 0, "time_window_start": "25:00", "nope": 1})",
       "application/json",
       400,
       {"max_concurrent_calls", "nope", "time_window_start"}},
      {"form body",
       "max_concurrent_calls=3",
       "application/x-www-form-urlencoded",
       415,
       {"content-type"}},
  };
  for (const BadBodyCase& c : kBad) {
    ApiAnswer answer = Send({"PUT", "/v1/calling-rules", c.body, c.content_type, acme.key});
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.response.body;
    std::vector<std::string> fields = ErrorFields(answer);
    std::sort(fields.begin(), fields.end());
    EXPECT_EQ(fields, c.fields) << c.name << ": " << answer.response.body;
  }
  EXPECT_EQ(Get("/v1/calling-rules", acme.key).json, before);
}

}  // namespace
}  // namespace talky
