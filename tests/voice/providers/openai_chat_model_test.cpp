// The OpenAI-compatible language model against a fake of the API over HTTPS (a certificate our
// client trusts through its extra CA, as a private CA would be): the request as OpenAI documents
// it, the streamed reply handed on as it arrives, a tool call whose arguments come in pieces, the
// token usage, and every way the server can fail (each row names what the call hears).
#include "voice/providers/openai_chat_model.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <nlohmann/json.hpp>
#include <thread>

#include "net/scripted_stream_server.h"
#include "net/trusted_io.h"

namespace talky {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ScriptedStreamServer;
using testing::StreamPiece;
using testing::StreamScript;

constexpr char kApiKey[] = "gsk-test-key-0123456789";

// What a completion told its sink; safe across the stream's thread and the test's.
class CompletionRecorder final : public CompletionSink {
 public:
  void OnText(std::string_view piece) override {
    std::lock_guard lock(mutex_);
    texts_.emplace_back(piece);
    changed_.notify_all();
  }
  void OnToolCall(ToolCall call) override {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(call));
  }
  void OnUsage(TokenUsage usage) override {
    std::lock_guard lock(mutex_);
    usage_ = usage;
  }
  void OnDone(Expected<void> result) override {
    std::lock_guard lock(mutex_);
    ++done_count_;
    result_ = std::move(result);
    changed_.notify_all();
  }

  // The completion's result, once it came (or nullopt after 10 s).
  std::optional<Expected<void>> WaitForDone() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, 10s, [&] { return done_count_ > 0; })) return std::nullopt;
    return result_;
  }
  bool WaitForText() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return !texts_.empty(); });
  }
  std::vector<std::string> texts() const {
    std::lock_guard lock(mutex_);
    return texts_;
  }
  std::vector<ToolCall> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::optional<TokenUsage> usage() const {
    std::lock_guard lock(mutex_);
    return usage_;
  }
  int done_count() const {
    std::lock_guard lock(mutex_);
    return done_count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> texts_;
  std::vector<ToolCall> calls_;
  std::optional<TokenUsage> usage_;
  int done_count_ = 0;
  std::optional<Expected<void>> result_;
};

std::string Event(const json& data) { return "data: " + data.dump() + "\n\n"; }

json Chunk(json delta, json finish_reason = nullptr) {
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion.chunk"},
          {"created", 1764680000},
          {"model", "llama-3.1-8b-instant"},
          {"choices", json::array({{{"index", 0},
                                    {"delta", std::move(delta)},
                                    {"logprobs", nullptr},
                                    {"finish_reason", std::move(finish_reason)}}})}};
}

// A reply as OpenAI streams it: the role, two pieces of text, a goal_achieved call whose id and
// name come first and whose arguments come in three fragments, the finish, the usage, [DONE].
std::string ReplyWithToolCall() {
  auto tool_piece = [](json function, bool first) {
    json call = {{"index", 0}, {"function", std::move(function)}};
    if (first) {
      call["id"] = "call_abc";
      call["type"] = "function";
    }
    return Chunk({{"tool_calls", json::array({call})}});
  };
  json usage = {
      {"id", "chatcmpl-1"},
      {"object", "chat.completion.chunk"},
      {"choices", json::array()},
      {"usage", {{"prompt_tokens", 57}, {"completion_tokens", 12}, {"total_tokens", 69}}}};
  return Event(Chunk({{"role", "assistant"}, {"content", ""}})) +
         Event(Chunk({{"content", "Great, "}})) + Event(Chunk({{"content", "see you then."}})) +
         Event(tool_piece({{"name", "goal_achieved"}, {"arguments", ""}}, true)) +
         Event(tool_piece({{"arguments", "{\"rea"}}, false)) +
         Event(tool_piece({{"arguments", "son\": \"agreed"}}, false)) +
         Event(tool_piece({{"arguments", "\"}"}}, false)) +
         Event(Chunk(json::object(), "tool_calls")) + Event(usage) + "data: [DONE]\n\n";
}

// `body` cut into pieces of `size` bytes, each after `delay`.
std::vector<StreamPiece> Cut(const std::string& body, std::size_t size,
                             std::chrono::milliseconds delay = 0ms) {
  std::vector<StreamPiece> pieces;
  for (std::size_t at = 0; at < body.size(); at += size) {
    pieces.push_back({.delay = delay, .bytes = body.substr(at, size)});
  }
  return pieces;
}

class OpenAiChatModelTest : public ::testing::Test {
 protected:
  // A server answering every request with `script`.
  std::unique_ptr<ScriptedStreamServer> Serve(StreamScript script) {
    return std::make_unique<ScriptedStreamServer>(
        [script](const testing::LoopbackRequest&) { return script; }, testbed_.certificate);
  }

  OpenAiChatModel Model(const std::string& base_url, HttpStreamOptions http = {}) {
    return OpenAiChatModel(testbed_.io, testbed_.tls,
                           {.base_url = base_url + "/openai/v1",
                            .api_key = kApiKey,
                            .model = "llama-3.1-8b-instant",
                            .http = http});
  }

  // One completion, run to its end; nullopt when it did not end within 10 s.
  static std::optional<Expected<void>> CompleteOnce(OpenAiChatModel& model,
                                                    CompletionRecorder& sink) {
    auto completion = model.Complete(Request(), sink);
    return sink.WaitForDone();
  }

  static CompletionRequest Request() {
    return {.system_prompt = "You call for Smile Dental.",
            .history = {{.role = MessageRole::kAssistant, .content = "Hello, is this Ada?"},
                        {.role = MessageRole::kUser, .content = "yes it is"}},
            .temperature = 0.6,
            .max_tokens = 100};
  }

  testing::TrustedIo testbed_;
};

TEST_F(OpenAiChatModelTest, TheReplyStreamsAsItComesAndAToolCallIsAssembledFromItsPieces) {
  auto server = Serve({.pieces = Cut(ReplyWithToolCall(), 29, 5ms)});
  OpenAiChatModel model = Model(server->BaseUrl());
  CompletionRecorder sink;
  auto completion = model.Complete(Request(), sink);
  const std::optional<Expected<void>> done = sink.WaitForDone();
  ASSERT_TRUE(done);
  ASSERT_TRUE(*done) << done->error().Describe();
  EXPECT_EQ(sink.texts(), (std::vector<std::string>{"Great, ", "see you then."}));
  EXPECT_EQ(
      sink.calls(),
      (std::vector<ToolCall>{{.name = "goal_achieved", .arguments = R"({"reason": "agreed"})"}}));
  EXPECT_EQ(sink.usage(), (TokenUsage{.prompt_tokens = 57, .completion_tokens = 12}));
  EXPECT_EQ(sink.done_count(), 1);

  // The request, as the API documents it.
  ASSERT_EQ(server->requests().size(), 1u);
  const testing::LoopbackRequest request = server->requests().front();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/openai/v1/chat/completions");
  EXPECT_EQ(request.Header("authorization"), std::string("Bearer ") + kApiKey);
  EXPECT_EQ(request.Header("content-type"), "application/json");
  const json body = json::parse(request.body);
  EXPECT_EQ(body["model"], "llama-3.1-8b-instant");
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_DOUBLE_EQ(body["temperature"].get<double>(), 0.6);
  EXPECT_EQ(body["messages"], json::parse(R"([
      {"role": "system", "content": "You call for Smile Dental."},
      {"role": "assistant", "content": "Hello, is this Ada?"},
      {"role": "user", "content": "yes it is"}])"));
  std::vector<std::string> tools;
  for (const json& tool : body["tools"]) {
    EXPECT_EQ(tool["type"], "function");
    EXPECT_EQ(tool["function"]["parameters"]["type"], "object");
    tools.push_back(tool["function"]["name"]);
  }
  EXPECT_EQ(tools, (std::vector<std::string>{"goal_achieved", "goal_not_achieved", "opt_out",
                                             "end_call"}));
}

// Every way the server or the network can fail: the completion ends with the error the row
// names, once, and nothing of a broken stream is taken for a reply's end.
TEST_F(OpenAiChatModelTest, EachFailureEndsTheCompletionWithItsError) {
  const std::string text = Event(Chunk({{"content", "Hello"}}));
  struct Case {
    std::string name;
    StreamScript script;
    ErrorCode code;
    std::string message_has;
  };
  const std::vector<Case> cases = {
      {"401",
       {.status = 401,
        .headers = {{"Content-Type", "application/json"}},
        .pieces =
            {{.bytes =
                  R"({"error":{"message":"Invalid API Key","type":"invalid_request_error"}})"}}},
       ErrorCode::kUnauthenticated,
       "answered 401"},
      {"429",
       {.status = 429, .pieces = {{.bytes = "Rate limit reached"}}},
       ErrorCode::kUnavailable,
       "answered 429: Rate limit reached"},
      {"503", {.status = 503}, ErrorCode::kUnavailable, "answered 503"},
      {"400",
       {.status = 400, .pieces = {{.bytes = "model not found"}}},
       ErrorCode::kInvalidArgument,
       "model not found"},
      {"an error event mid-stream",
       {.pieces = {{.bytes = text},
                   {.bytes = Event({{"error", {{"message", "the model is overloaded"}}}})}}},
       ErrorCode::kUnavailable,
       "the model is overloaded"},
      {"a frame that is not JSON",
       {.pieces = {{.bytes = text}, {.bytes = "data: {oops\n\n"}}},
       ErrorCode::kInvalidArgument,
       "not a JSON object"},
      {"a tool call without its index",
       {.pieces = {{.bytes = Event(Chunk({{"tool_calls", json::array({{{"id", "x"}}})}}))}}},
       ErrorCode::kInvalidArgument,
       "without its index"},
      {"the connection dropped mid-reply",
       {.pieces = {{.bytes = text}}, .ending = StreamScript::Ending::kHangUp},
       ErrorCode::kUnavailable,
       "broke off"},
      {"a reply that ends unfinished",
       {.pieces = {{.bytes = text}}},
       ErrorCode::kUnavailable,
       "ended before it was finished"},
      {"a stall mid-reply",
       {.pieces = {{.bytes = text}}, .ending = StreamScript::Ending::kStall},
       ErrorCode::kUnavailable,
       "stalled for 300 ms"},
      {"no answer in time",
       {.delay_before_answer = 2s},
       ErrorCode::kUnavailable,
       "no answer from https://127.0.0.1"},
  };
  for (const Case& row : cases) {
    SCOPED_TRACE(row.name);
    auto server = Serve(row.script);
    OpenAiChatModel model =
        Model(server->BaseUrl(), {.first_byte_timeout = 300ms, .stall_timeout = 300ms});
    CompletionRecorder sink;
    auto completion = model.Complete(Request(), sink);
    const std::optional<Expected<void>> done = sink.WaitForDone();
    ASSERT_TRUE(done);
    ASSERT_FALSE(*done);
    EXPECT_EQ(done->error().code, row.code) << done->error().message;
    EXPECT_NE(done->error().message.find(row.message_has), std::string::npos)
        << done->error().message;
    EXPECT_EQ(done->error().message.find(kApiKey), std::string::npos);
    completion.reset();
    EXPECT_EQ(sink.done_count(), 1);
  }
}

TEST_F(OpenAiChatModelTest, AnUnreachableOrUntrustedServerIsUnavailable) {
  {
    OpenAiChatModel model =
        Model("https://127.0.0.1:" + std::to_string(testing::UnusedLoopbackPort()));
    CompletionRecorder sink;
    const std::optional<Expected<void>> done = CompleteOnce(model, sink);
    ASSERT_TRUE(done && !*done);
    EXPECT_EQ(done->error().code, ErrorCode::kUnavailable);
    EXPECT_NE(done->error().message.find("could not connect"), std::string::npos)
        << done->error().message;
  }
  // A server whose certificate no authority we trust signed.
  ScriptedStreamServer impostor([](const testing::LoopbackRequest&) { return StreamScript{}; },
                                testing::MakeSelfSignedCertificate("IP:127.0.0.1"));
  OpenAiChatModel model = Model(impostor.BaseUrl());
  CompletionRecorder sink;
  const std::optional<Expected<void>> done = CompleteOnce(model, sink);
  ASSERT_TRUE(done && !*done);
  EXPECT_EQ(done->error().code, ErrorCode::kUnavailable);
  EXPECT_NE(done->error().message.find("certificate verify failed"), std::string::npos)
      << done->error().message;
  EXPECT_TRUE(impostor.requests().empty());
}

// Cancelled mid-reply (a barge-in): the sink hears nothing more, not even the end.
TEST_F(OpenAiChatModelTest, ACancelledCompletionIsSilentFromThenOn) {
  auto server = Serve({.pieces = Cut(ReplyWithToolCall(), 40, 10ms)});
  OpenAiChatModel model = Model(server->BaseUrl());
  CompletionRecorder sink;
  auto completion = model.Complete(Request(), sink);
  ASSERT_TRUE(sink.WaitForText());
  completion->Cancel();
  const std::size_t heard = sink.texts().size();
  std::this_thread::sleep_for(1000ms);  // the rest (about 40 pieces, 10 ms apart) would be here
  EXPECT_EQ(sink.texts().size(), heard);
  EXPECT_TRUE(sink.calls().empty());
  EXPECT_EQ(sink.done_count(), 0);
}

}  // namespace
}  // namespace talky
