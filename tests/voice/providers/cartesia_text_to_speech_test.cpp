// Cartesia's streaming synthesis against a fake of its WebSocket API over WSS: the request as
// Cartesia documents it (version header, key, model, voice, raw pcm_s16le at the call's rate, a
// context per synthesis), the audio decoded even when a sample is split between chunks, contexts
// multiplexed on one socket, cancel (nothing of the cancelled context reaches the sink), an error
// for one context, a stall, a broken socket, and the offline voice speaking what Cartesia would
// not.
#include "voice/providers/cartesia_text_to_speech.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "net/base64.h"
#include "net/scripted_websocket_server.h"
#include "net/trusted_io.h"
#include "voice/fake_voice.h"
#include "voice/text_to_speech_with_fallback.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ReceivedWebSocketMessage;
using testing::ScriptedWebSocketServer;
using testing::WebSocketPeer;
using testing::WebSocketScript;
using Messages = std::vector<ReceivedWebSocketMessage>;

constexpr char kKey[] = "sk_car_test";
constexpr char kVoice[] = "a0e99841-438c-4a64-b679-ae501e7d6091";

std::string Bytes(const std::vector<std::int16_t>& samples) {
  std::string bytes(samples.size() * 2, '\0');
  std::memcpy(bytes.data(), samples.data(), bytes.size());
  return bytes;
}

std::string Chunk(const std::string& context, const std::string& bytes) {
  return json{{"type", "chunk"},    {"data", Base64Encode(bytes)}, {"done", false},
              {"status_code", 206}, {"step_time", 12.5},           {"context_id", context}}
      .dump();
}

std::string Done(const std::string& context) {
  return json{{"type", "done"}, {"done", true}, {"status_code", 206}, {"context_id", context}}
      .dump();
}

// The requests (not cancels) the server received, parsed.
std::vector<json> Requests(const Messages& messages) {
  std::vector<json> requests;
  for (const auto& message : messages) {
    json parsed = json::parse(message.bytes, nullptr, false);
    if (parsed.contains("transcript")) requests.push_back(std::move(parsed));
  }
  return requests;
}

// What a synthesis told its sink; safe across the io thread and the test's.
class SpeechRecorder final : public SynthesisSink {
 public:
  void OnAudio(std::span<const std::int16_t> samples) override {
    std::lock_guard lock(mutex_);
    audio_.insert(audio_.end(), samples.begin(), samples.end());
    changed_.notify_all();
  }
  void OnDone(Expected<void> result) override {
    std::lock_guard lock(mutex_);
    ++done_;
    result_ = std::move(result);
    changed_.notify_all();
  }
  std::optional<Expected<void>> WaitForDone(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return done_ > 0; })) return std::nullopt;
    return result_;
  }
  bool WaitForAudio() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return !audio_.empty(); });
  }
  std::vector<std::int16_t> audio() {
    std::lock_guard lock(mutex_);
    return audio_;
  }
  int done() {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::int16_t> audio_;
  int done_ = 0;
  Expected<void> result_;
};

// Speaks each request: its samples (i * 7 for as many samples as the transcript has letters * 10)
// in two chunks split mid-sample, then done.
WebSocketScript Speaker() {
  return {.on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
    const json request = json::parse(message.bytes);
    if (!request.contains("transcript")) return;
    const std::string context = request["context_id"];
    std::vector<std::int16_t> samples(request["transcript"].get<std::string>().size() * 10);
    for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<std::int16_t>(i * 7);
    const std::string bytes = Bytes(samples);
    peer.SendText(Chunk(context, bytes.substr(0, 5)));  // the third sample is split
    peer.SendText(R"({"type":"timestamps","context_id":")" + context + R"(","done":false})");
    peer.SendText(Chunk(context, bytes.substr(5)));
    peer.SendText(Done(context));
  }};
}

std::vector<std::int16_t> SpokenFor(const std::string& text) {
  std::vector<std::int16_t> samples(text.size() * 10);
  for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<std::int16_t>(i * 7);
  return samples;
}

class CartesiaTextToSpeechTest : public ::testing::Test {
 protected:
  std::unique_ptr<ScriptedWebSocketServer> Serve(std::function<WebSocketScript(int)> script) {
    return testing::ServeByConnection(std::move(script), testbed_.certificate);
  }

  std::unique_ptr<CartesiaTextToSpeech> Provider(const ScriptedWebSocketServer& server,
                                                 CartesiaSettings settings = {}) {
    settings.url = server.Url("/tts/websocket");
    settings.api_key = kKey;
    settings.voice = kVoice;
    return std::make_unique<CartesiaTextToSpeech>(testbed_.io, testbed_.tls, settings);
  }

  static SynthesisRequest Request(std::string text) {
    return {.text = std::move(text), .voice = "en-us", .sample_rate = 8000};
  }

  testing::TrustedIo testbed_;
};

TEST_F(CartesiaTextToSpeechTest, SpeaksARequestAsDocumentedAndDecodesItsAudio) {
  auto server = Serve([](int) { return Speaker(); });
  auto provider = Provider(*server);
  SpeechRecorder sink;
  auto synthesis = provider->Synthesize(Request("Hello Ada."), sink);
  const std::optional<Expected<void>> result = sink.WaitForDone();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->has_value());
  EXPECT_EQ(sink.audio(), SpokenFor("Hello Ada."));

  const testing::LoopbackRequest upgrade = server->upgrades().at(0);
  EXPECT_EQ(upgrade.target, "/tts/websocket");
  EXPECT_EQ(upgrade.Header("Cartesia-Version"), "2025-04-16");
  EXPECT_EQ(upgrade.Header("Authorization"), std::string("Bearer ") + kKey);
  const std::vector<json> requests = Requests(server->messages());
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0]["model_id"], "sonic-2");
  EXPECT_EQ(requests[0]["transcript"], "Hello Ada.");
  EXPECT_EQ(requests[0]["voice"], (json{{"mode", "id"}, {"id", kVoice}}));
  EXPECT_EQ(requests[0]["output_format"],
            (json{{"container", "raw"}, {"encoding", "pcm_s16le"}, {"sample_rate", 8000}}));
  EXPECT_EQ(requests[0]["continue"], false);
  EXPECT_EQ(requests[0]["language"], "en");
  EXPECT_TRUE(requests[0]["context_id"].is_string());
}

TEST_F(CartesiaTextToSpeechTest, ContextsShareOneSocketAndEachGetsItsOwnAudio) {
  auto server = Serve([](int) { return Speaker(); });
  auto provider = Provider(*server);
  SpeechRecorder first;
  SpeechRecorder second;
  auto one = provider->Synthesize(Request("Hi."), first);
  auto two = provider->Synthesize(Request("Is Tuesday at ten good?"), second);
  ASSERT_TRUE(first.WaitForDone().has_value());
  ASSERT_TRUE(second.WaitForDone().has_value());
  EXPECT_EQ(first.audio(), SpokenFor("Hi."));
  EXPECT_EQ(second.audio(), SpokenFor("Is Tuesday at ten good?"));
  const std::vector<json> requests = Requests(server->messages());
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_NE(requests[0]["context_id"], requests[1]["context_id"]);
  EXPECT_EQ(server->upgrades().size(), 1U);
}

TEST_F(CartesiaTextToSpeechTest, ACancelledContextIsCancelledAtCartesiaAndNothingOfItArrives) {
  auto server = Serve([](int) {
    return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto& message) {
      const json request = json::parse(message.bytes);
      if (!request.contains("transcript")) return;
      const std::string context = request["context_id"];
      peer.SendText(Chunk(context, std::string(320, '\x01')));
      // Cartesia keeps talking a moment after our cancel left.
      peer.Sleep(300ms);
      peer.SendText(Chunk(context, std::string(320, '\x02')));
      peer.SendText(Done(context));
    }};
  });
  auto provider = Provider(*server);
  SpeechRecorder sink;
  auto synthesis = provider->Synthesize(Request("A long sentence the caller interrupts."), sink);
  ASSERT_TRUE(sink.WaitForAudio());
  synthesis->Cancel();  // barge-in
  ASSERT_TRUE(server->WaitFor([](const Messages& messages) {
    return std::ranges::any_of(messages, [](const auto& message) {
      return json::parse(message.bytes, nullptr, false).value("cancel", false);
    });
  }));
  std::this_thread::sleep_for(500ms);  // the rest of the context comes, and is dropped
  EXPECT_EQ(sink.audio().size(), 160U);
  EXPECT_EQ(sink.done(), 0);
  const Messages messages = server->messages();
  const std::vector<json> requests = Requests(messages);
  const auto cancel = std::ranges::find_if(messages, [](const auto& message) {
    return json::parse(message.bytes, nullptr, false).value("cancel", false);
  });
  EXPECT_EQ(json::parse(cancel->bytes)["context_id"], requests.at(0)["context_id"]);
}

TEST_F(CartesiaTextToSpeechTest, AnErrorForAContextEndsItWithCartesiasWords) {
  auto server = Serve([](int) {
    return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto& message) {
      const json request = json::parse(message.bytes);
      peer.SendText(json{{"type", "error"},
                         {"done", true},
                         {"title", "Invalid voice"},
                         {"message", "The voice was not found."},
                         {"error_code", "voice_not_found"},
                         {"status_code", 400},
                         {"context_id", request["context_id"]}}
                        .dump());
    }};
  });
  auto provider = Provider(*server);
  SpeechRecorder sink;
  auto synthesis = provider->Synthesize(Request("Hello."), sink);
  const std::optional<Expected<void>> result = sink.WaitForDone();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_NE(result->error().message.find("Invalid voice: The voice was not found."),
            std::string::npos)
      << result->error().message;
  EXPECT_NE(result->error().message.find("voice_not_found"), std::string::npos);
}

TEST_F(CartesiaTextToSpeechTest, AContextWithNoAudioForTheStallTimeoutFails) {
  auto server = Serve([](int) { return WebSocketScript{}; });  // hears, says nothing
  auto provider = Provider(*server, {.stall_timeout = 300ms});
  SpeechRecorder sink;
  auto synthesis = provider->Synthesize(Request("Hello."), sink);
  const std::optional<Expected<void>> result = sink.WaitForDone();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result->error().message.find("no audio for 300 ms"), std::string::npos);
}

TEST_F(CartesiaTextToSpeechTest, ABrokenSocketFailsItsContextsAndTheNextSentenceOpensANewOne) {
  auto server = Serve([](int connection) {
    if (connection == 0) {
      return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto&) { peer.Drop(); }};
    }
    return Speaker();
  });
  auto provider = Provider(*server);
  SpeechRecorder lost;
  auto first = provider->Synthesize(Request("Hello."), lost);
  const std::optional<Expected<void>> failed = lost.WaitForDone();
  ASSERT_TRUE(failed.has_value());
  EXPECT_FALSE(failed->has_value());
  std::this_thread::sleep_for(150ms);  // past the first backoff
  SpeechRecorder spoken;
  auto second = provider->Synthesize(Request("Are you there?"), spoken);
  const std::optional<Expected<void>> result = spoken.WaitForDone();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->has_value());
  EXPECT_EQ(spoken.audio(), SpokenFor("Are you there?"));
  EXPECT_EQ(server->upgrades().size(), 2U);
}

TEST_F(CartesiaTextToSpeechTest, WhatCartesiaWillNotSpeakTheOfflineVoiceSays) {
  auto server = Serve([](int) {
    return WebSocketScript{.refuse_status = 401, .refuse_body = R"({"error":"Invalid API key"})"};
  });
  testing::ToneSpeech offline;        // speaks at once, on the calling thread
  std::vector<std::string> failures;  // told on the io thread, read after the synthesis ended
  TextToSpeechWithFallback voice(Provider(*server), offline,
                                 [&](const Error& error) { failures.push_back(error.message); });
  SpeechRecorder sink;
  auto synthesis = voice.Synthesize(Request("Sorry, one moment."), sink);
  const std::optional<Expected<void>> result = sink.WaitForDone();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->has_value());
  EXPECT_EQ(offline.texts, std::vector<std::string>{"Sorry, one moment."});
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_NE(failures[0].find("answered 401"), std::string::npos) << failures[0];
  EXPECT_EQ(sink.audio().size(), 3U * 800U);  // ToneSpeech: 100 ms per word at 8 kHz
}

}  // namespace
}  // namespace talky
