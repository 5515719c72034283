// The distributed mode's live sessions: two servers on one database and one Redis, as two
// `talky serve` processes would be. A call talks through the first one's /media; the second one,
// which never saw its audio, answers GET /v1/calls/{id}/session while the call lasts.
#include <gtest/gtest.h>

#include "app/talky_server.h"
#include "harness/scratch_store.h"
#include "http/api/api_auth.h"
#include "net/http_client.h"
#include "queue/local/local_job_queue.h"
#include "redis/redis_connection.h"
#include "simulated_callee.h"
#include "speech_fixtures.h"
#include "voice/redis_call_session_store.h"

namespace talky {
namespace {

using namespace std::chrono;
using testing::SimulatedCallee;

class MediaSessionsInRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis) << redis.error().Describe();
    redis_ = std::move(*redis);
    auto scratch = testing::ScratchStore::Create("media-redis", clock_, ids_);
    ASSERT_TRUE(scratch) << scratch.error().Describe();
    scratch_ = std::move(*scratch);
    auto other_store = scratch_->OpenAnother(clock_, ids_);
    ASSERT_TRUE(other_store) << other_store.error().Describe();
    other_store_ = std::move(*other_store);

    Store& store = scratch_->store();
    ASSERT_TRUE(store.CreateTenant(
        {.id = tenant_, .name = "Acme Dental", .api_key_hash = HashApiKey("key-t1")}));
    ASSERT_TRUE(store.CreateTenant(
        {.id = TenantId{"t2"}, .name = "Other", .api_key_hash = HashApiKey("key-t2")}));
    ASSERT_TRUE(store.CreateCampaign({.id = campaign_,
                                      .tenant_id = tenant_,
                                      .name = "Reminders",
                                      .voice_id = "en-us",
                                      .created_at = clock_.Now()}));
    ASSERT_TRUE(store.ImportLeads(
        tenant_, campaign_,
        std::vector<Lead>{{.phone_number = "+12125550001", .first_name = "Ada"}}));
    Expected<std::vector<DialerJob>> jobs =
        store.CreateCampaignJobs(tenant_, campaign_, clock_.Now());
    ASSERT_TRUE(jobs && jobs->size() == 1);
    ASSERT_TRUE(store.RecordCall({.id = call_,
                                  .tenant_id = tenant_,
                                  .campaign_id = campaign_,
                                  .lead_id = jobs->front().lead_id,
                                  .job_id = jobs->front().job_id,
                                  .provider_call_id = "vonage-1",
                                  .to_number = "+12125550001",
                                  .created_at = clock_.Now()}));

    const TalkyServerOptions options{.admin_key = "admin", .sessions_redis_url = redis_->url()};
    media_server_ = std::make_unique<TalkyServer>(store, queue_, clock_, ids_, options);
    api_server_ = std::make_unique<TalkyServer>(*other_store_, queue_, clock_, ids_, options);
    Expected<int> media_port = media_server_->Start();
    ASSERT_TRUE(media_port) << media_port.error().Describe();
    media_port_ = *media_port;
    Expected<int> api_port = api_server_->Start();
    ASSERT_TRUE(api_port) << api_port.error().Describe();
    api_port_ = *api_port;
  }

  void TearDown() override {
    if (media_server_) media_server_->Stop();
    if (api_server_) api_server_->Stop();
  }

  // GET /v1/calls/{id}/session from the server that does not carry the call.
  nlohmann::json SessionFromTheOtherServer(const CallId& call, const std::string& key = "key-t1") {
    Expected<HttpClientResponse> response =
        client_.Send({.url = "http://127.0.0.1:" + std::to_string(api_port_) + "/v1/calls/" +
                             call.value + "/session",
                      .headers = {{"Authorization", "Bearer " + key}}});
    EXPECT_TRUE(response);
    if (!response) return {};
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    body["http_status"] = response->status;
    return body;
  }

  ManualClock clock_{sys_days{2026y / 12 / 2} + 15h};
  RandomIdGenerator ids_{17};
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::ScratchStore> scratch_;
  std::unique_ptr<Store> other_store_;
  LocalJobQueue queue_{clock_};
  const TenantId tenant_{"t1"};
  const CampaignId campaign_{"c1"};
  const CallId call_{"call-1"};
  std::unique_ptr<TalkyServer> media_server_;
  std::unique_ptr<TalkyServer> api_server_;
  int media_port_ = 0;
  int api_port_ = 0;
  HttpClient client_;
};

TEST_F(MediaSessionsInRedisTest, AnotherServerReadsTheLiveSessionWhileTheCallLasts) {
  EXPECT_EQ(SessionFromTheOtherServer(call_)["http_status"], 404);  // not answered yet

  auto callee = SimulatedCallee::Connect({.port = media_port_, .call_id = call_.value});
  ASSERT_TRUE(callee) << callee.error().Describe();
  // The greeting is under way: the session says so on the other server.
  ASSERT_TRUE((*callee)->WaitFor([](const auto& heard) { return heard.arrivals.size() > 25; },
                                 seconds(20)));
  nlohmann::json session = SessionFromTheOtherServer(call_);
  ASSERT_EQ(session["http_status"], 200) << session.dump();
  EXPECT_EQ(session["call_id"], call_.value);
  EXPECT_EQ(session["tenant_id"], tenant_.value);
  EXPECT_EQ(session["sample_rate"], kWidebandRate);
  EXPECT_NE(session["state"], "ended");
  EXPECT_EQ(SessionFromTheOtherServer(call_, "key-t2")["http_status"], 404);  // another tenant's

  // The callee answers; the other server sees the caller's turn once the agent has heard it.
  (*callee)->Say(testing::SpeakWithCommandLine("yes", "en-gb", 140, kWidebandRate));
  const auto deadline = steady_clock::now() + seconds(30);
  bool heard_yes = false;
  while (!heard_yes && steady_clock::now() < deadline) {
    session = SessionFromTheOtherServer(call_);
    for (const auto& message : session.value("conversation_history", nlohmann::json::array())) {
      heard_yes |= message["role"] == "user" && message["content"] == "yes";
    }
    if (!heard_yes) std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_TRUE(heard_yes) << session.dump();

  // The stored copy expires on its own (the spec's stale time), so a dead process leaves no
  // session claiming to be live.
  auto address = redis::ParseRedisUrl(redis_->url());
  ASSERT_TRUE(address);
  auto connection = redis::Connection::Open(*address, milliseconds(1000), milliseconds(1000));
  ASSERT_TRUE(connection) << connection.error().Describe();
  auto ttl = (*connection)->Run({"TTL", "talky:session:" + call_.value});
  ASSERT_TRUE(ttl);
  const Expected<std::int64_t> seconds_left = redis::ReplyView(*ttl, "TTL").Integer();
  ASSERT_TRUE(seconds_left);
  EXPECT_GT(*seconds_left, 0);
  EXPECT_LE(*seconds_left, 300);
}

TEST(RedisCallSessionStore, KeepsSessionsAndSaysWhenRedisIsGone) {
  EXPECT_EQ(RedisCallSessionStore::Open("http://127.0.0.1:1").error().code,
            ErrorCode::kInvalidArgument);
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis) << redis.error().Describe();
  auto store = RedisCallSessionStore::Open((*redis)->url(), "test:");
  ASSERT_TRUE(store) << store.error().Describe();
  CallSession session{.call_id = CallId{"call-9"},
                      .campaign_id = CampaignId{"c1"},
                      .lead_id = LeadId{"l1"},
                      .tenant_id = TenantId{"t1"},
                      .sample_rate = kNarrowbandRate};
  session.dtmf_digits = "12";
  ASSERT_TRUE((*store)->Save(session, seconds(30)));
  Expected<CallSession> read = (*store)->Get(session.call_id);
  ASSERT_TRUE(read) << read.error().Describe();
  EXPECT_EQ(ToJson(*read), ToJson(session));
  EXPECT_EQ((*store)->Get(CallId{"call-10"}).error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*store)->Save(session, seconds(0)).error().code, ErrorCode::kInvalidArgument);

  (*redis)->Stop();
  EXPECT_EQ((*store)->Get(session.call_id).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ((*store)->Save(session, seconds(30)).error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace talky
