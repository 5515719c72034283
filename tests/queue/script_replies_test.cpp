// The Redis queue's script replies decoded without a server: well-formed replies as the scripts
// send them, and malformed ones (wrong type, wrong arity) that must give a clear error, not a
// read out of bounds.
#include "queue/redis/detail/script_replies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "queue/redis/job_encoding.h"

namespace talky::testing {
namespace {

using redis::ParseReply;
using redis::Reply;
using redis::ReplyView;
using redis_detail::DecodeDueCandidates;
using redis_detail::DecodeFinishReply;
using redis_detail::DecodeTakeReply;
using redis_detail::TakeReply;

// RESP, the protocol's bytes, so each reply below reads as what the server would send.
std::string Bulk(std::string_view text) {
  return "$" + std::to_string(text.size()) + "\r\n" + std::string(text) + "\r\n";
}
std::string Int(long long value) { return ":" + std::to_string(value) + "\r\n"; }
std::string Array(const std::vector<std::string>& elements) {
  std::string resp = "*" + std::to_string(elements.size()) + "\r\n";
  for (const std::string& element : elements) resp += element;
  return resp;
}
constexpr char kNil[] = "$-1\r\n";

Reply Parse(const std::string& resp) {
  Expected<Reply> reply = ParseReply(resp);
  EXPECT_TRUE(reply) << reply.error().Describe();
  return reply ? std::move(*reply) : Reply{};
}

Expected<TakeReply> DecodeTake(const std::string& resp) {
  Reply reply = Parse(resp);
  if (!reply) return std::unexpected(Error::Internal("unparsable test reply"));
  return DecodeTakeReply(ReplyView(reply, "the take script"), "token-1");
}

DialerJob MakeJob() {
  DialerJob job;
  job.job_id = JobId{"j1"};
  job.tenant_id = TenantId{"t"};
  job.campaign_id = CampaignId{"c"};
  job.lead_id = LeadId{"lead-1"};
  job.phone_number = "+14155550100";
  job.created_at = job.scheduled_at = std::chrono::sys_days{std::chrono::year{2026} / 11 / 21};
  return job;
}

const std::string kJobBody = EncodeJobBody(MakeJob());

TEST(TakeReplyDecoding, ReadsTheJobsTheirLeasesAndTheStatus) {
  Expected<TakeReply> decoded =
      DecodeTake(Array({Bulk("ok"), Int(1), Bulk("j1"), Bulk(kJobBody), Bulk("1795219200000000")}));
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  EXPECT_EQ(decoded->status, TakeReply::Status::kOk);
  ASSERT_EQ(decoded->taken.size(), 1u);
  DialerJob expected = MakeJob();
  expected.status = JobStatus::kProcessing;
  EXPECT_EQ(decoded->taken[0].job, expected);
  EXPECT_EQ(decoded->taken[0].lease,
            (Lease{JobId{"j1"}, "token-1", Instant(std::chrono::microseconds(1795219200000000))}));
  EXPECT_TRUE(decoded->ring_head.empty());
}

TEST(TakeReplyDecoding, StaleCarriesTheRingHeadAfterTheJobs) {
  Expected<TakeReply> decoded =
      DecodeTake(Array({Bulk("stale"), Int(1), Bulk("j1"), Bulk(kJobBody), Bulk("5"),
                        Array({Bulk("t2"), Bulk("t3")}), Int(4)}));
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  EXPECT_EQ(decoded->status, TakeReply::Status::kStale);
  EXPECT_EQ(decoded->taken.size(), 1u);
  EXPECT_EQ(decoded->ring_head, (std::vector<std::string>{"t2", "t3"}));
  EXPECT_EQ(decoded->tenants_looked_at, 4);

  decoded = DecodeTake(Array({Bulk("maintain"), Int(0)}));
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  EXPECT_EQ(decoded->status, TakeReply::Status::kMaintain);
}

struct MalformedCase {
  const char* name;
  std::string resp;
  const char* message;  // a part of the error's message
};

// A row per malformed reply: what came, and what the error must say.
const MalformedCase kMalformed[] = {
    {"integer_not_array", Int(1), "an integer where an array was expected in the take script"},
    {"nil_not_array", kNil, "nil where an array was expected"},
    {"error_reply", "-ERR something broke\r\n", "an error where an array was expected"},
    {"empty_array", Array({}), "array of 0 elements where element 1 was expected"},
    {"status_not_string", Array({Int(1), Int(0)}), "an integer where a string was expected"},
    {"unknown_status", Array({Bulk("done"), Int(0)}), "unknown status 'done'"},
    {"count_not_integer", Array({Bulk("ok"), Bulk("1")}), "a string where an integer was"},
    {"negative_count", Array({Bulk("ok"), Int(-1)}), "-1 jobs"},
    {"fewer_elements_than_count",
     Array({Bulk("ok"), Int(2), Bulk("j1"), Bulk(kJobBody), Bulk("5")}),
     "5 elements for 2 jobs with status 'ok', where 8 were expected"},
    {"more_elements_than_count", Array({Bulk("ok"), Int(0), Bulk("j1")}),
     "3 elements for 0 jobs with status 'ok', where 2 were expected"},
    {"stale_without_ring_head", Array({Bulk("stale"), Int(0)}),
     "2 elements for 0 jobs with status 'stale', where 4 were expected"},
    {"ring_head_not_array", Array({Bulk("stale"), Int(0), Bulk("t2"), Int(0)}),
     "a string where an array was expected"},
    {"looked_at_not_integer", Array({Bulk("stale"), Int(0), Array({}), Bulk("2")}),
     "a string where an integer was expected"},
    {"looked_at_negative", Array({Bulk("stale"), Int(0), Array({}), Int(-1)}),
     "-1 tenants looked at"},
    {"id_not_string", Array({Bulk("ok"), Int(1), Int(7), Bulk(kJobBody), Bulk("5")}),
     "an integer where a string was expected"},
    {"expiry_not_number", Array({Bulk("ok"), Int(1), Bulk("j1"), Bulk(kJobBody), Bulk("soon")}),
     "'soon' where a number was expected"},
    {"body_not_a_job", Array({Bulk("ok"), Int(1), Bulk("j1"), Bulk("{}"), Bulk("5")}),
     "job 'j1' in redis is unreadable"},
};

class MalformedTakeReply : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedTakeReply, IsAClearInternalError) {
  const MalformedCase& c = GetParam();
  Expected<TakeReply> decoded = DecodeTake(c.resp);
  ASSERT_FALSE(decoded) << "decoded a malformed reply";
  EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
  EXPECT_NE(decoded.error().message.find(c.message), std::string::npos) << decoded.error().message;
}

INSTANTIATE_TEST_SUITE_P(TakeReplyDecoding, MalformedTakeReply, ::testing::ValuesIn(kMalformed),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(FinishReplyDecoding, ReadsOneAnswerPerLease) {
  Reply reply = Parse(Array({Int(1), Int(0), Int(1)}));
  Expected<std::vector<bool>> decoded = DecodeFinishReply(ReplyView(reply, "the finish script"), 3);
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  EXPECT_EQ(*decoded, (std::vector<bool>{true, false, true}));
}

TEST(FinishReplyDecoding, MalformedRepliesAreClearErrors) {
  const std::pair<std::string, const char*> cases[] = {
      {Array({Int(1)}), "1 answers for 2 leases"},
      {Array({Int(1), Int(2)}), "answer 2 for a lease"},
      {Array({Int(1), Bulk("1")}), "a string where an integer was expected"},
      {Int(1), "an integer where an array was expected"},
  };
  for (const auto& [resp, message] : cases) {
    Reply reply = Parse(resp);
    ASSERT_TRUE(reply);
    Expected<std::vector<bool>> decoded =
        DecodeFinishReply(ReplyView(reply, "the finish script"), 2);
    ASSERT_FALSE(decoded) << resp;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
    EXPECT_NE(decoded.error().message.find(message), std::string::npos) << decoded.error().message;
  }
}

TEST(DueCandidatesDecoding, ReadsIdAndTenantPairs) {
  Reply reply =
      Parse(Array({Bulk("j1"), Bulk(R"(["t1","c1",5])"), Bulk("j2"), Bulk(R"(["t2","c2",9])")}));
  Expected<std::vector<redis_detail::DueCandidate>> decoded =
      DecodeDueCandidates(ReplyView(reply, "the due candidates script"));
  ASSERT_TRUE(decoded) << decoded.error().Describe();
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[1].job_id, "j2");
  EXPECT_EQ((*decoded)[1].tenant, "t2");
}

TEST(DueCandidatesDecoding, MalformedRepliesAreClearErrors) {
  const std::pair<std::string, const char*> cases[] = {
      {Array({Bulk("j1")}), "1 elements, not id/meta pairs"},
      {Array({Bulk("j1"), Bulk("")}), "job without metadata in redis: j1"},
      {Array({Bulk("j1"), kNil}), "nil where a string was expected"},
      {Int(3), "an integer where an array was expected"},
  };
  for (const auto& [resp, message] : cases) {
    Reply reply = Parse(resp);
    ASSERT_TRUE(reply);
    Expected<std::vector<redis_detail::DueCandidate>> decoded =
        DecodeDueCandidates(ReplyView(reply, "the due candidates script"));
    ASSERT_FALSE(decoded) << resp;
    EXPECT_EQ(decoded.error().code, ErrorCode::kInternal);
    EXPECT_NE(decoded.error().message.find(message), std::string::npos) << decoded.error().message;
  }
}

TEST(ReplyParsing, IncompleteBytesAreRefused) {
  EXPECT_FALSE(ParseReply("*2\r\n:1\r\n"));
  EXPECT_FALSE(ParseReply("?"));
}

}  // namespace
}  // namespace talky::testing
