// The `sip` provider as the dialer uses it: SipTelephony against sipp on loopback (the trunk and
// the callee) and a scripted media WebSocket (talky serve's /media). Each final response is one
// completed event with the table's outcome; an answered call's audio reaches the media socket and
// the agent's hang-up there ends the SIP call with BYE; a media socket that refuses the call ends
// it failed; an unreachable trunk is an error of Originate and reports nothing.
#include "telephony/sip/sip_telephony.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <numbers>
#include <thread>

#include "domain/clock.h"
#include "net/scripted_websocket_server.h"
#include "telephony/sip/sipp_callee.h"
#include "voice/audio.h"
#include "voice/goertzel.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using testing::ReceivedWebSocketMessage;
using testing::WebSocketPeer;
using testing::WebSocketScript;

// The dialer's side: every event, in order.
class RecordingSink final : public CallEventSink {
 public:
  void OnCallEvent(const CallEvent& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
    changed_.notify_all();
  }
  // The call's first completed event, waiting up to `bound`.
  std::optional<CallEvent> WaitForCompleted(const std::string& call_id, milliseconds bound = 10s) {
    std::unique_lock lock(mutex_);
    std::optional<CallEvent> found;
    changed_.wait_for(lock, bound, [&] {
      for (const CallEvent& event : events_) {
        if (event.call_id.value == call_id && event.status == CallStatus::kCompleted) {
          found = event;
        }
      }
      return found.has_value();
    });
    return found;
  }
  std::vector<CallEvent> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  int Count(const std::string& call_id, CallStatus status) {
    std::lock_guard lock(mutex_);
    return static_cast<int>(std::count_if(events_.begin(), events_.end(), [&](const CallEvent& e) {
      return e.call_id.value == call_id && e.status == status;
    }));
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<CallEvent> events_;
};

class SipTelephonyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::ProgramInstalled("sipp")) << "scripts/install-deps.sh installs sip-tester";
    sip_port_ = testing::FreeSipPort();
    events_thread_ = std::thread([this] { events_.run(); });
    media_thread_ = std::thread([this] { media_.run(); });
  }

  void TearDown() override {
    provider_.reset();  // hangs up what is left
    media_server_.reset();
    events_work_.reset();
    media_work_.reset();
    events_thread_.join();
    media_.stop();
    media_thread_.join();
    sipp_.reset();
  }

  void StartSipp(const std::string& scenario, const std::vector<std::string>& extra = {}) {
    sipp_ = std::make_unique<testing::SippCallee>(scenario, "udp", sip_port_, extra);
    ASSERT_TRUE(sipp_->ready()) << sipp_->Log();
  }

  // The provider; its media socket is `script`'s server (none: a port nothing listens on).
  void StartProvider(std::function<WebSocketScript(int)> script = {}) {
    int media_port = testing::FreeSipPort();
    if (script) {
      media_server_ = testing::ServeByConnection(std::move(script));
      const std::string url = media_server_->Url("/media");
      media_port = std::stoi(url.substr(url.rfind(':') + 1));
    }
    SipTelephonyOptions options;
    options.agent.trunk_uri = "sip:127.0.0.1:" + std::to_string(sip_port_);
    options.agent.caller_id = "+12125550100";
    options.media = {.host = "127.0.0.1", .port = media_port};
    auto provider = SipTelephony::Start(options, events_, media_, clock_, sink_);
    ASSERT_TRUE(provider) << provider.error().Describe();
    provider_ = std::move(*provider);
  }

  Expected<std::string> Call(const std::string& id = "call-1") {
    return provider_->Originate({.call_id = CallId{id}, .to = "+12125550123", .from = ""});
  }

  void ExpectSippCompleted() {
    const std::optional<int> code = sipp_->Wait();
    ASSERT_TRUE(code) << sipp_->Log();
    EXPECT_EQ(*code, 0) << sipp_->Log();
  }

  int sip_port_ = 0;
  SystemClock clock_;
  RecordingSink sink_;
  boost::asio::io_context events_;
  boost::asio::io_context media_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> events_work_{
      events_.get_executor()};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> media_work_{
      media_.get_executor()};
  std::thread events_thread_;
  std::thread media_thread_;
  std::unique_ptr<testing::SippCallee> sipp_;
  std::unique_ptr<testing::ScriptedWebSocketServer> media_server_;
  std::unique_ptr<SipTelephony> provider_;
};

TEST_F(SipTelephonyTest, AFinalResponseIsOneCompletedEventWithTheTablesOutcome) {
  const std::vector<std::pair<int, CallOutcome>> rows = {
      {486, CallOutcome::kBusy},         {480, CallOutcome::kNoAnswer},
      {404, CallOutcome::kInvalid},      {603, CallOutcome::kRejected},
      {410, CallOutcome::kDisconnected}, {503, CallOutcome::kFailed}};
  for (const auto& [code, outcome] : rows) {
    SCOPED_TRACE(code);
    ASSERT_NO_FATAL_FAILURE(StartSipp("uas_final_" + std::to_string(code) + ".xml"));
    ASSERT_NO_FATAL_FAILURE(StartProvider());
    const std::string call = "call-" + std::to_string(code);
    Expected<std::string> placed = Call(call);
    ASSERT_TRUE(placed) << placed.error().Describe();
    const std::optional<CallEvent> completed = sink_.WaitForCompleted(call);
    ASSERT_TRUE(completed) << sipp_->Log();
    EXPECT_EQ(completed->outcome, outcome);
    EXPECT_EQ(completed->provider_call_id, *placed);
    EXPECT_EQ(completed->payload["sip_status"], code);
    ExpectSippCompleted();
    provider_.reset();  // stops the agent: nothing more can come after this
    EXPECT_EQ(sink_.Count(call, CallStatus::kCompleted), 1);
    EXPECT_EQ(sink_.Count(call, CallStatus::kRinging), 1);  // its 180
  }
}

TEST_F(SipTelephonyTest, AnAnsweredCallTalksToTheMediaSocketAndTheAgentsHangupSendsBye) {
  const int rtp_port = testing::FreeSipPort();
  ASSERT_NO_FATAL_FAILURE(
      StartSipp("uas_answer_echo_media.xml", {"-rtp_echo", "-mp", std::to_string(rtp_port)}));
  // The agent says 600 Hz for 1 s (sipp echoes it back to us), then hangs up once 80 frames of
  // the caller's audio have come up. (The server reads one message at a time: its script must
  // not sleep.)
  ASSERT_NO_FATAL_FAILURE(StartProvider([](int) {
    auto frames_up = std::make_shared<int>(0);
    return WebSocketScript{
        .on_open = {},
        .on_message = [frames_up](WebSocketPeer& peer, const ReceivedWebSocketMessage& m) {
          if (m.binary && ++*frames_up == 80) peer.Close(1000, "the agent hung up");
          if (m.binary || m.bytes.find("websocket:connected") == std::string::npos) return;
          Samples frame(SamplesPerFrame(kWidebandRate));
          for (int n = 0; n < 50; ++n) {
            for (std::size_t i = 0; i < frame.size(); ++i) {
              const double t = double(std::size_t(n) * frame.size() + i) / kWidebandRate;
              frame[i] = static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * 600 * t));
            }
            std::string bytes(frame.size() * 2, '\0');
            std::memcpy(bytes.data(), frame.data(), bytes.size());
            peer.SendBinary(bytes);
          }
        }};
  }));
  Expected<std::string> placed = Call("call-7");
  ASSERT_TRUE(placed) << placed.error().Describe();
  const std::optional<CallEvent> completed = sink_.WaitForCompleted("call-7");
  ASSERT_TRUE(completed) << sipp_->Log();
  EXPECT_EQ(completed->outcome, CallOutcome::kGoalNotAchieved);  // our BYE after the answer
  EXPECT_EQ(completed->payload["end_cause"], "local_hangup");
  ExpectSippCompleted();  // it got the BYE
  EXPECT_EQ(sink_.Count("call-7", CallStatus::kAnswered), 1);
  EXPECT_EQ(sink_.Count("call-7", CallStatus::kCompleted), 1);

  const std::vector<ReceivedWebSocketMessage> messages = media_server_->messages();
  ASSERT_FALSE(messages.empty());
  const nlohmann::json connected = nlohmann::json::parse(messages.front().bytes);
  EXPECT_EQ(connected["call_id"], "call-7");
  EXPECT_EQ(connected["content-type"], "audio/l16;rate=16000");
  // The agent's tone came back up through RTP and sipp's echo, at 16 kHz.
  Samples up;
  for (const ReceivedWebSocketMessage& message : messages) {
    if (!message.binary) continue;
    EXPECT_EQ(message.bytes.size(), 640u);
    const std::size_t at = up.size();
    up.resize(at + message.bytes.size() / 2);
    std::memcpy(up.data() + at, message.bytes.data(), message.bytes.size());
  }
  std::size_t tone_frames = 0;
  const std::size_t frame = SamplesPerFrame(kWidebandRate);
  for (std::size_t at = 0; at + frame <= up.size(); at += frame) {
    const double amplitude =
        2 * std::sqrt(GoertzelPower(std::span(up).subspan(at, frame), kWidebandRate, 600)) /
        double(frame);
    if (amplitude > 4000) ++tone_frames;
  }
  EXPECT_GE(tone_frames, 40u) << up.size() / frame << " frames came up";  // of the 50 sent
}

TEST_F(SipTelephonyTest, AMediaSocketThatRefusesTheCallEndsItFailed) {
  ASSERT_NO_FATAL_FAILURE(StartSipp("uas_answer_echo_media.xml"));
  ASSERT_NO_FATAL_FAILURE(StartProvider(
      [](int) { return WebSocketScript{.refuse_status = 503, .refuse_body = "overloaded"}; }));
  ASSERT_TRUE(Call());
  const std::optional<CallEvent> completed = sink_.WaitForCompleted("call-1");
  ASSERT_TRUE(completed) << sipp_->Log();
  EXPECT_EQ(completed->outcome, CallOutcome::kFailed);
  EXPECT_NE(completed->payload["detail"].get<std::string>().find("could not take the call"),
            std::string::npos)
      << completed->payload.dump();
  ExpectSippCompleted();  // hung up with BYE, not left silent
}

TEST_F(SipTelephonyTest, AnUnreachableTrunkIsAnErrorOfOriginateAndReportsNothing) {
  ASSERT_NO_FATAL_FAILURE(StartProvider());  // no sipp: nothing answers within the first bound
  Expected<std::string> placed = Call();
  ASSERT_FALSE(placed);
  EXPECT_EQ(placed.error().code, ErrorCode::kUnavailable);
  provider_.reset();
  EXPECT_TRUE(sink_.events().empty());
}

}  // namespace
}  // namespace talky
