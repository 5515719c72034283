// The dashboard's sign-in: a key traded for an HttpOnly cookie that the API then accepts, with the
// header that keeps other sites from acting with it; the admin's tenant list.
#include "api_fixture.h"
#include "http/api/api_auth.h"

namespace talky {
namespace {

class ApiSessionTest : public ApiTest {
 protected:
  // The cookie's value as Set-Cookie gave it ("talky_session=...").
  static std::string CookieOf(const ApiAnswer& answer) {
    for (const auto& [name, value] : answer.response.headers) {
      if (name == "Set-Cookie") return value.substr(0, value.find(';'));
    }
    return "";
  }
  static std::string SetCookieOf(const ApiAnswer& answer) {
    for (const auto& [name, value] : answer.response.headers) {
      if (name == "Set-Cookie") return value;
    }
    return "";
  }

  ApiAnswer WithCookie(ApiCall call, const std::string& cookie, bool dashboard_header) {
    HttpRequest request = MakeRequest(call);
    request.headers["cookie"] = "theme=dark; " + cookie;
    if (dashboard_header) request.headers["x-talky-dashboard"] = "1";
    ApiAnswer answer;
    answer.response = router_.Handle(request);
    answer.status = answer.response.status;
    answer.json = nlohmann::json::parse(answer.response.body, nullptr, false);
    return answer;
  }

  ApiAnswer SignIn(const std::string& key) {
    return PostJson("/v1/session", {{"api_key", key}}, "");
  }
};

TEST_F(ApiSessionTest, ATenantKeyBecomesAnHttpOnlyCookieTheApiAccepts) {
  TestTenant acme = CreateTenant("Acme");
  ApiAnswer signed_in = SignIn(acme.key);
  ASSERT_EQ(signed_in.status, 200) << signed_in.response.body;
  EXPECT_EQ(signed_in.json["tenant"]["id"], acme.id);
  EXPECT_EQ(signed_in.json["tenant"]["name"], "Acme");
  EXPECT_EQ(signed_in.json["admin"], false);
  const std::string set_cookie = SetCookieOf(signed_in);
  EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("; Path=/v1"), std::string::npos) << set_cookie;
  EXPECT_EQ(signed_in.response.body.find(acme.key), std::string::npos);  // not echoed
  const std::string cookie = CookieOf(signed_in);

  ApiAnswer who = WithCookie({"GET", "/v1/session"}, cookie, false);
  ASSERT_EQ(who.status, 200) << who.response.body;
  EXPECT_EQ(who.json["tenant"]["id"], acme.id);
  EXPECT_EQ(WithCookie({"GET", "/v1/campaigns"}, cookie, false).status, 200);

  // A change needs the dashboard's header: a form another site posts cannot carry it.
  const ApiCall create{"POST", "/v1/campaigns",
                       R"({"name":"R","system_prompt":"Be brief","voice_id":"en-1"})",
                       "application/json"};
  ApiAnswer forged = WithCookie(create, cookie, false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.json["error"]["code"], "permission_denied");
  EXPECT_TRUE(Get("/v1/campaigns", acme.key).json["items"].empty());
  EXPECT_EQ(WithCookie(create, cookie, true).status, 201);

  ApiAnswer signed_out = Send({"DELETE", "/v1/session"});
  EXPECT_EQ(signed_out.status, 204);
  EXPECT_NE(SetCookieOf(signed_out).find("Max-Age=0"), std::string::npos);
}

TEST_F(ApiSessionTest, BadKeysAndBadBodiesSignNoOneIn) {
  ApiAnswer unknown = SignIn("tk_not_a_key");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(CookieOf(unknown), "");
  ApiAnswer empty = PostJson("/v1/session", {{"api_key", ""}, {"remember", true}}, "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(ErrorFields(empty), (std::vector<std::string>{"api_key", "remember"}));
  EXPECT_EQ(Get("/v1/session", "").status, 401);
  EXPECT_EQ(WithCookie({"GET", "/v1/session"}, "talky_session=zz", false).status, 401);
  EXPECT_EQ(WithCookie({"GET", "/v1/campaigns"}, "talky_session=00ff", false).status, 401);
}

TEST_F(ApiSessionTest, TheAdminKeySignsInAsAdminAndListsTenants) {
  TestTenant acme = CreateTenant("Acme");
  TestTenant globex = CreateTenant("Globex");
  ApiAnswer admin = SignIn(kAdminKey);
  ASSERT_EQ(admin.status, 200);
  EXPECT_TRUE(admin.json["tenant"].is_null());
  EXPECT_EQ(admin.json["admin"], true);

  ApiAnswer tenants = WithCookie({"GET", "/v1/tenants?limit=1"}, CookieOf(admin), false);
  ASSERT_EQ(tenants.status, 200) << tenants.response.body;
  ASSERT_EQ(tenants.json["items"].size(), 1u);
  ApiAnswer rest = Get("/v1/tenants?after=" + tenants.json["next"].get<std::string>(), kAdminKey);
  ASSERT_EQ(rest.json["items"].size(), 1u);
  std::set<std::string> names{tenants.json["items"][0]["name"], rest.json["items"][0]["name"]};
  EXPECT_EQ(names, (std::set<std::string>{"Acme", "Globex"}));
  EXPECT_FALSE(tenants.json["items"][0].contains("api_key_hash"));

  // A tenant's key, by header or cookie, sees no tenants.
  EXPECT_EQ(Get("/v1/tenants", acme.key).status, 401);
  EXPECT_EQ(WithCookie({"GET", "/v1/tenants"}, CookieOf(SignIn(globex.key)), false).status, 401);
}

}  // namespace
}  // namespace talky
