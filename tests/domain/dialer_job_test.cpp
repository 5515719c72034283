#include "domain/dialer_job.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;

DialerJob SampleJob() {
  DialerJob job;
  job.job_id = JobId{"3f0c9a1e-0000-4000-8000-000000000001"};
  job.campaign_id = CampaignId{"campaign-1"};
  job.lead_id = LeadId{"lead-1"};
  job.tenant_id = TenantId{"tenant-1"};
  job.phone_number = "+14155550100";
  job.priority = 9;
  job.status = JobStatus::kRetryScheduled;
  job.attempt_number = 2;
  job.scheduled_at = sys_days{2026y / 11 / 21} + 16h;
  job.created_at = sys_days{2026y / 11 / 21} + 14h + 250ms;
  return job;
}

// Document 000 §7.1 test_redis_serialization: the spec's to_redis_dict names and values.
TEST(DialerJob, SerializesWithTheSpecsFieldNames) {
  const json j = ToJson(SampleJob());
  EXPECT_EQ(j, json::parse(R"({
    "job_id": "3f0c9a1e-0000-4000-8000-000000000001", "campaign_id": "campaign-1",
    "lead_id": "lead-1", "tenant_id": "tenant-1", "phone_number": "+14155550100",
    "priority": 9, "status": "retry_scheduled", "attempt_number": 2,
    "scheduled_at": "2026-11-21T16:00:00Z", "created_at": "2026-11-21T14:00:00.250000Z",
    "processed_at": null, "completed_at": null, "last_outcome": null, "last_error": null,
    "call_id": null})"));
}

TEST(DialerJob, RoundTripsEveryField) {
  DialerJob full = SampleJob();
  full.processed_at = full.scheduled_at + 3s;
  full.completed_at = full.scheduled_at + 95s;
  full.last_outcome = CallOutcome::kVoicemail;
  full.last_error = "machine answered";
  full.call_id = CallId{"call-7"};
  for (const DialerJob& job : {SampleJob(), full}) {
    Expected<DialerJob> parsed = ParseDialerJob(ToJson(job).dump());
    ASSERT_TRUE(parsed) << parsed.error().Describe();
    EXPECT_EQ(*parsed, job);
  }
}

TEST(DialerJob, IgnoresFieldsItDoesNotKnow) {
  json j = ToJson(SampleJob());
  j["added_by_a_newer_version"] = 1;
  EXPECT_TRUE(DialerJobFromJson(j));
}

struct BadJobCase {
  const char* name;
  std::function<void(json&)> mutate;
  const char* field;
};

const BadJobCase kBadJobs[] = {
    {"missing_job_id", [](json& j) { j.erase("job_id"); }, "job_id"},
    {"missing_campaign_id", [](json& j) { j.erase("campaign_id"); }, "campaign_id"},
    {"missing_lead_id", [](json& j) { j.erase("lead_id"); }, "lead_id"},
    {"missing_tenant_id", [](json& j) { j.erase("tenant_id"); }, "tenant_id"},
    {"missing_phone_number", [](json& j) { j.erase("phone_number"); }, "phone_number"},
    {"missing_priority", [](json& j) { j.erase("priority"); }, "priority"},
    {"missing_status", [](json& j) { j.erase("status"); }, "status"},
    {"missing_attempt_number", [](json& j) { j.erase("attempt_number"); }, "attempt_number"},
    {"missing_scheduled_at", [](json& j) { j.erase("scheduled_at"); }, "scheduled_at"},
    {"missing_created_at", [](json& j) { j.erase("created_at"); }, "created_at"},
    {"empty_job_id", [](json& j) { j["job_id"] = ""; }, "job_id"},
    {"job_id_number", [](json& j) { j["job_id"] = 17; }, "job_id"},
    {"priority_string", [](json& j) { j["priority"] = "9"; }, "priority"},
    {"priority_fraction", [](json& j) { j["priority"] = 8.5; }, "priority"},
    {"priority_zero", [](json& j) { j["priority"] = 0; }, "priority"},
    {"priority_eleven", [](json& j) { j["priority"] = 11; }, "priority"},
    {"attempt_zero", [](json& j) { j["attempt_number"] = 0; }, "attempt_number"},
    {"attempt_negative", [](json& j) { j["attempt_number"] = -3; }, "attempt_number"},
    {"status_unknown", [](json& j) { j["status"] = "done"; }, "status"},
    {"status_null", [](json& j) { j["status"] = nullptr; }, "status"},
    {"scheduled_at_naive", [](json& j) { j["scheduled_at"] = "2026-11-21T16:00:00"; },
     "scheduled_at"},
    {"created_at_garbage", [](json& j) { j["created_at"] = "soon"; }, "created_at"},
    {"processed_at_number", [](json& j) { j["processed_at"] = 5; }, "processed_at"},
    {"outcome_unknown", [](json& j) { j["last_outcome"] = "hung_up"; }, "last_outcome"},
    {"call_id_object", [](json& j) { j["call_id"] = json::object(); }, "call_id"},
};

class DialerJobRejects : public ::testing::TestWithParam<BadJobCase> {};

TEST_P(DialerJobRejects, NamingTheField) {
  json j = ToJson(SampleJob());
  GetParam().mutate(j);
  Expected<DialerJob> parsed = DialerJobFromJson(j);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(parsed.error().fields.size(), 1u) << parsed.error().Describe();
  EXPECT_EQ(parsed.error().fields[0].field, GetParam().field);
}

INSTANTIATE_TEST_SUITE_P(DialerJob, DialerJobRejects, ::testing::ValuesIn(kBadJobs),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DialerJob, ListsEveryBadFieldAtOnce) {
  json j = ToJson(SampleJob());
  j["priority"] = 42;
  j["attempt_number"] = 0;
  j.erase("lead_id");
  Expected<DialerJob> parsed = DialerJobFromJson(j);
  ASSERT_FALSE(parsed);
  std::set<std::string> fields;
  for (const FieldError& error : parsed.error().fields) fields.insert(error.field);
  EXPECT_EQ(fields, (std::set<std::string>{"priority", "attempt_number", "lead_id"}));
}

TEST(DialerJob, RejectsTextThatIsNotAnObject) {
  for (const char* text : {"", "{", "[]", "null", "\"job\"", "{\"job_id\": }"}) {
    Expected<DialerJob> parsed = ParseDialerJob(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
  }
}

}  // namespace
}  // namespace talky
