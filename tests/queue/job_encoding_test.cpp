// The Redis queue's job body: every field survives the current format, bodies written by earlier
// versions (the job's JSON) still decode, and malformed bodies are clear errors.
#include "queue/redis/job_encoding.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace talky::testing {
namespace {

using namespace std::chrono;
using nlohmann::json;

DialerJob BareJob() {
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
  job.created_at = sys_days{2026y / 11 / 21} + 14h + 250ms + 7us;
  return job;
}

DialerJob FullJob() {
  DialerJob job = BareJob();
  job.processed_at = job.scheduled_at + 3s + 1us;
  job.completed_at = job.scheduled_at + 95s;
  job.last_outcome = CallOutcome::kVoicemail;
  job.last_error = "machine answered \"hello\"\n\xc3\xa9";
  job.call_id = CallId{"call-7"};
  return job;
}

TEST(JobBody, RoundTripsEveryField) {
  DialerJob before_epoch = BareJob();
  before_epoch.created_at = Instant(microseconds(-1));
  DialerJob extremes = FullJob();
  extremes.priority = kMaxPriority;
  extremes.attempt_number = 1'000'000;
  extremes.scheduled_at = Instant::max();
  extremes.lead_id = LeadId{};
  extremes.phone_number = std::string(300, 'x');
  for (const DialerJob& job : {BareJob(), FullJob(), before_epoch, extremes}) {
    Expected<DialerJob> decoded = DecodeJobBody(EncodeJobBody(job));
    ASSERT_TRUE(decoded) << decoded.error().Describe();
    EXPECT_EQ(*decoded, job);
  }
}

TEST(JobBody, IsSmallerThanTheJson) {
  EXPECT_LT(EncodeJobBody(FullJob()).size(), ToJson(FullJob()).dump().size() / 2);
}

// A queue upgraded in place still holds bodies that earlier versions wrote.
TEST(JobBody, DecodesTheJsonThatEarlierVersionsWrote) {
  for (const DialerJob& job : {BareJob(), FullJob()}) {
    Expected<DialerJob> decoded = DecodeJobBody(ToJson(job).dump());
    ASSERT_TRUE(decoded) << decoded.error().Describe();
    EXPECT_EQ(*decoded, job);
  }
  const std::string written_by_0_9 = R"({"job_id":"j1","campaign_id":"c","lead_id":"l",
    "tenant_id":"t","phone_number":"+14155550100","priority":5,"status":"pending",
    "attempt_number":1,"scheduled_at":"2026-11-21T16:00:00Z","created_at":"2026-11-21T16:00:00Z",
    "processed_at":null,"completed_at":null,"last_outcome":null,"last_error":null,"call_id":null})";
  Expected<DialerJob> decoded = DecodeJobBody(written_by_0_9);
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  EXPECT_EQ(decoded->job_id.value, "j1");
  EXPECT_EQ(decoded->scheduled_at, sys_days{2026y / 11 / 21} + 16h);
}

// The body with field `index` (after the format number) replaced.
std::string WithField(std::size_t index, const json& value) {
  json array = json::from_msgpack(EncodeJobBody(FullJob()));
  array[1 + index] = value;
  std::string body;
  json::to_msgpack(array, body);
  return body;
}

struct BadBodyCase {
  const char* name;
  std::string body;
  const char* message;  // a part of the error's description
};

// A row per malformed body: what Redis held, and what the error must name.
const BadBodyCase kBadBodies[] = {
    {"empty", "", "dialer job"},
    {"truncated", EncodeJobBody(FullJob()).substr(0, 20), "not a MessagePack array"},
    {"wrong_format_number",
     [] {
       json array = json::from_msgpack(EncodeJobBody(FullJob()));
       array[0] = 3;
       std::string body;
       json::to_msgpack(array, body);
       return body;
     }(),
     "not format 2"},
    {"too_few_fields", std::string("\x92\x02\xa1j", 4), "16 fields expected, 2 found"},
    {"job_id_not_string", WithField(0, 7), "job_id: must be a string"},
    {"empty_tenant", WithField(3, ""), "tenant_id: must not be empty"},
    {"priority_out_of_range", WithField(5, 11), "priority: must be an integer between 1 and 10"},
    {"unknown_status", WithField(6, "sleeping"), "status: unknown value 'sleeping'"},
    {"attempt_zero", WithField(7, 0), "attempt_number: must be an integer between 1"},
    {"instant_as_text", WithField(8, "2026-11-21T16:00:00Z"), "scheduled_at: must be an integer"},
    {"instant_beyond_int64", WithField(9, std::uint64_t{1} << 63),
     "created_at: must be an integer"},
    {"unknown_outcome", WithField(12, "busy-ish"), "last_outcome: unknown value 'busy-ish'"},
    {"call_id_not_string", WithField(14, true), "call_id: must be a string"},
    {"json_missing_fields", R"({"job_id":"j1"})", "campaign_id"},
};

class BadJobBody : public ::testing::TestWithParam<BadBodyCase> {};

TEST_P(BadJobBody, IsAClearError) {
  const BadBodyCase& c = GetParam();
  Expected<DialerJob> decoded = DecodeJobBody(c.body);
  ASSERT_FALSE(decoded) << "decoded a malformed body";
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(decoded.error().Describe().find(c.message), std::string::npos)
      << decoded.error().Describe();
}

INSTANTIATE_TEST_SUITE_P(JobBody, BadJobBody, ::testing::ValuesIn(kBadBodies),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace talky::testing
