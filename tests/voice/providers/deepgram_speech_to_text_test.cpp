// Deepgram's streaming recognizer against a fake of its API over WSS (a certificate our client
// trusts as a private CA): the listening URL and key as Deepgram documents them, the audio as
// linear16 binary frames, final pieces joined into one utterance at our Finalize (answered by
// from_finalize, or already closed by speech_final or UtteranceEnd, or not answered at all),
// KeepAlive while no audio flows, CloseStream at the end, and a socket that breaks mid-utterance
// (opened again, the utterance sent again) or cannot be opened at all (the call hears the error).
#include "voice/providers/deepgram_speech_to_text.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "net/scripted_websocket_server.h"
#include "net/trusted_io.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ReceivedWebSocketMessage;
using testing::ScriptedWebSocketServer;
using testing::WebSocketPeer;
using testing::WebSocketScript;
using Messages = std::vector<ReceivedWebSocketMessage>;

constexpr char kKey[] = "dg-test-key";

// A Results message as Deepgram sends it.
std::string Results(const std::string& transcript, bool is_final, bool speech_final = false,
                    bool from_finalize = false) {
  return json{{"type", "Results"},
              {"channel_index", {0, 1}},
              {"duration", 0.5},
              {"start", 0.0},
              {"is_final", is_final},
              {"speech_final", speech_final},
              {"from_finalize", from_finalize},
              {"channel",
               {{"alternatives",
                 {{{"transcript", transcript}, {"confidence", 0.93}, {"words", json::array()}}}}}},
              {"metadata", {{"request_id", "req-1"}, {"model_uuid", "m-1"}}}}
      .dump();
}

bool IsFinalize(const ReceivedWebSocketMessage& message) {
  return !message.binary &&
         json::parse(message.bytes, nullptr, false).value("type", "") == "Finalize";
}

std::size_t CountOfType(const Messages& messages, const std::string& type) {
  return static_cast<std::size_t>(std::ranges::count_if(messages, [&](const auto& message) {
    return !message.binary && json::parse(message.bytes, nullptr, false).value("type", "") == type;
  }));
}

std::string AudioBytes(const Messages& messages, int connection) {
  std::string bytes;
  for (const auto& message : messages) {
    if (message.binary && message.connection == connection) bytes += message.bytes;
  }
  return bytes;
}

// What the recognizer told its sink; safe across the io thread and the test's.
class RecognitionRecorder final : public RecognitionSink {
 public:
  void OnTranscript(Transcript transcript) override {
    std::lock_guard lock(mutex_);
    transcripts_.push_back(std::move(transcript));
    changed_.notify_all();
  }
  void OnError(Error error) override {
    std::lock_guard lock(mutex_);
    errors_.push_back(std::move(error));
    changed_.notify_all();
  }
  std::optional<Transcript> WaitForTranscript(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, timeout, [&] { return !transcripts_.empty(); })) {
      return std::nullopt;
    }
    return transcripts_.front();
  }
  std::optional<Error> WaitForError() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return !errors_.empty(); })) return std::nullopt;
    return errors_.front();
  }
  std::size_t transcripts() {
    std::lock_guard lock(mutex_);
    return transcripts_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Transcript> transcripts_;
  std::vector<Error> errors_;
};

class DeepgramSpeechToTextTest : public ::testing::Test {
 protected:
  // A server running `script` for each connection.
  std::unique_ptr<ScriptedWebSocketServer> Serve(std::function<WebSocketScript(int)> script) {
    return testing::ServeByConnection(std::move(script), testbed_.certificate);
  }

  DeepgramSpeechToText Provider(const ScriptedWebSocketServer& server,
                                DeepgramSettings settings = {}) {
    settings.url = server.Url("/v1/listen");
    settings.api_key = kKey;
    return DeepgramSpeechToText(testbed_.io, testbed_.tls, settings);
  }

  static std::vector<std::int16_t> Speech(std::size_t samples) {
    std::vector<std::int16_t> audio(samples);
    for (std::size_t i = 0; i < samples; ++i) audio[i] = static_cast<std::int16_t>(i * 37 - 9000);
    return audio;
  }

  testing::TrustedIo testbed_;
  RecognitionRecorder sink_;
};

TEST_F(DeepgramSpeechToTextTest, ListensWithTheDocumentedQueryAndKeyAndSendsLinear16) {
  auto server = Serve([](int) { return WebSocketScript{}; });
  DeepgramSpeechToText provider = Provider(*server);
  auto recognizer = provider.Open(8000, sink_);
  ASSERT_TRUE(recognizer.has_value());
  const std::vector<std::int16_t> audio = Speech(160);
  (*recognizer)->Write(audio);
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return AudioBytes(m, 0).size() == 320; }));
  std::string expected(320, '\0');
  std::memcpy(expected.data(), audio.data(), 320);
  EXPECT_EQ(AudioBytes(server->messages(), 0), expected);

  const testing::LoopbackRequest upgrade = server->upgrades().at(0);
  EXPECT_EQ(upgrade.Header("Authorization"), std::string("Token ") + kKey);
  for (const char* part : {"/v1/listen?", "model=nova-3", "language=en", "encoding=linear16",
                           "sample_rate=8000", "channels=1", "interim_results=true",
                           "endpointing=300", "utterance_end_ms=1000", "vad_events=true"}) {
    EXPECT_NE(upgrade.target.find(part), std::string::npos) << part << " in " << upgrade.target;
  }
}

TEST_F(DeepgramSpeechToTextTest, FinalPiecesUpToFromFinalizeAreOneUtterance) {
  auto server = Serve([](int) {
    return WebSocketScript{
        .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
          if (message.binary) {
            peer.SendText(Results("yes", false));
            peer.SendText(Results("Yes,", true));
            peer.SendText(R"({"type":"SpeechStarted","channel":[0],"timestamp":0.4})");
            peer.SendText(Results("I can", false));
          } else if (IsFinalize(message)) {
            peer.SendText(Results("I can come on Tuesday.", true, false, true));
          }
        }};
  });
  DeepgramSpeechToText provider = Provider(*server);
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return !m.empty(); }));
  EXPECT_EQ(sink_.transcripts(), 0U);  // nothing before our end of turn
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "yes i can come on tuesday");
  EXPECT_TRUE(heard->is_final);
  EXPECT_TRUE(heard->understood);
  EXPECT_DOUBLE_EQ(heard->confidence, 0.93);
  EXPECT_TRUE(server->WaitFor([](const Messages& m) { return CountOfType(m, "Finalize") == 1; }));
}

TEST_F(DeepgramSpeechToTextTest, SpeechAlreadyClosedBySpeechFinalEndsAtOurFinalizeWithoutWaiting) {
  auto server = Serve([](int) {
    return WebSocketScript{
        .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
          if (message.binary) peer.SendText(Results("No thanks.", true, true));
          // Finalize goes unanswered, as Deepgram may when nothing is buffered.
        }};
  });
  DeepgramSpeechToText provider = Provider(*server, {.finalize_timeout = 5s});
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return !m.empty(); }));
  std::this_thread::sleep_for(200ms);  // the speech_final result arrives
  const auto finalized_at = std::chrono::steady_clock::now();
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "no thanks");
  EXPECT_LT(std::chrono::steady_clock::now() - finalized_at, 5s);  // not the finalize timeout
}

TEST_F(DeepgramSpeechToTextTest, UtteranceEndAfterOurFinalizeEndsTheUtterance) {
  auto server = Serve([](int) {
    return WebSocketScript{
        .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
          if (message.binary) peer.SendText(Results("maybe later", true));
          if (IsFinalize(message)) {
            peer.SendText(R"({"type":"UtteranceEnd","channel":[0,1],"last_word_end":1.2})");
          }
        }};
  });
  DeepgramSpeechToText provider = Provider(*server, {.finalize_timeout = 5s});
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return !m.empty(); }));
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript(4s);
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "maybe later");
}

TEST_F(DeepgramSpeechToTextTest, AFinalizeNeverAnsweredEndsAfterTheTimeoutWithWhatCame) {
  auto server = Serve([](int) { return WebSocketScript{}; });  // says nothing at all
  DeepgramSpeechToText provider = Provider(*server, {.finalize_timeout = 300ms});
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_TRUE(heard->is_final);
  EXPECT_EQ(heard->text, "");
  EXPECT_FALSE(heard->understood);
}

TEST_F(DeepgramSpeechToTextTest, KeepAliveFlowsWhileNoAudioDoesAndCloseStreamEndsTheSocket) {
  auto server = Serve([](int) { return WebSocketScript{}; });
  DeepgramSpeechToText provider = Provider(*server, {.keep_alive_every = 200ms});
  auto recognizer = provider.Open(16000, sink_);
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return CountOfType(m, "KeepAlive") >= 3; }));
  recognizer->reset();  // the call is over
  ASSERT_TRUE(
      server->WaitFor([](const Messages& m) { return CountOfType(m, "CloseStream") == 1; }));
}

TEST_F(DeepgramSpeechToTextTest, ASocketThatBreaksMidUtteranceIsOpenedAgainAndHearsItAllAgain) {
  auto server = Serve([](int connection) {
    if (connection == 0) {
      return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto& message) {
        if (IsFinalize(message)) peer.Drop();  // gone as the caller finished
      }};
    }
    return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto& message) {
      if (IsFinalize(message)) peer.SendText(Results("Call me tomorrow.", true, true, true));
    }};
  });
  DeepgramSpeechToText provider = Provider(*server);
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  (*recognizer)->Write(Speech(160));
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "call me tomorrow");
  const Messages messages = server->messages();
  EXPECT_EQ(AudioBytes(messages, 1), AudioBytes(messages, 0));  // the whole utterance again
  EXPECT_EQ(AudioBytes(messages, 1).size(), 960U);
  EXPECT_EQ(server->upgrades().size(), 2U);
}

TEST_F(DeepgramSpeechToTextTest, AMalformedFrameCountsAsABrokenSocket) {
  auto server = Serve([](int connection) {
    return WebSocketScript{.on_message = [connection](WebSocketPeer& peer, const auto& message) {
      if (!IsFinalize(message)) return;
      peer.SendText(connection == 0 ? R"({"type":"Results","channel":7})"
                                    : Results("okay", true, true, true));
    }};
  });
  DeepgramSpeechToText provider = Provider(*server);
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "okay");
  EXPECT_EQ(server->upgrades().size(), 2U);
}

// Flux: /v2/listen with its own turn detection off; our end of turn is ForceEndTurn, and the
// EndOfTurn that answers it carries the utterance (Update events are progress only).
TEST_F(DeepgramSpeechToTextTest, FluxEndsTheTurnWhenWeForceItAndGivesItsTranscript) {
  auto server = Serve([](int) {
    return WebSocketScript{
        .on_message = [](WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
          auto turn_info = [](const char* event, const char* transcript) {
            return json{{"type", "TurnInfo"},      {"event", event},
                        {"turn_index", 0},         {"audio_window_start", 0.0},
                        {"audio_window_end", 1.2}, {"transcript", transcript},
                        {"words", json::array()},  {"end_of_turn_confidence", 0.42}}
                .dump();
          };
          if (message.binary) {
            peer.SendText(turn_info("StartOfTurn", "Tues"));
            peer.SendText(turn_info("Update", "Tuesday at"));
          } else if (json::parse(message.bytes).value("type", "") == "ForceEndTurn") {
            peer.SendText(turn_info("EndOfTurn", "Tuesday at ten works."));
          }
        }};
  });
  DeepgramSettings settings{.model = "flux-general-en"};
  settings.url = server->Url("/v2/listen");
  settings.api_key = kKey;
  DeepgramSpeechToText provider(testbed_.io, testbed_.tls, settings);
  auto recognizer = provider.Open(16000, sink_);
  (*recognizer)->Write(Speech(320));
  ASSERT_TRUE(server->WaitFor([](const Messages& m) { return !m.empty(); }));
  EXPECT_EQ(sink_.transcripts(), 0U);
  (*recognizer)->Finalize();
  const std::optional<Transcript> heard = sink_.WaitForTranscript();
  ASSERT_TRUE(heard.has_value());
  EXPECT_EQ(heard->text, "tuesday at ten works");
  EXPECT_TRUE(heard->understood);
  const std::string target = server->upgrades().at(0).target;
  for (const char* part : {"/v2/listen?", "model=flux-general-en", "encoding=linear16",
                           "sample_rate=16000", "eot_threshold=1.0"}) {
    EXPECT_NE(target.find(part), std::string::npos) << part << " in " << target;
  }
  EXPECT_EQ(CountOfType(server->messages(), "Finalize"), 0U);
}

TEST_F(DeepgramSpeechToTextTest, AKeyThatIsRefusedReachesTheCallAfterTheRetries) {
  auto server = Serve([](int) {
    return WebSocketScript{.refuse_status = 401,
                           .refuse_body = R"({"err_code":"INVALID_AUTH","err_msg":"Invalid key"})"};
  });
  DeepgramSpeechToText provider = Provider(*server, {.reconnect_attempts = 2});
  auto recognizer = provider.Open(16000, sink_);
  const std::optional<Error> error = sink_.WaitForError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, ErrorCode::kUnauthenticated);
  EXPECT_NE(error->message.find("Invalid key"), std::string::npos);
  EXPECT_EQ(server->upgrades().size(), 3U);  // the first try and two more
  EXPECT_EQ(error->message.find(kKey), std::string::npos);
}

}  // namespace
}  // namespace talky
