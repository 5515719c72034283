// Group commit must not acknowledge what is not durable: `talky serve` is killed with SIGKILL in
// the middle of a stream of signed Vonage webhooks from many connections at once, and every event
// it answered 200 is then in the store (an event is answered only after the commit of the group
// that holds it).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/clock.h"
#include "harness/scratch_store.h"
#include "net/http_client.h"
#include "talky_processes.h"
#include "telephony/vonage/vonage_jwt.h"

namespace talky {
namespace {

using namespace std::chrono;

constexpr int kCalls = 3000;
constexpr int kSenders = 12;
constexpr char kSecret[] = "kill-test-signature-secret";

std::string RingingEvent(int n) {
  const std::string id = std::to_string(n);
  return R"({"from":"442070000000","to":"442071000000","uuid":"kill-)" + id +
         R"(","conversation_uuid":"CON-kill-)" + id +
         R"(","status":"ringing","direction":"outbound","timestamp":"2026-11-21T12:00:00.000Z"})";
}

TEST(WebhookKill, EveryEventAnswered200IsInTheStoreAfterSigkill) {
  SystemClock clock;
  RandomIdGenerator ids(11);
  auto db = testing::ScratchStore::Create("webhook-kill", clock, ids);
  ASSERT_TRUE(db) << db.error().Describe();
  Store& store = (*db)->store();
  const TenantId tenant{"t1"};
  const CampaignId campaign{"c1"};
  ASSERT_TRUE(store.CreateTenant({.id = tenant, .name = "Acme", .api_key_hash = "hash-t1"}));
  ASSERT_TRUE(store.CreateCampaign({.id = campaign,
                                    .tenant_id = tenant,
                                    .name = "Reminders",
                                    .system_prompt = "-",
                                    .voice_id = "-",
                                    .created_at = clock.Now()}));
  std::vector<Lead> leads;
  for (int i = 0; i < kCalls; ++i) {
    leads.push_back({.phone_number = "+44207" + std::to_string(1'000'000 + i)});
  }
  ASSERT_TRUE(store.ImportLeads(tenant, campaign, leads));
  Expected<std::vector<DialerJob>> jobs = store.CreateCampaignJobs(tenant, campaign, clock.Now());
  ASSERT_TRUE(jobs && jobs->size() == kCalls);
  std::vector<CallRecord> calls;
  for (int i = 0; i < kCalls; ++i) {
    const DialerJob& job = (*jobs)[static_cast<std::size_t>(i)];
    calls.push_back({.id = CallId{"call-" + std::to_string(i)},
                     .tenant_id = tenant,
                     .job_id = job.job_id,
                     .provider_call_id = "kill-" + std::to_string(i),
                     .to_number = job.phone_number,
                     .created_at = clock.Now()});
  }
  Expected<std::vector<Expected<void>>> recorded = store.RecordCalls(calls);
  ASSERT_TRUE(recorded);

  auto serve = testing::StartTalky(
      {"serve", "--listen", "127.0.0.1:0", "--database-url", (*db)->url(), "--admin-key", "admin",
       "--vonage-signature-secret", kSecret, "--threads", "8"},
      (*db)->dir());
  const std::optional<int> port = testing::WaitForListeningPort(*serve, seconds(60));
  ASSERT_TRUE(port) << serve->output();
  const std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/webhooks/vonage/event";

  // Each sender posts its own calls' events, one after another, until the server is gone.
  std::mutex mutex;
  std::set<int> answered_ok;
  std::atomic<int> sent{0};
  std::vector<std::jthread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      HttpClient client;
      for (int n = s; n < kCalls; n += kSenders) {
        const std::string body = RingingEvent(n);
        Expected<HttpClientResponse> response = client.Send(
            {.method = "POST",
             .url = url,
             .headers = {{"Content-Type", "application/json"},
                         {"Authorization", SignVonageWebhook(body, kSecret, SystemClock().Now(),
                                                             "kill-jti-" + std::to_string(n))}},
             .body = body});
        if (!response) return;  // the server is gone
        sent.fetch_add(1);
        if (response->status == 200) {
          std::lock_guard lock(mutex);
          answered_ok.insert(n);
        }
      }
    });
  }
  // Killed while the stream runs: well after it started, well before it could end.
  const auto deadline = steady_clock::now() + seconds(30);
  while (sent.load() < kCalls / 4 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_TRUE(serve->Signal(SIGKILL));
  senders.clear();
  ASSERT_TRUE(serve->WaitForExit(seconds(10)));

  ASSERT_GE(answered_ok.size(), static_cast<std::size_t>(kCalls / 4));
  EXPECT_LT(answered_ok.size(), static_cast<std::size_t>(kCalls)) << "the kill came too late";
  int missing = 0;
  for (int n : answered_ok) {
    Expected<std::vector<CallEvent>> events =
        store.ListCallEvents(tenant, CallId{"call-" + std::to_string(n)});
    ASSERT_TRUE(events) << events.error().Describe();
    if (events->size() != 1) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << answered_ok.size() << " events answered 200";
}

}  // namespace
}  // namespace talky
