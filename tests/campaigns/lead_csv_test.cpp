#include "campaigns/lead_csv.h"

#include <gtest/gtest.h>

namespace talky {
namespace {

std::vector<FieldError> ErrorsOf(std::string_view text) {
  Expected<std::vector<Lead>> leads = ParseLeadsCsv(text);
  if (leads) return {};
  EXPECT_EQ(leads.error().code, ErrorCode::kInvalidArgument);
  return leads.error().fields;
}

TEST(LeadCsv, ReadsEveryKnownColumnAndKeepsTheRestAsCustomFields) {
  Expected<std::vector<Lead>> leads = ParseLeadsCsv(
      "phone_number,first_name,last_name,email,priority,is_high_value,tags,time_zone,plan\n"
      "+14155550100,Ada,Lovelace,ada@example.com,7,true,urgent;vip,America/Chicago,gold\n"
      "(415) 555-0101,,,,,,,,\n");
  ASSERT_TRUE(leads) << leads.error().Describe();
  ASSERT_EQ(leads->size(), 2u);
  const Lead& ada = (*leads)[0];
  EXPECT_EQ(ada.phone_number, "+14155550100");
  EXPECT_EQ(ada.first_name, "Ada");
  EXPECT_EQ(ada.last_name, "Lovelace");
  EXPECT_EQ(ada.email, "ada@example.com");
  EXPECT_EQ(ada.priority, 7);
  EXPECT_TRUE(ada.is_high_value);
  EXPECT_EQ(ada.tags, (std::vector<std::string>{"urgent", "vip"}));
  EXPECT_EQ(ada.time_zone, "America/Chicago");
  EXPECT_EQ(ada.custom_fields, (nlohmann::json{{"plan", "gold"}}));
  // Empty cells are no value: the Lead's defaults stay.
  const Lead& bare = (*leads)[1];
  EXPECT_EQ(bare.phone_number, "(415) 555-0101");  // the store normalises numbers
  EXPECT_EQ(bare.first_name, std::nullopt);
  EXPECT_EQ(bare.priority, 5);
  EXPECT_FALSE(bare.is_high_value);
  EXPECT_TRUE(bare.tags.empty());
  EXPECT_EQ(bare.custom_fields, nlohmann::json::object());
}

struct SpellingCase {
  const char* name;
  std::string text;
  std::string first_name;  // the one data row's first_name
};

// RFC 4180 spellings that all mean phone_number=+14155550100 and the given first_name.
const SpellingCase kSpellings[] = {
    {"plain LF", "phone_number,first_name\n+14155550100,Ada\n", "Ada"},
    {"CRLF", "phone_number,first_name\r\n+14155550100,Ada\r\n", "Ada"},
    {"no final line end", "phone_number,first_name\n+14155550100,Ada", "Ada"},
    {"byte order mark", "\xEF\xBB\xBFphone_number,first_name\n+14155550100,Ada\n", "Ada"},
    {"quoted comma", "phone_number,first_name\n+14155550100,\"Lovelace, Ada\"\n", "Lovelace, Ada"},
    {"doubled quote", "phone_number,first_name\n+14155550100,\"Ada \"\"the\"\" first\"\n",
     "Ada \"the\" first"},
    {"line end inside quotes", "phone_number,first_name\n+14155550100,\"Ada\nLovelace\"\n",
     "Ada\nLovelace"},
    {"quoted header", "\"phone_number\",\"first_name\"\n\"+14155550100\",\"Ada\"\n", "Ada"},
    {"blank lines skipped", "\nphone_number,first_name\n\n+14155550100,Ada\n\n", "Ada"},
    {"columns in any order", "first_name,phone_number\nAda,+14155550100\n", "Ada"},
    {"spaces around known values", "phone_number , first_name\n +14155550100 , Ada \n", "Ada"},
    {"UTF-8 names", "phone_number,first_name\n+14155550100,Zoë\n", "Zoë"},
};

TEST(LeadCsv, AcceptsTheRfc4180Spellings) {
  for (const SpellingCase& c : kSpellings) {
    Expected<std::vector<Lead>> leads = ParseLeadsCsv(c.text);
    ASSERT_TRUE(leads) << c.name << ": " << leads.error().Describe();
    ASSERT_EQ(leads->size(), 1u) << c.name;
    EXPECT_EQ((*leads)[0].phone_number, "+14155550100") << c.name;
    EXPECT_EQ((*leads)[0].first_name, c.first_name) << c.name;
  }
}

struct FieldCase {
  const char* column;
  const char* cell;
  bool ok;
  int priority = 5;
  bool high_value = false;
  std::vector<std::string> tags = {};
};

const FieldCase kFields[] = {
    {"priority", "1", true, 1},
    {"priority", "10", true, 10},
    {"priority", " 3 ", true, 3},
    {"priority", "0", false},
    {"priority", "11", false},
    {"priority", "5.5", false},
    {"priority", "high", false},
    {"priority", "-1", false},
    {"is_high_value", "true", true, 5, true},
    {"is_high_value", "TRUE", true, 5, true},
    {"is_high_value", "yes", true, 5, true},
    {"is_high_value", "1", true, 5, true},
    {"is_high_value", "no", true, 5, false},
    {"is_high_value", "0", true, 5, false},
    {"is_high_value", "maybe", false},
    {"tags", "urgent|vip", true, 5, false, {"urgent", "vip"}},
    {"tags", "urgent; vip ;", true, 5, false, {"urgent", "vip"}},
    {"tags", " ; | ", true, 5, false, {}},
    {"tags", "appointment", true, 5, false, {"appointment"}},
};

TEST(LeadCsv, ReadsAndChecksTypedColumns) {
  for (const FieldCase& c : kFields) {
    std::string text =
        std::string("phone_number,") + c.column + "\n+14155550100,\"" + c.cell + "\"\n";
    Expected<std::vector<Lead>> leads = ParseLeadsCsv(text);
    const std::string label = std::string(c.column) + "=" + c.cell;
    if (!c.ok) {
      ASSERT_FALSE(leads) << label;
      ASSERT_EQ(leads.error().fields.size(), 1u) << label;
      EXPECT_EQ(leads.error().fields[0].field, std::string("leads[0].") + c.column) << label;
      EXPECT_TRUE(leads.error().fields[0].message.starts_with("line 2: ")) << label;
      continue;
    }
    ASSERT_TRUE(leads) << label << ": " << leads.error().Describe();
    EXPECT_EQ((*leads)[0].priority, c.priority) << label;
    EXPECT_EQ((*leads)[0].is_high_value, c.high_value) << label;
    EXPECT_EQ((*leads)[0].tags, c.tags) << label;
  }
}

TEST(LeadCsv, ListsEveryBadRowWithItsIndexAndLine) {
  // Row 1 spans two lines, so row 2 starts on line 5, not 4.
  std::vector<FieldError> errors = ErrorsOf(
      "phone_number,first_name,priority\n"
      "+14155550100,Ada,3\n"
      "+14155550101,\"two\nlines\",12\n"
      ",Grace,x\n"
      "+14155550103,Alan\n");
  const std::vector<FieldError> expected = {
      {"leads[1].priority", "line 3: must be a whole number from 1 to 10"},
      {"leads[2].phone_number", "line 5: is required"},
      {"leads[2].priority", "line 5: must be a whole number from 1 to 10"},
      {"leads[3]", "line 6: 2 fields, but the header names 3"},
  };
  EXPECT_EQ(errors, expected);
}

TEST(LeadCsv, TheMessageCountsTheProblemsItLists) {
  Expected<std::vector<Lead>> leads = ParseLeadsCsv("phone_number,priority\n,99\n+14155550101,x\n");
  ASSERT_FALSE(leads);
  EXPECT_EQ(leads.error().fields.size(), 3u);
  EXPECT_EQ(leads.error().message, "invalid leads CSV: 3 problem(s) in the rows");
}

// Every data row comes back, a bad one with its readable fields, so its number can be checked too.
TEST(LeadCsv, ReadKeepsEveryRowBesideItsProblems) {
  Expected<LeadUpload> upload = ReadLeadsCsv(
      "phone_number,priority,first_name\n"
      "12,99,Ada\n"
      "+14155550101,3\n"
      "+14155550102,4,Grace\n");
  ASSERT_TRUE(upload) << upload.error().Describe();
  ASSERT_EQ(upload->leads.size(), 3u);
  EXPECT_EQ(upload->lines, (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(upload->leads[0].phone_number, "12");
  EXPECT_EQ(upload->leads[0].first_name, "Ada");
  EXPECT_EQ(upload->leads[2].priority, 4);
  const std::vector<FieldError> expected = {
      {"leads[0].priority", "line 2: must be a whole number from 1 to 10"},
      {"leads[1]", "line 3: 2 fields, but the header names 3"},
  };
  EXPECT_EQ(upload->errors, expected);
  // What the store would say of the number is added; the unreadable row is left out.
  const std::vector<FieldError> more = CheckLeadUpload(*upload, "US");
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].field, "leads[0].phone_number");
  EXPECT_TRUE(more[0].message.starts_with("line 2: ")) << more[0].message;
}

struct BrokenCase {
  const char* name;
  std::string text;
  FieldError error;
};

const BrokenCase kBroken[] = {
    {"empty file",
     "",
     {"body",
      "line 1: the file is empty; its first line must name the columns "
      "(phone_number, ...)"}},
    {"only a byte order mark and blank lines",
     "\xEF\xBB\xBF\n\r\n",
     {"body",
      "line 1: the file is empty; its first line must name the columns (phone_number, "
      "...)"}},
    {"no phone_number column",
     "first_name,email\nAda,a@example.com\n",
     {"phone_number", "line 1: the header has no phone_number column"}},
    {"unterminated quote",
     "phone_number,first_name\n+14155550100,Ada\n+14155550101,\"Grace\n",
     {"body", "line 3: a quoted field is not closed"}},
    {"text after a closing quote",
     "phone_number\n\"+1415\"5550100\n",
     {"body",
      "line 2: unexpected character after a closing quote (a field is either quoted as a "
      "whole or not at all)"}},
    {"quote inside an unquoted field",
     "phone_number,first_name\n+14155550100,A\"da\n",
     {"body",
      "line 2: a quote inside an unquoted field (quote the whole field and double the "
      "quotes inside it)"}},
    {"unnamed column",
     "phone_number,,email\n+14155550100,x,y\n",
     {"header", "line 1: column 2 has no name"}},
    {"repeated column",
     "phone_number,email,email\n+14155550100,x,y\n",
     {"email", "line 1: the column appears more than once"}},
    {"invalid UTF-8 cell",
     "phone_number,first_name\n+14155550100,\xC3\x28\n",
     {"leads[0].first_name", "line 2: is not valid UTF-8"}},
};

TEST(LeadCsv, BrokenFilesNameTheLine) {
  for (const BrokenCase& c : kBroken) {
    std::vector<FieldError> errors = ErrorsOf(c.text);
    ASSERT_EQ(errors.size(), 1u) << c.name;
    EXPECT_EQ(errors[0], c.error) << c.name;
  }
}

TEST(LeadCsv, HeaderOnlyIsNoLeads) {
  Expected<CsvLeads> parsed = ParseLeadsCsvWithLines("phone_number,first_name\r\n");
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->leads.empty());
}

TEST(LeadCsv, ReportsTheLineOfEveryRow) {
  Expected<CsvLeads> parsed =
      ParseLeadsCsvWithLines("phone_number,note\n+1,a\n\n+2,\"b\nc\"\n+3,d\n");
  ASSERT_TRUE(parsed) << parsed.error().Describe();
  EXPECT_EQ(parsed->lines, (std::vector<int>{2, 4, 6}));
}

TEST(LeadCsv, ReadsConsentAndNamesItsBadCells) {
  Expected<std::vector<Lead>> leads = ParseLeadsCsv(
      "phone_number,consent_kind,consent_given_at,consent_source\n"
      "+14155550100,written,2026-10-01T09:30:00Z,web form\n"
      "+14155550101,,,\n");
  ASSERT_TRUE(leads) << leads.error().Describe();
  EXPECT_EQ((*leads)[0].consent.kind, ConsentKind::kWritten);
  EXPECT_EQ((*leads)[0].consent.given_at, *ParseIso8601("2026-10-01T09:30:00Z"));
  EXPECT_EQ((*leads)[0].consent.source, "web form");
  EXPECT_EQ((*leads)[1].consent, Consent{});

  Expected<std::vector<Lead>> bad =
      ParseLeadsCsv("phone_number,consent_kind,consent_given_at\n+14155550100,signed,yesterday\n");
  ASSERT_FALSE(bad);
  std::vector<std::string> fields;
  for (const FieldError& error : bad.error().fields) fields.push_back(error.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"leads[0].consent_kind", "leads[0].consent_given_at"}));
}

TEST(LeadCsv, FormatReadsBackToTheSameLeads) {
  Lead a;
  a.phone_number = "+14155550100";
  a.first_name = "Ada, \"the first\"";
  a.email = "ada@example.com";
  a.priority = 9;
  a.is_high_value = true;
  a.tags = {"urgent", "vip"};
  a.time_zone = "Europe/London";
  a.custom_fields = {{"plan", "gold"}, {"note", "two\r\nlines"}};
  a.consent = {.kind = ConsentKind::kWritten,
               .given_at = *ParseIso8601("2026-10-01T09:30:00Z"),
               .source = "web form, signed"};
  Lead b;
  b.phone_number = "+442071838750";
  b.custom_fields = {{"region", "south"}};
  const std::vector<Lead> leads = {a, b};
  Expected<std::vector<Lead>> again = ParseLeadsCsv(FormatLeadsCsv(leads));
  ASSERT_TRUE(again) << again.error().Describe();
  EXPECT_EQ(*again, leads);
}

}  // namespace
}  // namespace talky
