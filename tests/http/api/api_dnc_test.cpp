#include "api_fixture.h"

namespace talky {
namespace {

TEST_F(ApiTest, DoNotCallNumbersAreAddedListedAndRemoved) {
  TestTenant acme = CreateTenant("Acme");
  ApiAnswer added = PostJson(
      "/v1/dnc", {{"phone_numbers", {"(212) 555-1002", "+12125551000", "212 555 1001"}}}, acme.key);
  ASSERT_EQ(added.status, 200) << added.response.body;
  EXPECT_EQ(added.json["phone_numbers"],
            nlohmann::json({"+12125551002", "+12125551000", "+12125551001"}));
  EXPECT_TRUE(*store_->IsDoNotCall(TenantId{acme.id}, "+12125551001"));

  ApiAnswer page = Get("/v1/dnc?limit=2", acme.key);
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.json["items"].size(), 2u);
  EXPECT_EQ(page.json["items"][0]["phone_number"], "+12125551000");
  EXPECT_EQ(page.json["items"][0]["added_at"], "2026-11-17T15:00:00Z");
  ApiAnswer rest = Get("/v1/dnc?limit=2&after=" + page.json["next"].get<std::string>(), acme.key);
  ASSERT_EQ(rest.json["items"].size(), 1u);
  EXPECT_EQ(rest.json["items"][0]["phone_number"], "+12125551002");
  EXPECT_TRUE(rest.json["next"].is_null());

  // A search by the digits in the number, however the operator writes them.
  ApiAnswer found = Get("/v1/dnc?search=555-1001", acme.key);
  ASSERT_EQ(found.status, 200) << found.response.body;
  ASSERT_EQ(found.json["items"].size(), 1u);
  EXPECT_EQ(found.json["items"][0]["phone_number"], "+12125551001");
  EXPECT_EQ(Get("/v1/dnc?search=(212)555", acme.key).json["items"].size(), 3u);
  EXPECT_TRUE(Get("/v1/dnc?search=999", acme.key).json["items"].empty());
  ApiAnswer no_digits = Get("/v1/dnc?search=abc", acme.key);
  EXPECT_EQ(no_digits.status, 400);
  EXPECT_EQ(ErrorFields(no_digits), std::vector<std::string>{"search"});

  ApiAnswer by_query = Send({"DELETE", "/v1/dnc?phone_number=2125551000", "", "", acme.key});
  ASSERT_EQ(by_query.status, 200) << by_query.response.body;
  EXPECT_EQ(by_query.json["phone_numbers"], nlohmann::json({"+12125551000"}));
  ApiAnswer by_body = Send({"DELETE", "/v1/dnc", R"({"phone_numbers": ["+12125551001"]})",
                            "application/json", acme.key});
  ASSERT_EQ(by_body.status, 200) << by_body.response.body;
  ApiAnswer left = Get("/v1/dnc", acme.key);
  ASSERT_EQ(left.json["items"].size(), 1u);
  EXPECT_EQ(left.json["items"][0]["phone_number"], "+12125551002");

  // Per tenant: another tenant's list is its own.
  TestTenant globex = CreateTenant("Globex");
  EXPECT_TRUE(Get("/v1/dnc", globex.key).json["items"].empty());
  EXPECT_EQ(Send({"DELETE", "/v1/dnc?phone_number=2125551002", "", "", globex.key}).status, 404);
}

TEST_F(ApiTest, RemovingANumberNotOnTheListIs404AndRemovesNothing) {
  TestTenant acme = CreateTenant("Acme");
  ASSERT_EQ(PostJson("/v1/dnc", {{"phone_numbers", {"+12125551000"}}}, acme.key).status, 200);

  ApiAnswer by_query = Send({"DELETE", "/v1/dnc?phone_number=2125551009", "", "", acme.key});
  EXPECT_EQ(by_query.status, 404) << by_query.response.body;
  EXPECT_EQ(by_query.json["error"]["code"], "not_found");
  EXPECT_EQ(ErrorFields(by_query), std::vector<std::string>{"phone_number"});

  ApiAnswer by_body =
      Send({"DELETE", "/v1/dnc", R"({"phone_numbers": ["+12125551000", "+12125551009"]})",
            "application/json", acme.key});
  EXPECT_EQ(by_body.status, 404) << by_body.response.body;
  EXPECT_EQ(ErrorFields(by_body), std::vector<std::string>{"phone_numbers[1]"});
  EXPECT_TRUE(*store_->IsDoNotCall(TenantId{acme.id}, "+12125551000"));

  ASSERT_EQ(Send({"DELETE", "/v1/dnc?phone_number=2125551000", "", "", acme.key}).status, 200);
  EXPECT_EQ(Send({"DELETE", "/v1/dnc?phone_number=2125551000", "", "", acme.key}).status, 404);
}

TEST_F(ApiTest, DoNotCallUsesTheTenantsRegion) {
  TestTenant uk = CreateTenant("Acme UK", {{"default_region", "GB"}});
  ApiAnswer added = PostJson("/v1/dnc", {{"phone_numbers", {"020 7183 8750"}}}, uk.key);
  ASSERT_EQ(added.status, 200) << added.response.body;
  EXPECT_EQ(added.json["phone_numbers"], nlohmann::json({"+442071838750"}));
}

struct BadDncCase {
  const char* name;
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;
  int status;
  std::vector<std::string> fields;
};

const BadDncCase kBadDnc[] = {
    {"one bad number among good ones",
     "POST",
     "/v1/dnc",
     R"({"phone_numbers": ["+12125551000", "hello", 42, "+12125551001"]})",
     "application/json",
     400,
     {"phone_numbers[1]", "phone_numbers[2]"}},
    {"missing list", "POST", "/v1/dnc", "{}", "application/json", 400, {"phone_numbers"}},
    {"empty list",
     "POST",
     "/v1/dnc",
     R"({"phone_numbers": []})",
     "application/json",
     400,
     {"phone_numbers"}},
    {"not a list",
     "POST",
     "/v1/dnc",
     R"({"phone_numbers": "+12125551000"})",
     "application/json",
     400,
     {"phone_numbers"}},
    {"unknown field",
     "POST",
     "/v1/dnc",
     R"({"phone_numbers": ["+12125551000"], "why": "x"})",
     "application/json",
     400,
     {"why"}},
    {"malformed", "POST", "/v1/dnc", R"({"phone_numbers": [)", "application/json", 400, {"body"}},
    {"wrong Content-Type", "POST", "/v1/dnc", "+12125551000", "text/plain", 415, {"content-type"}},
    {"delete a bad number", "DELETE", "/v1/dnc?phone_number=hello", "", "", 400, {"phone_number"}},
    {"delete with both query and body",
     "DELETE",
     "/v1/dnc?phone_number=%2B12125551000",
     R"({"phone_numbers": ["+12125551000"]})",
     "application/json",
     400,
     {"phone_numbers"}},
    {"delete without numbers", "DELETE", "/v1/dnc", "", "", 415, {"content-type"}},
    {"list with a bad cursor", "GET", "/v1/dnc?after=12", "", "", 400, {"after"}},
};

TEST_F(ApiTest, BadDoNotCallRequestsChangeNothing) {
  TestTenant acme = CreateTenant("Acme");
  ASSERT_EQ(PostJson("/v1/dnc", {{"phone_numbers", {"+12125551000"}}}, acme.key).status, 200);
  for (const BadDncCase& c : kBadDnc) {
    ApiAnswer answer = Send({c.method, c.target, c.body, c.content_type, acme.key});
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.response.body;
    EXPECT_EQ(ErrorFields(answer), c.fields) << c.name << ": " << answer.response.body;
  }
  ApiAnswer list = Get("/v1/dnc", acme.key);
  ASSERT_EQ(list.json["items"].size(), 1u);
  EXPECT_EQ(list.json["items"][0]["phone_number"], "+12125551000");
}

}  // namespace
}  // namespace talky
