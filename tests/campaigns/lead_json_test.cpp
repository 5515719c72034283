#include "campaigns/lead_json.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

TEST(LeadJson, ReadsEveryField) {
  Expected<std::vector<Lead>> leads = ParseLeadsJson(nlohmann::json::parse(R"([
    {"phone_number": "+14155550100", "first_name": "Ada", "last_name": "Lovelace",
     "email": "ada@example.com", "priority": 8, "is_high_value": true,
     "tags": ["urgent"], "custom_fields": {"plan": "gold", "seats": 3},
     "time_zone": "America/Chicago"},
    {"phone_number": "4155550101"}
  ])"));
  ASSERT_TRUE(leads) << leads.error().Describe();
  ASSERT_EQ(leads->size(), 2u);
  const Lead& ada = (*leads)[0];
  EXPECT_EQ(ada.phone_number, "+14155550100");
  EXPECT_EQ(ada.first_name, "Ada");
  EXPECT_EQ(ada.last_name, "Lovelace");
  EXPECT_EQ(ada.email, "ada@example.com");
  EXPECT_EQ(ada.priority, 8);
  EXPECT_TRUE(ada.is_high_value);
  EXPECT_EQ(ada.tags, std::vector<std::string>{"urgent"});
  EXPECT_EQ(ada.custom_fields, (nlohmann::json{{"plan", "gold"}, {"seats", 3}}));
  EXPECT_EQ(ada.time_zone, "America/Chicago");
  EXPECT_EQ((*leads)[1].priority, 5);
  EXPECT_EQ((*leads)[1].first_name, std::nullopt);
}

TEST(LeadJson, ReadsConsentAndWritesItBack) {
  Expected<std::vector<Lead>> leads = ParseLeadsJson(nlohmann::json::parse(R"([
    {"phone_number": "+14155550100",
     "consent": {"kind": "written", "given_at": "2026-10-01T09:30:00Z", "source": "web form"}}
  ])"));
  ASSERT_TRUE(leads) << leads.error().Describe();
  const Lead& lead = leads->front();
  EXPECT_EQ(lead.consent.kind, ConsentKind::kWritten);
  EXPECT_EQ(lead.consent.source, "web form");
  EXPECT_EQ(ParseLeadsJson(nlohmann::json::array({LeadUploadJson(lead)}))->front(), lead);
}

struct BadCase {
  const char* name;
  const char* body;
  std::vector<FieldError> errors;
};

const BadCase kBad[] = {
    {"not an array",
     R"({"phone_number": "+14155550100"})",
     {{"body", "must be a JSON array of leads"}}},
    {"element not an object", R"([1])", {{"leads[0]", "must be a JSON object"}}},
    {"missing number", R"([{}])", {{"leads[0].phone_number", "is required"}}},
    {"empty number", R"([{"phone_number": ""}])", {{"leads[0].phone_number", "must not be empty"}}},
    {"number of the wrong type",
     R"([{"phone_number": 4155550100}])",
     {{"leads[0].phone_number", "must be a string"}}},
    {"unknown field",
     R"([{"phone_number": "+1", "phone": "x"}])",
     {{"leads[0].phone", "is not a known field"}}},
    {"consent of an unknown kind",
     R"([{"phone_number": "+1", "consent": {"kind": "implied", "when": "x"}}])",
     {{"leads[0].consent.kind", "must be none, oral or written"},
      {"leads[0].consent.when", "is not a known field"}}},
    {"priority out of range",
     R"([{"phone_number": "+1", "priority": 11}])",
     {{"leads[0].priority", "must be 1 to 10"}}},
    {"priority not a whole number",
     R"([{"phone_number": "+1", "priority": 2.5}])",
     {{"leads[0].priority", "must be an integer"}}},
    {"flag as a string",
     R"([{"phone_number": "+1", "is_high_value": "yes"}])",
     {{"leads[0].is_high_value", "must be true or false"}}},
    {"tags not an array",
     R"([{"phone_number": "+1", "tags": "urgent"}])",
     {{"leads[0].tags", "must be an array of strings"}}},
    {"a tag not a string",
     R"([{"phone_number": "+1", "tags": ["ok", 2]}])",
     {{"leads[0].tags[1]", "must be a string"}}},
    {"custom fields not an object",
     R"([{"phone_number": "+1", "custom_fields": [1]}])",
     {{"leads[0].custom_fields", "must be a JSON object"}}},
    {"every bad row and field listed",
     R"([{"phone_number": "+1"}, {"priority": 0, "x": 1}, {"phone_number": "+2"}, {"email": 3}])",
     {{"leads[1].phone_number", "is required"},
      {"leads[1].priority", "must be 1 to 10"},
      {"leads[1].x", "is not a known field"},
      {"leads[3].phone_number", "is required"},
      {"leads[3].email", "must be a string"}}},
};

TEST(LeadJson, RejectsWithEveryBadFieldNamed) {
  for (const BadCase& c : kBad) {
    Expected<std::vector<Lead>> leads = ParseLeadsJson(nlohmann::json::parse(c.body));
    ASSERT_FALSE(leads) << c.name;
    EXPECT_EQ(leads.error().code, ErrorCode::kInvalidArgument) << c.name;
    EXPECT_EQ(leads.error().fields, c.errors) << c.name;
  }
}

TEST(LeadJson, UploadFormReadsBackToTheSameLead) {
  Lead lead;
  lead.phone_number = "+14155550100";
  lead.last_name = "Hopper";
  lead.priority = 2;
  lead.tags = {"a", "b"};
  lead.custom_fields = {{"nested", {{"k", 1}}}};
  Expected<std::vector<Lead>> again = ParseLeadsJson(nlohmann::json::array({LeadUploadJson(lead)}));
  ASSERT_TRUE(again) << again.error().Describe();
  EXPECT_EQ(*again, std::vector<Lead>{lead});
}

}  // namespace
}  // namespace talky
