// The WebSocket client against a real WebSocket server (Beast's, over TLS with a certificate the
// client trusts as a private CA): messages both ways in order, the upgrade's headers, a refused
// upgrade, a close with a reason, a silent peer, an untrusted certificate and an unusable URL.
#include "net/websocket_client.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "net/scripted_websocket_server.h"
#include "net/trusted_io.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using testing::ReceivedWebSocketMessage;
using testing::ScriptedWebSocketServer;
using testing::WebSocketPeer;
using testing::WebSocketScript;

// What the connection told its handler; safe across the io thread and the test's.
class HandlerRecorder final : public WebSocketHandler {
 public:
  void OnOpen() override {
    std::lock_guard lock(mutex_);
    opened_ = true;
    changed_.notify_all();
  }
  void OnMessage(std::string_view message, bool binary) override {
    std::lock_guard lock(mutex_);
    messages_.push_back((binary ? "binary:" : "text:") + std::string(message));
    changed_.notify_all();
  }
  void OnClose(Expected<void> result) override {
    std::lock_guard lock(mutex_);
    ++closes_;
    result_ = std::move(result);
    changed_.notify_all();
  }

  std::optional<Expected<void>> WaitForClose() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return closes_ > 0; })) return std::nullopt;
    return result_;
  }
  bool WaitForOpen() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return opened_; });
  }
  bool WaitForMessages(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return messages_.size() >= count; });
  }
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool opened() {
    std::lock_guard lock(mutex_);
    return opened_;
  }
  int closes() {
    std::lock_guard lock(mutex_);
    return closes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool opened_ = false;
  std::vector<std::string> messages_;
  int closes_ = 0;
  Expected<void> result_;
};

// Answers every message with "echo:" and the message, of the same kind.
WebSocketScript Echo() {
  return {.on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
    if (message.binary) return peer.SendBinary("echo:" + message.bytes);
    peer.SendText("echo:" + message.bytes);
  }};
}

class WebSocketClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<WebSocketConnection> Open(const std::string& url, HandlerRecorder& handler,
                                            WebSocketOptions options = {}) {
    return WebSocketConnection::Open(testbed_.io, testbed_.tls, url,
                                     {{"Authorization", "Token secret-key"}}, options, handler);
  }

  testing::TrustedIo testbed_;
};

TEST_F(WebSocketClientTest, MessagesGoBothWaysInOrderWithTheUpgradesHeaders) {
  ScriptedWebSocketServer server([](const testing::LoopbackRequest&) { return Echo(); },
                                 testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/v1/listen?model=nova-3"), handler);
  connection->SendText("first");  // queued until the socket opens
  connection->SendBinary(std::string("\x01\x00\xff", 3));
  connection->SendText("third");
  ASSERT_TRUE(handler.WaitForMessages(3));
  EXPECT_TRUE(handler.opened());
  EXPECT_EQ(handler.messages(), (std::vector<std::string>{
                                    "text:echo:first", std::string("binary:echo:\x01\x00\xff", 15),
                                    "text:echo:third"}));
  const std::vector<ReceivedWebSocketMessage> received = server.messages();
  ASSERT_EQ(received.size(), 3U);
  EXPECT_FALSE(received[0].binary);
  EXPECT_TRUE(received[1].binary);
  ASSERT_EQ(server.upgrades().size(), 1U);
  EXPECT_EQ(server.upgrades()[0].target, "/v1/listen?model=nova-3");
  EXPECT_EQ(server.upgrades()[0].Header("Authorization"), "Token secret-key");
  connection->Close();
  EXPECT_EQ(handler.closes(), 0);  // nothing heard once Close returned
}

TEST_F(WebSocketClientTest, CloseSendsWhatIsQueuedThenClosesNormally) {
  ScriptedWebSocketServer server([](const testing::LoopbackRequest&) { return WebSocketScript{}; },
                                 testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/"), handler);
  ASSERT_TRUE(handler.WaitForOpen());
  connection->SendText("a");
  connection->SendText("b");
  connection->Close();
  ASSERT_TRUE(server.WaitFor([](const auto& messages) { return messages.size() == 2; }));
  EXPECT_EQ(server.messages()[1].bytes, "b");
}

TEST_F(WebSocketClientTest, ARefusedUpgradeIsItsStatusAndBody) {
  ScriptedWebSocketServer server(
      [](const testing::LoopbackRequest&) {
        return WebSocketScript{.refuse_status = 401, .refuse_body = R"({"err_msg":"bad key"})"};
      },
      testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/v1/listen"), handler);
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(result->error().message.find("401"), std::string::npos);
  EXPECT_NE(result->error().message.find("bad key"), std::string::npos);
  EXPECT_FALSE(handler.opened());
}

TEST_F(WebSocketClientTest, APeersCloseWithAnErrorCodeNamesTheCodeAndReason) {
  ScriptedWebSocketServer server(
      [](const testing::LoopbackRequest&) {
        return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto&) {
          peer.Close(1011, "NET-0001 no audio");
        }};
      },
      testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/"), handler);
  connection->SendText("hello");
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result->error().message.find("1011"), std::string::npos);
  EXPECT_NE(result->error().message.find("NET-0001 no audio"), std::string::npos);
}

TEST_F(WebSocketClientTest, APeersNormalCloseIsSuccess) {
  ScriptedWebSocketServer server(
      [](const testing::LoopbackRequest&) {
        return WebSocketScript{
            .on_message = [](WebSocketPeer& peer, const auto&) { peer.Close(1000, "bye"); }};
      },
      testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/"), handler);
  connection->SendText("CloseStream");
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->has_value());
}

TEST_F(WebSocketClientTest, APeerThatFallsSilentIsCutAfterTheIdleTimeout) {
  // The script sleeps instead of reading: our pings go unanswered.
  ScriptedWebSocketServer server(
      [](const testing::LoopbackRequest&) {
        return WebSocketScript{.on_open = [](WebSocketPeer& peer) { peer.Sleep(10s); }};
      },
      testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/"), handler, {.idle_timeout = 300ms});
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result->error().message.find("fell silent for 300 ms"), std::string::npos)
      << result->error().message;
  server.Stop();
}

TEST_F(WebSocketClientTest, ADroppedConnectionIsUnavailable) {
  ScriptedWebSocketServer server(
      [](const testing::LoopbackRequest&) {
        return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto&) { peer.Drop(); }};
      },
      testbed_.certificate);
  HandlerRecorder handler;
  auto connection = Open(server.Url("/"), handler);
  connection->SendText("hello");
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
}

TEST_F(WebSocketClientTest, AServerWhoseCertificateIsNotTrustedIsRefused) {
  ScriptedWebSocketServer impostor([](const testing::LoopbackRequest&) { return Echo(); },
                                   testing::MakeSelfSignedCertificate("IP:127.0.0.1"));
  HandlerRecorder handler;
  auto connection = Open(impostor.Url("/"), handler);
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_NE(result->error().message.find("TLS"), std::string::npos) << result->error().message;
  EXPECT_TRUE(impostor.upgrades().empty());
}

TEST_F(WebSocketClientTest, AnUnusableUrlNamesTheField) {
  HandlerRecorder handler;
  auto connection = Open("https://127.0.0.1/", handler);
  const std::optional<Expected<void>> result = handler.WaitForClose();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(result->error().fields.size(), 1U);
  EXPECT_EQ(result->error().fields[0].field, "url");
}

}  // namespace
}  // namespace talky
