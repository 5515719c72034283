// Cartesia's streaming synthesis against a fake of its WebSocket API over WSS: the request as
// Cartesia documents it (version header, key, model, voice, raw pcm_s16le at the call's rate, a
// context per synthesis), the audio decoded even when a sample is split between chunks, contexts
// multiplexed on one socket, an agent turn's sentences continued in one context with a flush each
// (each sentence its own audio and its own end), cancel (nothing of the cancelled context reaches
// the sink), an error for one context (and for the rest of its turn), a stall, a broken socket,
// and the offline voice speaking what Cartesia would not.
#include "voice/providers/cartesia_text_to_speech.h"

#include <gtest/gtest.h>

#include <array>
#include <condition_variable>
#include <cstring>
#include <map>
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

std::string Chunk(const std::string& context, const std::string& bytes,
                  std::optional<int> flush_id = std::nullopt) {
  json chunk = {{"type", "chunk"},    {"data", Base64Encode(bytes)}, {"done", false},
                {"status_code", 206}, {"step_time", 12.5},           {"context_id", context}};
  if (flush_id) chunk["flush_id"] = *flush_id;
  return chunk.dump();
}

std::string FlushDone(const std::string& context, int flush_id) {
  return json{{"type", "flush_done"}, {"done", false},      {"flush_done", true},
              {"flush_id", flush_id}, {"status_code", 206}, {"context_id", context}}
      .dump();
}

std::string Done(const std::string& context) {
  return json{{"type", "done"}, {"done", true}, {"status_code", 206}, {"context_id", context}}
      .dump();
}

// An error for a context, as Cartesia words it.
std::string ContextError(const std::string& context) {
  return json{{"type", "error"},
              {"done", true},
              {"title", "Invalid voice"},
              {"message", "The voice was not found."},
              {"error_code", "voice_not_found"},
              {"status_code", 400},
              {"context_id", context}}
      .dump();
}

// What a transcript sounds like: as many samples as it has letters * 10 (its trailing space, which
// only joins it to the next, not counted), each depending on the transcript's length, so two
// sentences' audio differ.
std::vector<std::int16_t> SpokenFor(std::string text) {
  while (!text.empty() && text.back() == ' ') text.pop_back();
  std::vector<std::int16_t> samples(text.size() * 10);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<std::int16_t>(i * 7 + text.size() * 1000);
  }
  return samples;
}

bool IsCancel(const ReceivedWebSocketMessage& message) {
  return json::parse(message.bytes, nullptr, false).value("cancel", false);
}

// One line per message the server received: the transcript quoted, then `continue` or `end`,
// `flush`, or just `cancel`.
std::vector<std::string> Described(const Messages& messages) {
  std::vector<std::string> lines;
  for (const auto& message : messages) {
    const json request = json::parse(message.bytes);
    if (request.value("cancel", false)) {
      lines.push_back("cancel");
      continue;
    }
    lines.push_back(request["transcript"].dump() +
                    (request.value("continue", false) ? " continue" : " end") +
                    (request.value("flush", false) ? " flush" : ""));
  }
  return lines;
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

// The flush each of a connection's contexts is at: 1 until its first flush.
using Flushes = std::map<std::string, int>;

// Answers a request as Cartesia does: a transcript's samples (SpokenFor) in two chunks split
// mid-sample, a timestamps message between, each chunk naming the context's current flush; a flush
// is answered by flush_done for that flush, and later transcripts belong to the next; `continue:
// false` ends the context with done; a cancel ends it in silence.
void SpeakAsCartesia(WebSocketPeer& peer, const json& request, Flushes& flushes) {
  const std::string context = request["context_id"];
  if (request.value("cancel", false)) {
    flushes.erase(context);
    return;
  }
  const int flush = flushes.try_emplace(context, 1).first->second;
  if (const std::string text = request["transcript"]; !text.empty()) {
    const std::string bytes = Bytes(SpokenFor(text));
    peer.SendText(Chunk(context, bytes.substr(0, 5), flush));  // the third sample is split
    peer.SendText(R"({"type":"timestamps","context_id":")" + context + R"(","done":false})");
    peer.SendText(Chunk(context, bytes.substr(5), flush));
  }
  if (request.value("flush", false)) {
    peer.SendText(FlushDone(context, flush));
    flushes[context] = flush + 1;
  }
  if (!request.value("continue", false)) {
    peer.SendText(Done(context));
    flushes.erase(context);
  }
}

// Cartesia, one connection's worth.
WebSocketScript Speaker() {
  return {.on_message = [flushes = std::make_shared<Flushes>()](
                            WebSocketPeer& peer, const ReceivedWebSocketMessage& message) {
    SpeakAsCartesia(peer, json::parse(message.bytes), *flushes);
  }};
}

// Three sentences of one agent turn.
const std::vector<std::string> kTurn = {
    "Hello Ada!", "This is Smile Dental about your appointment.", "Is now a good time to talk?"};
constexpr char kTurnId[] = "call-7-turn-3";
// However slow the machine, the turn's next sentence comes in time to continue its context.
const CartesiaSettings kUnhurried{.continue_within = std::chrono::minutes(1)};

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

  // The turn's `sentence`th sentence (from 0), the last known as last.
  static SynthesisRequest InTurn(std::size_t sentence) {
    return {.text = kTurn.at(sentence),
            .voice = "en-us",
            .sample_rate = 8000,
            .turn_id = kTurnId,
            .last_of_turn = sentence + 1 == kTurn.size()};
  }

  // Once a one-off synthesis on the socket is done, everything Cartesia said before it was read.
  static void AllReadOn(CartesiaTextToSpeech& provider) {
    SpeechRecorder sink;
    auto synthesis = provider.Synthesize(Request("Yes?"), sink);
    const std::optional<Expected<void>> result = sink.WaitForDone();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->has_value());
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
  ASSERT_TRUE(server->WaitFor(
      [](const Messages& messages) { return std::ranges::any_of(messages, IsCancel); }));
  std::this_thread::sleep_for(500ms);  // the rest of the context comes, and is dropped
  EXPECT_EQ(sink.audio().size(), 160U);
  EXPECT_EQ(sink.done(), 0);
  const Messages messages = server->messages();
  const std::vector<json> requests = Requests(messages);
  const auto cancel = std::ranges::find_if(messages, IsCancel);
  EXPECT_EQ(json::parse(cancel->bytes)["context_id"], requests.at(0)["context_id"]);
}

TEST_F(CartesiaTextToSpeechTest, AnErrorForAContextEndsItWithCartesiasWords) {
  auto server = Serve([](int) {
    return WebSocketScript{.on_message = [](WebSocketPeer& peer, const auto& message) {
      peer.SendText(ContextError(json::parse(message.bytes)["context_id"]));
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

// The pipeline's way: each sentence asked for once the one before it is done, its handle let go
// then (which is no barge-in).
TEST_F(CartesiaTextToSpeechTest, ATurnIsOneContextContinuedSentenceBySentenceWithAFlushEach) {
  auto server = Serve([](int) { return Speaker(); });
  auto provider = Provider(*server, kUnhurried);
  std::array<SpeechRecorder, 3> sinks;
  for (std::size_t i = 0; i < kTurn.size(); ++i) {
    auto synthesis = provider->Synthesize(InTurn(i), sinks[i]);
    const std::optional<Expected<void>> result = sinks[i].WaitForDone();
    ASSERT_TRUE(result.has_value()) << kTurn[i];
    EXPECT_TRUE(result->has_value()) << kTurn[i];
  }
  AllReadOn(*provider);
  for (std::size_t i = 0; i < kTurn.size(); ++i) {
    EXPECT_EQ(sinks[i].audio(), SpokenFor(kTurn[i])) << kTurn[i];
    EXPECT_EQ(sinks[i].done(), 1) << kTurn[i];
  }

  Messages messages = server->messages();
  messages.pop_back();  // AllReadOn's
  EXPECT_EQ(Described(messages), (std::vector<std::string>{
                                     R"("Hello Ada! " continue)",
                                     R"("" continue flush)",
                                     R"("This is Smile Dental about your appointment. " continue)",
                                     R"("" continue flush)",
                                     R"("Is now a good time to talk?" end)",
                                 }));
  const json first = json::parse(messages.at(0).bytes);
  const std::string context = first["context_id"];
  EXPECT_EQ(context.rfind(kTurnId, 0), 0U) << context;
  for (const auto& message : messages) {
    const json request = json::parse(message.bytes);
    EXPECT_EQ(request["context_id"], context);
    EXPECT_EQ(request["max_buffer_delay_ms"], 0);
    // Cartesia wants every input of a context alike but for its transcript and continue.
    for (const char* same : {"model_id", "voice", "output_format", "language"}) {
      EXPECT_EQ(request[same], first[same]) << same;
    }
  }
}

TEST_F(CartesiaTextToSpeechTest,
       ABargeInDuringASentenceCancelsTheTurnsContextOnceAndDropsItsAudio) {
  // The turn's second sentence is heard in part; when our cancel comes, the rest of it, its
  // flush_done and the context's done are already on their way.
  auto server = Serve([](int) {
    return WebSocketScript{.on_message = [flushes = std::make_shared<Flushes>()](
                                             WebSocketPeer& peer, const auto& message) {
      const json request = json::parse(message.bytes);
      const std::string context = request["context_id"];
      const auto at = flushes->find(context);
      if (at == flushes->end() || at->second != 2) return SpeakAsCartesia(peer, request, *flushes);
      if (request.value("cancel", false)) {
        peer.SendText(Chunk(context, std::string(320, '\x03'), 2));
        peer.SendText(FlushDone(context, 2));
        peer.SendText(Chunk(context, std::string(320, '\x04'), 3));
        peer.SendText(Done(context));
      } else if (!request["transcript"].get<std::string>().empty()) {
        peer.SendText(Chunk(context, std::string(320, '\x02'), 2));
      }  // and its flush waits for the cancel
    }};
  });
  auto provider = Provider(*server, kUnhurried);
  SpeechRecorder first;
  SpeechRecorder second;
  auto one = provider->Synthesize(InTurn(0), first);
  ASSERT_TRUE(first.WaitForDone().has_value());
  one.reset();
  auto two = provider->Synthesize(InTurn(1), second);
  ASSERT_TRUE(second.WaitForAudio());
  two.reset();  // barge-in: the pipeline lets go of the sentence in flight
  AllReadOn(*provider);

  EXPECT_EQ(first.audio(), SpokenFor(kTurn[0]));
  EXPECT_EQ(second.audio(), std::vector<std::int16_t>(160, 0x0202));
  EXPECT_EQ(second.done(), 0);
  const Messages messages = server->messages();
  ASSERT_EQ(std::ranges::count_if(messages, IsCancel), 1);
  const auto cancel = std::ranges::find_if(messages, IsCancel);
  EXPECT_EQ(json::parse(cancel->bytes)["context_id"], json::parse(messages[0].bytes)["context_id"]);
}

TEST_F(CartesiaTextToSpeechTest, AnErrorMidTurnFailsTheSentenceInFlightAndTheRestOfTheTurn) {
  auto server = Serve([](int) {
    return WebSocketScript{.on_message = [flushes = std::make_shared<Flushes>()](
                                             WebSocketPeer& peer, const auto& message) {
      const json request = json::parse(message.bytes);
      const std::string context = request["context_id"];
      const auto at = flushes->find(context);
      if (at != flushes->end() && at->second < 0) return;  // failed: Cartesia is done with it
      if (at != flushes->end() && at->second == 2) {
        peer.SendText(ContextError(context));
        at->second = -1;
        return;
      }
      SpeakAsCartesia(peer, request, *flushes);
    }};
  });
  auto provider = Provider(*server, kUnhurried);
  std::array<SpeechRecorder, 3> sinks;
  std::array<std::optional<Expected<void>>, 3> results;
  for (std::size_t i = 0; i < kTurn.size(); ++i) {
    auto synthesis = provider->Synthesize(InTurn(i), sinks[i]);
    results[i] = sinks[i].WaitForDone();
    ASSERT_TRUE(results[i].has_value()) << kTurn[i];
  }
  AllReadOn(*provider);

  EXPECT_TRUE(results[0]->has_value());
  EXPECT_EQ(sinks[0].audio(), SpokenFor(kTurn[0]));
  for (std::size_t i : {1U, 2U}) {
    ASSERT_FALSE(results[i]->has_value()) << kTurn[i];
    EXPECT_NE(results[i]->error().message.find("Invalid voice: The voice was not found."),
              std::string::npos)
        << results[i]->error().message;
    EXPECT_TRUE(sinks[i].audio().empty()) << kTurn[i];
    EXPECT_EQ(sinks[i].done(), 1) << kTurn[i];
  }
  Messages messages = server->messages();
  messages.pop_back();  // AllReadOn's
  // The third sentence was not sent to a context that failed.
  EXPECT_EQ(Described(messages),
            (std::vector<std::string>{R"("Hello Ada! " continue)", R"("" continue flush)",
                                      R"("This is Smile Dental about your appointment. " continue)",
                                      R"("" continue flush)"}));
}

// Cartesia lets a context expire a second after its last audio: a sentence that comes later than
// continue_within (here: any time at all) after the one before it is done opens another.
TEST_F(CartesiaTextToSpeechTest, ASentenceTooLongAfterTheOneBeforeItOpensANewContext) {
  auto server = Serve([](int) { return Speaker(); });
  auto provider = Provider(*server, {.continue_within = std::chrono::milliseconds(0)});
  std::array<SpeechRecorder, 2> sinks;
  for (std::size_t i : {0U, 2U}) {
    SpeechRecorder& sink = sinks[i / 2];
    auto synthesis = provider->Synthesize(InTurn(i), sink);
    const std::optional<Expected<void>> result = sink.WaitForDone();
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->has_value());
    EXPECT_EQ(sink.audio(), SpokenFor(kTurn[i]));
  }
  const Messages messages = server->messages();
  EXPECT_EQ(Described(messages),
            (std::vector<std::string>{R"("Hello Ada! " continue)", R"("" continue flush)",
                                      R"("Is now a good time to talk?" end)"}));
  const std::string first = json::parse(messages.at(0).bytes)["context_id"];
  const std::string second = json::parse(messages.at(2).bytes)["context_id"];
  EXPECT_NE(first, second);
  EXPECT_EQ(second.rfind(kTurnId, 0), 0U) << second;
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
