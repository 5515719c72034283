#include <algorithm>

#include "api_fixture.h"
#include "campaigns/lead_upload.h"

namespace talky {
namespace {

class ApiLeadsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    acme_ = CreateTenant("Acme");
    campaign_ = CreateCampaign(acme_);
    leads_path_ = "/v1/campaigns/" + campaign_ + "/leads";
  }

  ApiAnswer UploadCsv(const std::string& csv) {
    return Send({"POST", leads_path_, csv, "text/csv; charset=utf-8", acme_.key});
  }

  // Nothing was imported: the campaign has no leads and counts none.
  void ExpectNoLeads() {
    EXPECT_TRUE(Get(leads_path_, acme_.key).json["items"].empty());
    EXPECT_EQ(Get("/v1/campaigns/" + campaign_, acme_.key).json["total_leads"], 0);
  }

  TestTenant acme_;
  std::string campaign_;
  std::string leads_path_;
};

TEST_F(ApiLeadsTest, JsonUploadIsNormalisedAndListed) {
  ApiAnswer answer = PostJson(leads_path_,
                              {{{"phone_number", "(212) 555-1001"},
                                {"first_name", "Ada"},
                                {"tags", {"urgent"}},
                                {"custom_fields", {{"plan", "gold"}}}},
                               {{"phone_number", "+12125551000"}, {"priority", 9}}},
                              acme_.key);
  ASSERT_EQ(answer.status, 201) << answer.response.body;
  EXPECT_EQ(answer.json["imported"], 2);
  ApiAnswer listed = Get(leads_path_, acme_.key);
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json["items"].size(), 2u);
  const nlohmann::json& first = listed.json["items"][0];  // number order
  EXPECT_EQ(first["phone_number"], "+12125551000");
  EXPECT_EQ(first["priority"], 9);
  EXPECT_EQ(first["status"], "pending");
  const nlohmann::json& ada = listed.json["items"][1];
  EXPECT_EQ(ada["phone_number"], "+12125551001");
  EXPECT_EQ(ada["first_name"], "Ada");
  EXPECT_EQ(ada["tags"], nlohmann::json({"urgent"}));
  EXPECT_EQ(ada["custom_fields"], (nlohmann::json{{"plan", "gold"}}));
  EXPECT_EQ(ada["campaign_id"], campaign_);
  EXPECT_EQ(Get("/v1/campaigns/" + campaign_, acme_.key).json["total_leads"], 2);
}

TEST_F(ApiLeadsTest, CsvUploadReadsKnownAndCustomColumns) {
  ApiAnswer answer = UploadCsv(
      "\xEF\xBB\xBFphone_number,first_name,tags,is_high_value,plan\r\n"
      "(212) 555-1000,\"Lovelace, Ada\",urgent;vip,yes,gold\r\n"
      "212-555-1001,Grace,,,\r\n");
  ASSERT_EQ(answer.status, 201) << answer.response.body;
  EXPECT_EQ(answer.json["imported"], 2);
  ApiAnswer listed = Get(leads_path_ + "?limit=1", acme_.key);
  ASSERT_EQ(listed.json["items"].size(), 1u);
  const nlohmann::json& ada = listed.json["items"][0];
  EXPECT_EQ(ada["phone_number"], "+12125551000");
  EXPECT_EQ(ada["first_name"], "Lovelace, Ada");
  EXPECT_EQ(ada["tags"], nlohmann::json({"urgent", "vip"}));
  EXPECT_EQ(ada["is_high_value"], true);
  EXPECT_EQ(ada["custom_fields"], (nlohmann::json{{"plan", "gold"}}));
  ASSERT_TRUE(listed.json["next"].is_string());
  ApiAnswer rest =
      Get(leads_path_ + "?limit=1&after=" + listed.json["next"].get<std::string>(), acme_.key);
  ASSERT_EQ(rest.json["items"].size(), 1u);
  EXPECT_EQ(rest.json["items"][0]["first_name"], "Grace");
  EXPECT_TRUE(rest.json["next"].is_null());
}

// Consent goes in by JSON or CSV, is kept by the store, and the API shows it; and a marketing
// campaign says so.
TEST_F(ApiLeadsTest, ConsentIsImportedKeptAndShown) {
  ASSERT_EQ(
      PostJson(
          leads_path_,
          {{{"phone_number", "+12125551000"},
            {"consent",
             {{"kind", "written"}, {"given_at", "2026-10-01T09:30:00Z"}, {"source", "web form"}}}}},
          acme_.key)
          .status,
      201);
  ASSERT_EQ(UploadCsv("phone_number,consent_kind\n+12125551001,oral\n").status, 201);
  ApiAnswer listed = Get(leads_path_, acme_.key);
  ASSERT_EQ(listed.json["items"].size(), 2u);
  EXPECT_EQ(
      listed.json["items"][0]["consent"],
      (nlohmann::json{
          {"kind", "written"}, {"given_at", "2026-10-01T09:30:00Z"}, {"source", "web form"}}));
  EXPECT_EQ(listed.json["items"][1]["consent"],
            (nlohmann::json{{"kind", "oral"}, {"given_at", nullptr}, {"source", nullptr}}));

  ApiAnswer marketing = PostJson(
      "/v1/campaigns",
      {{"name", "Offers"}, {"system_prompt", "Sell."}, {"voice_id", "v"}, {"marketing", true}},
      acme_.key);
  ASSERT_EQ(marketing.status, 201) << marketing.response.body;
  EXPECT_EQ(marketing.json["marketing"], true);
  EXPECT_EQ(Get("/v1/campaigns/" + campaign_, acme_.key).json["marketing"], false);
}

TEST_F(ApiLeadsTest, JsonRowsThatDoNotParseAreAllListed) {
  ApiAnswer answer = Send({"POST", leads_path_,
                           R"([{"phone_number": "+12125551000"},
                               {"phone_number": 2125551001},
                               {"phone_number": "+12125551002", "priority": 0, "vip": true}])",
                           "application/json", acme_.key});
  EXPECT_EQ(answer.status, 400) << answer.response.body;
  EXPECT_EQ(ErrorFields(answer), (std::vector<std::string>{"leads[1].phone_number",
                                                           "leads[2].priority", "leads[2].vip"}));
  ExpectNoLeads();
}

TEST_F(ApiLeadsTest, RowsTheStoreRejectsAreListedWithTheirCsvLines) {
  // The second data row spans two lines, so the bad third row is on line 5.
  ApiAnswer answer = UploadCsv(
      "phone_number,note\n"
      "+12125551000,fine\n"
      "+12125551001,\"two\nlines\"\n"
      "12345,bad number\n");
  EXPECT_EQ(answer.status, 400) << answer.response.body;
  ASSERT_EQ(ErrorFields(answer), std::vector<std::string>{"leads[2].phone_number"});
  const std::string message = answer.json["error"]["fields"][0]["message"];
  EXPECT_TRUE(message.starts_with("line 5: ")) << message;
  ExpectNoLeads();

  ApiAnswer json = PostJson(leads_path_,
                            {{{"phone_number", "+12125551000"}},
                             {{"phone_number", "not a number"}},
                             {{"phone_number", "+12125551002"}, {"time_zone", "Mars/Olympus"}}},
                            acme_.key);
  EXPECT_EQ(json.status, 400) << json.response.body;
  EXPECT_EQ(ErrorFields(json),
            (std::vector<std::string>{"leads[1].phone_number", "leads[2].time_zone"}));
  ExpectNoLeads();
}

// The reader's problems and the store's are named together: a row refused for its priority still
// has its number checked, every bad field of every row is listed, and the count is right.
TEST_F(ApiLeadsTest, EveryBadFieldOfEveryRowIsNamedAndCounted) {
  ApiAnswer csv = UploadCsv(
      "phone_number,priority\n"
      "12,5\n"
      "+12125551001,99\n"
      "+12125551002,x\n"
      "34,x\n");
  EXPECT_EQ(csv.status, 400) << csv.response.body;
  EXPECT_EQ(ErrorFields(csv), (std::vector<std::string>{
                                  "leads[0].phone_number", "leads[1].priority", "leads[2].priority",
                                  "leads[3].phone_number", "leads[3].priority"}));
  EXPECT_TRUE(csv.json["error"]["message"].get<std::string>().starts_with("5 problem(s) in 4 "))
      << csv.response.body;
  EXPECT_EQ(csv.json["error"]["fields_total"], 5);
  EXPECT_TRUE(csv.json["error"]["fields"][0]["message"].get<std::string>().starts_with("line 2: "))
      << csv.response.body;

  ApiAnswer json = PostJson(leads_path_,
                            {{{"phone_number", "12"}, {"colour", "red"}},
                             {{"phone_number", "+12125551000"}},
                             {{"phone_number", "+12125551000"}, {"priority", 0}}},
                            acme_.key);
  EXPECT_EQ(json.status, 400) << json.response.body;
  std::vector<std::string> fields = ErrorFields(json);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"leads[0].colour", "leads[0].phone_number",
                                              "leads[2].phone_number", "leads[2].priority"}))
      << json.response.body;
  EXPECT_EQ(json.json["error"]["fields_total"], 4);
  ExpectNoLeads();
}

// 1,000 bad rows give the first 100 problems and the total, whichever side found them.
TEST_F(ApiLeadsTest, TheErrorAnswerIsBoundedAndGivesTheTotal) {
  std::string bad_numbers = "phone_number\n";
  std::string bad_priorities = "phone_number,priority\n";
  for (int i = 0; i < 1000; ++i) {
    bad_numbers += std::to_string(i) + "\n";
    bad_priorities += Number(i) + ",x\n";
  }
  for (const std::string& upload : {bad_numbers, bad_priorities}) {
    ApiAnswer answer = UploadCsv(upload);
    EXPECT_EQ(answer.status, 400);
    ASSERT_TRUE(answer.json.contains("error")) << answer.response.body.substr(0, 500);
    EXPECT_EQ(answer.json["error"]["fields"].size(), kMaxListedLeadErrors);
    EXPECT_EQ(answer.json["error"]["fields"][0]["field"].get<std::string>().substr(0, 9),
              "leads[0].");
    EXPECT_EQ(answer.json["error"]["fields_total"], 1000);
    EXPECT_TRUE(answer.json["error"]["message"].get<std::string>().starts_with(
        "1000 problem(s) in 1000 leads"))
        << answer.json["error"]["message"];
    EXPECT_LT(answer.response.body.size(), 20'000u);
  }
  ExpectNoLeads();
}

struct BadUploadCase {
  const char* name;
  std::string body;
  std::string content_type;
  int status;
  std::vector<std::string> fields;
};

const BadUploadCase kBadUploads[] = {
    {"CSV unterminated quote",
     "phone_number,note\n+12125551000,\"open\n",
     "text/csv",
     400,
     {"body"}},
    {"CSV without a phone_number column",
     "number\n+12125551000\n",
     "text/csv",
     400,
     {"phone_number"}},
    {"CSV empty", "", "text/csv", 400, {"body"}},
    {"CSV row of the wrong width",
     "phone_number,note\n+12125551000\n",
     "text/csv",
     400,
     {"leads[0]"}},
    {"CSV header only", "phone_number\n", "text/csv", 400, {"body"}},
    {"JSON empty array", "[]", "application/json", 400, {"body"}},
    {"JSON nested too deeply",
     R"([{"phone_number": "+12125551000", "custom_fields": {"x": )" + std::string(40, '[') +
         std::string(40, ']') + "}}]",
     "application/json",
     400,
     {"body"}},
    {"JSON object", R"({"phone_number": "+12125551000"})", "application/json", 400, {"body"}},
    {"JSON malformed", R"([{"phone_number": "+12125551000"})", "application/json", 400, {"body"}},
    {"plain text", "+12125551000", "text/plain", 415, {"content-type"}},
    {"no Content-Type", "+12125551000", "", 415, {"content-type"}},
};

TEST_F(ApiLeadsTest, BadUploadsAreRefusedAndWriteNothing) {
  for (const BadUploadCase& c : kBadUploads) {
    ApiAnswer answer = Send({"POST", leads_path_, c.body, c.content_type, acme_.key});
    EXPECT_EQ(answer.status, c.status) << c.name << ": " << answer.response.body;
    EXPECT_EQ(ErrorFields(answer), c.fields) << c.name << ": " << answer.response.body;
  }
  ExpectNoLeads();
}

TEST_F(ApiLeadsTest, FinishedCampaignsTakeNoLeads) {
  ASSERT_EQ(Post("/v1/campaigns/" + campaign_ + "/cancel", acme_.key).status, 200);
  ApiAnswer answer =
      PostJson(leads_path_, nlohmann::json::array({{{"phone_number", "+12125551000"}}}), acme_.key);
  EXPECT_EQ(answer.status, 409) << answer.response.body;
  ExpectNoLeads();
  EXPECT_EQ(PostJson("/v1/campaigns/unknown/leads",
                     nlohmann::json::array({{{"phone_number", "+12125551000"}}}), acme_.key)
                .status,
            404);
}

// The explanation makes the dialer's own reads and rules: allowed in New York's morning, not now
// at night (and when), never once the number is on the Do-Not-Call list; another tenant's lead is
// not found.
TEST_F(ApiLeadsTest, ALeadsExplanationSaysWhetherAndWhyItMayBeCalledNow) {
  ASSERT_EQ(UploadCsv("phone_number\n+12125550100\n").status, 201);
  const std::string lead = Get(leads_path_, acme_.key).json["items"][0]["id"];
  const std::string path = "/v1/leads/" + lead + "/explanation";

  ApiAnswer morning = Get(path, acme_.key);  // the fixture's clock: 10:00 in New York, a Tuesday
  ASSERT_EQ(morning.status, 200) << morning.response.body;
  EXPECT_EQ(morning.json["lead"]["id"], lead);
  EXPECT_EQ(morning.json["decision"]["allowed"], true);
  EXPECT_EQ(morning.json["decision"]["zones"], nlohmann::json({"America/New_York"}));

  clock_.Advance(std::chrono::hours(11));  // 21:00 in New York
  ApiAnswer night = Get(path, acme_.key);
  ASSERT_EQ(night.status, 200);
  EXPECT_EQ(night.json["decision"]["decision"], "not_now");
  EXPECT_EQ(night.json["decision"]["next_allowed_at"], "2026-11-18T14:00:00Z");
  EXPECT_FALSE(night.json["decision"]["message"].get<std::string>().empty());

  ASSERT_EQ(PostJson("/v1/dnc", {{"phone_numbers", {"+12125550100"}}}, acme_.key).status, 200);
  ApiAnswer listed = Get(path, acme_.key);
  EXPECT_EQ(listed.json["decision"]["decision"], "never");
  EXPECT_EQ(listed.json["decision"]["reason"], "do_not_call");

  TestTenant globex = CreateTenant("Globex");
  EXPECT_EQ(Get(path, globex.key).status, 404);
  EXPECT_EQ(Get("/v1/leads/no-such-lead/explanation", acme_.key).status, 404);
}

}  // namespace
}  // namespace talky
