// SipMediaBridge against a scripted WebSocket server playing our /media socket: what goes up is
// Vonage's protocol at 16 kHz (websocket:connected with the call id, 20 ms binary frames, dtmf),
// what comes down reaches RTP at 8 kHz, and clear and notify are answered as Vonage answers them.
// The audio is checked by ear (Goertzel), not by counting bytes.
#include "telephony/sip/sip_media_bridge.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cmath>
#include <cstring>
#include <numbers>
#include <thread>

#include "net/scripted_websocket_server.h"
#include "voice/goertzel.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using testing::ReceivedWebSocketMessage;
using testing::WebSocketPeer;
using testing::WebSocketScript;
using Messages = std::vector<ReceivedWebSocketMessage>;

// A tone's amplitude in `samples` (Goertzel).
double ToneAmplitude(std::span<const std::int16_t> samples, int rate, double hz) {
  return 2 * std::sqrt(GoertzelPower(samples, rate, hz)) / double(samples.size());
}

Samples ToneFrames(int frames, int rate, double hz) {
  Samples tone(SamplesPerFrame(rate) * frames);
  for (std::size_t i = 0; i < tone.size(); ++i) {
    tone[i] =
        static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * hz * double(i) / rate));
  }
  return tone;
}

std::string Bytes(std::span<const std::int16_t> samples) {
  std::string bytes(samples.size_bytes(), '\0');
  std::memcpy(bytes.data(), samples.data(), bytes.size());
  return bytes;
}

Samples SamplesOf(const std::string& bytes) {
  Samples samples(bytes.size() / 2);
  std::memcpy(samples.data(), bytes.data(), samples.size() * 2);
  return samples;
}

bool HasText(const Messages& messages, const std::string& needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const ReceivedWebSocketMessage& m) {
    return !m.binary && m.bytes.find(needle) != std::string::npos;
  });
}

class SipMediaBridgeTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (bridge_) bridge_->Close();
    server_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // Serves with `script` (per connection) and makes the bridge for call "call-7".
  void Start(std::function<WebSocketScript(int)> script) {
    server_ = testing::ServeByConnection(std::move(script));
    const std::string url = server_->Url("/media");  // ws://127.0.0.1:PORT/media
    const int port = std::stoi(url.substr(url.rfind(':') + 1));
    thread_ = std::thread([this] { io_.run(); });
    bridge_ = SipMediaBridge::Create(
        boost::asio::make_strand(io_),
        {.media = {.host = "127.0.0.1", .port = port}, .call_id = CallId{"call-7"}},
        [this](const MediaSocketEnd& end) {
          ++closed_;
          closed_ok_ = end.result.has_value();
        });
    media_ = bridge_->MediaCallbacks();
  }

  // Pulls 20 ms frames as RTP would, until the bridge has none: the agent's 8 kHz audio.
  Samples Drain() {
    Samples heard;
    Samples frame(SamplesPerFrame(kNarrowbandRate));
    while (media_.next_frame(frame)) heard.insert(heard.end(), frame.begin(), frame.end());
    return heard;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
  std::unique_ptr<testing::ScriptedWebSocketServer> server_;
  std::shared_ptr<SipMediaBridge> bridge_;
  RtpMediaCallbacks media_;
  std::atomic<int> closed_{0};
  std::atomic<bool> closed_ok_{false};
};

TEST_F(SipMediaBridgeTest, CallerAudioAndDigitsGoUpAsVonageSendsThem) {
  Start([](int) { return WebSocketScript{}; });
  const Samples caller = ToneFrames(50, kNarrowbandRate, 1000);
  // Before the answer nothing is bridged.
  media_.on_frame(std::span(caller).first(SamplesPerFrame(kNarrowbandRate)));
  bridge_->Connect();
  ASSERT_TRUE(server_->WaitFor([](const Messages& m) { return !m.empty(); }));
  const nlohmann::json connected = nlohmann::json::parse(server_->messages().front().bytes);
  EXPECT_EQ(connected["event"], "websocket:connected");
  EXPECT_EQ(connected["call_id"], "call-7");
  EXPECT_EQ(connected["content-type"], "audio/l16;rate=16000");

  for (std::size_t at = 0; at < caller.size(); at += SamplesPerFrame(kNarrowbandRate)) {
    media_.on_frame(std::span(caller).subspan(at, SamplesPerFrame(kNarrowbandRate)));
  }
  media_.on_dtmf('5', 120ms);
  media_.on_dtmf('A', 120ms);  // no such key on a phone: not passed on
  media_.on_dtmf('#', 80ms);
  ASSERT_TRUE(server_->WaitFor([](const Messages& m) { return HasText(m, "\"#\""); }));
  Samples up;
  std::vector<std::string> digits;
  for (const ReceivedWebSocketMessage& message : server_->messages()) {
    if (message.binary) {
      EXPECT_EQ(message.bytes.size(), 640u);  // 20 ms at 16 kHz, every frame
      const Samples frame = SamplesOf(message.bytes);
      up.insert(up.end(), frame.begin(), frame.end());
    } else if (message.bytes.find("dtmf") != std::string::npos) {
      const nlohmann::json dtmf = nlohmann::json::parse(message.bytes);
      EXPECT_EQ(dtmf["event"], "websocket:dtmf");
      digits.push_back(dtmf["digit"].get<std::string>() + "/" +
                       std::to_string(int(dtmf["duration"])));
    }
  }
  EXPECT_EQ(digits, (std::vector<std::string>{"5/120", "#/80"}));
  // 49 or 50 frames (the resampler holds a few samples back), the tone at its level at 16 kHz.
  EXPECT_GE(up.size(), 49 * SamplesPerFrame(kWidebandRate));
  const auto middle = std::span(up).subspan(up.size() / 4, up.size() / 2);
  EXPECT_NEAR(ToneAmplitude(middle, kWidebandRate, 1000), 8000, 800);
  EXPECT_LT(ToneAmplitude(middle, kWidebandRate, 3000), 200);
}

TEST_F(SipMediaBridgeTest, AgentAudioReachesRtpAndNotifyWaitsUntilItHasGoneOut) {
  Start([](int) {
    return WebSocketScript{
        .on_open = {}, .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& m) {
          if (m.binary || m.bytes.find("websocket:connected") == std::string::npos) return;
          const Samples agent = ToneFrames(25, kWidebandRate, 600);
          for (std::size_t at = 0; at < agent.size(); at += SamplesPerFrame(kWidebandRate)) {
            peer.SendBinary(Bytes(std::span(agent).subspan(at, SamplesPerFrame(kWidebandRate))));
          }
          peer.SendText(R"({"action":"notify","payload":{"mark":"line-1"}})");
        }};
  });
  Samples frame(SamplesPerFrame(kNarrowbandRate));
  EXPECT_FALSE(media_.next_frame(frame));  // nothing yet: comfort silence goes out
  bridge_->Connect();
  // Wait for the audio to arrive (the notify comes after it), without taking any.
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(HasText(server_->messages(), "websocket:notify"));  // nothing has gone out yet
  const Samples heard = Drain();
  EXPECT_GE(heard.size(), 24 * SamplesPerFrame(kNarrowbandRate));
  EXPECT_LE(heard.size(), 25 * SamplesPerFrame(kNarrowbandRate));
  const auto middle = std::span(heard).subspan(heard.size() / 4, heard.size() / 2);
  EXPECT_NEAR(ToneAmplitude(middle, kNarrowbandRate, 600), 8000, 800);
  ASSERT_TRUE(server_->WaitFor([](const Messages& m) {
    return HasText(m, R"({"event":"websocket:notify","payload":{"mark":"line-1"}})");
  }));
}

TEST_F(SipMediaBridgeTest, ClearDropsWhatWaitsAndSaysCleared) {
  Start([](int) {
    return WebSocketScript{
        .on_open = {}, .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& m) {
          if (m.binary || m.bytes.find("websocket:connected") == std::string::npos) return;
          const Samples agent = ToneFrames(50, kWidebandRate, 600);
          for (std::size_t at = 0; at < agent.size(); at += SamplesPerFrame(kWidebandRate)) {
            peer.SendBinary(Bytes(std::span(agent).subspan(at, SamplesPerFrame(kWidebandRate))));
          }
          peer.SendText(R"({"action":"notify","payload":"after-line"})");
          peer.SendText(R"({"action":"clear"})");
        }};
  });
  bridge_->Connect();
  ASSERT_TRUE(server_->WaitFor([](const Messages& m) { return HasText(m, "websocket:cleared"); }));
  Samples frame(SamplesPerFrame(kNarrowbandRate));
  EXPECT_FALSE(media_.next_frame(frame));  // the dropped line never goes out
  // The notify's audio will never play: it is answered, after the cleared.
  ASSERT_TRUE(server_->WaitFor([](const Messages& m) { return HasText(m, "after-line"); }));
}

TEST_F(SipMediaBridgeTest, ARefusedSocketIsTriedAgainThenTheCallGoesOn) {
  Start([](int connection) {
    WebSocketScript script;
    if (connection < 2) {  // the call is not stored yet: unknown call
      script.refuse_status = 404;
      script.refuse_body = "unknown call";
    }
    return script;
  });
  bridge_->Connect();
  ASSERT_TRUE(
      server_->WaitFor([](const Messages& m) { return HasText(m, "websocket:connected"); }));
  EXPECT_EQ(server_->upgrades().size(), 3u);
  EXPECT_EQ(closed_, 0);
}

TEST_F(SipMediaBridgeTest, TheServerClosingIsReportedOnceAndOurCloseIsNot) {
  Start([](int) {
    return WebSocketScript{
        .on_open = {}, .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& m) {
          if (!m.binary && m.bytes.find("websocket:connected") != std::string::npos) {
            peer.Close(1000, "the agent hung up");
          }
        }};
  });
  bridge_->Connect();
  for (int i = 0; i < 100 && closed_ == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(closed_, 1);
  EXPECT_TRUE(closed_ok_);
  bridge_->Close();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(closed_, 1);
}

TEST_F(SipMediaBridgeTest, ASocketThatNeverAcceptsEndsTheCallAsUnavailable) {
  Start([](int) { return WebSocketScript{.refuse_status = 503, .refuse_body = "overloaded"}; });
  bridge_->Connect();
  for (int i = 0; i < 200 && closed_ == 0; ++i) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(closed_, 1);
  EXPECT_FALSE(closed_ok_);
  EXPECT_EQ(server_->upgrades().size(), 10u);  // tried for 2 s, then given up
}

}  // namespace
}  // namespace talky
