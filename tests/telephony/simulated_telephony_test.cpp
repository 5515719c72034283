#include "telephony/simulated/simulated_telephony.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <condition_variable>
#include <thread>

namespace talky {
namespace {

using namespace std::chrono;
using O = CallOutcome;
using enum CallStatus;

// Collects events; tests wait on a condition with a generous bound, never on a fixed sleep.
class WaitableEventSink final : public CallEventSink {
 public:
  void OnCallEvent(const CallEvent& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    if (event.status == kCompleted) ++completed_;
    changed_.notify_all();
  }

  // `condition` sees the events so far, under the sink's lock.
  bool WaitFor(const std::function<bool(const std::vector<CallEvent>&)>& condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return condition(events_); });
  }
  bool WaitForCompleted(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return completed_ >= count; });
  }
  std::vector<CallEvent> EventsOf(const std::string& call_id) {
    std::lock_guard lock(mutex_);
    std::vector<CallEvent> of;
    for (const CallEvent& event : events_) {
      if (event.call_id.value == call_id) of.push_back(event);
    }
    return of;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<CallEvent> events_;
  size_t completed_ = 0;
};

class SimulatedTelephonyTest : public ::testing::Test {
 protected:
  void Start(SimulatedTelephonyOptions options) {
    provider_ = std::make_unique<SimulatedTelephony>(io_, clock_, sink_, options);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string Call(const std::string& id, const std::string& to, int attempt = 1) {
    Expected<std::string> provider_id = provider_->Originate(
        {.call_id = CallId{id}, .to = to, .from = "+14155550100", .attempt_number = attempt});
    EXPECT_TRUE(provider_id) << provider_id.error().message;
    return provider_id.value_or("");
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  ManualClock clock_{sys_days{2026y / 11 / 21} + 15h};
  WaitableEventSink sink_;
  std::unique_ptr<SimulatedTelephony> provider_;
  std::thread thread_;
};

TEST_F(SimulatedTelephonyTest, PlaysEachTestNumbersScript) {
  Start({.timing = {.ring_time = 0ms, .talk_time = 0ms}, .speed = 1000});
  struct Case {
    const char* number;
    std::vector<CallStatus> statuses;
    CallOutcome outcome;
  };
  const Case cases[] = {
      {"+12125550200", {kStarted, kRinging, kAnswered, kCompleted}, O::kGoalAchieved},
      {"+12125550204", {kStarted, kRinging, kAnswered, kCompleted}, O::kGoalNotAchieved},
      {"+12125550555", {kStarted, kRinging, kAnswered, kCompleted}, O::kVoicemail},
      {"+12125550480", {kStarted, kRinging, kCompleted}, O::kNoAnswer},
      {"+12125550603", {kStarted, kRinging, kCompleted}, O::kRejected},
      {"+12125550486", {kStarted, kCompleted}, O::kBusy},
      {"+12125550404", {kStarted, kCompleted}, O::kInvalid},
      {"+12125550410", {kStarted, kCompleted}, O::kDisconnected},
      {"+12125550503", {kStarted, kCompleted}, O::kFailed},
  };
  for (const Case& c : cases) Call(c.number, c.number);
  ASSERT_TRUE(sink_.WaitForCompleted(std::size(cases)));
  for (const Case& c : cases) {
    const std::vector<CallEvent> events = sink_.EventsOf(c.number);
    std::vector<CallStatus> statuses;
    for (const CallEvent& event : events) statuses.push_back(event.status);
    EXPECT_EQ(statuses, c.statuses) << c.number;
    EXPECT_EQ(events.back().outcome, c.outcome) << c.number;
    EXPECT_TRUE(events.front().provider_call_id.starts_with("sim-"));
    EXPECT_EQ(events.back().occurred_at, clock_.Now());
  }
  EXPECT_EQ(provider_->InFlight(), 0u);
}

TEST_F(SimulatedTelephonyTest, RetriesOf48NNumbersAnswerAfterNBusyAttempts) {
  Start({.timing = {.ring_time = 0ms, .talk_time = 0ms}, .speed = 1000});
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Call("attempt-" + std::to_string(attempt), "+12125550482", attempt);
  }
  ASSERT_TRUE(sink_.WaitForCompleted(3));
  EXPECT_EQ(sink_.EventsOf("attempt-1").back().outcome, O::kBusy);
  EXPECT_EQ(sink_.EventsOf("attempt-2").back().outcome, O::kBusy);
  EXPECT_EQ(sink_.EventsOf("attempt-3").back().outcome, O::kGoalAchieved);
}

TEST_F(SimulatedTelephonyTest, HangupEndsTheCall) {
  Start({.timing = {.ring_time = 0ms, .talk_time = 3600s}});
  const std::string answered = Call("answered", "+12125550200");
  ASSERT_TRUE(sink_.WaitFor([](const std::vector<CallEvent>& events) {
    return !events.empty() && events.back().status == kAnswered;
  }));
  ASSERT_TRUE(provider_->Hangup(answered));
  ASSERT_TRUE(sink_.WaitForCompleted(1));
  EXPECT_EQ(sink_.EventsOf("answered").back().outcome, O::kGoalNotAchieved);
  EXPECT_EQ(provider_->Hangup(answered).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(provider_->Hangup("sim-unknown").error().code, ErrorCode::kNotFound);
}

TEST_F(SimulatedTelephonyTest, TenThousandCallsInFlightAtOnce) {
  // Every call rings (no scripted suffix, a mix of ring-outs only): a call that fails without
  // ringing ends after the 200 ms setup time, which a slow (ASan) loop of 10,000 originations
  // outlasts, so InFlight would depend on the machine's speed.
  Start({.timing = {.ring_time = 3600s, .talk_time = 0ms}, .outcome_mix = {{O::kNoAnswer, 1.0}}});
  std::vector<std::string> ids;
  for (int i = 0; i < 10'000; ++i) {
    const std::string digits = std::to_string(10'000 + i).substr(1);  // 0000..9999
    ids.push_back(Call("call-" + std::to_string(i), "+12125" + digits + "99"));
  }
  EXPECT_EQ(provider_->InFlight(), 10'000u);
  for (const std::string& id : ids) ASSERT_TRUE(provider_->Hangup(id));
  ASSERT_TRUE(sink_.WaitForCompleted(10'000));
  EXPECT_EQ(provider_->InFlight(), 0u);
}

// Several workers in one process each have a provider, and share a store in which provider call
// ids are unique (found by `talky bench dialer`: every provider counted from sim-1).
TEST_F(SimulatedTelephonyTest, ProviderCallIdsAreUniqueAcrossProviders) {
  Start({.timing = {.ring_time = 3600s, .talk_time = 0ms}});
  SimulatedTelephony other(io_, clock_, sink_, {.timing = {.ring_time = 3600s}});
  const std::string first = Call("call-a", "+12125551000");
  Expected<std::string> second =
      other.Originate({.call_id = CallId{"call-b"}, .to = "+12125551001", .from = "+14155550100"});
  ASSERT_TRUE(second);
  EXPECT_NE(first, *second);
  ASSERT_TRUE(provider_->Hangup(first));
  ASSERT_TRUE(other.Hangup(*second));
  ASSERT_TRUE(sink_.WaitForCompleted(2));
}

TEST_F(SimulatedTelephonyTest, RefusesACallWithoutANumber) {
  Start({});
  Expected<std::string> id = provider_->Originate({.call_id = CallId{"x"}, .to = ""});
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().fields.front().field, "to");
}

}  // namespace
}  // namespace talky
