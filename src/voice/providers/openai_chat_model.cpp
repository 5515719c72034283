#include "voice/providers/openai_chat_model.h"

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "net/server_sent_events.h"
#include "voice/prompt_manager.h"
#include "voice/providers/chat_stream_reader.h"

namespace talky {
namespace {

using nlohmann::json;

json Tool(const char* name, const char* description, json properties = json::object()) {
  return {{"type", "function"},
          {"function",
           {{"name", name},
            {"description", description},
            {"parameters", {{"type", "object"}, {"properties", std::move(properties)}}}}}};
}

json ToolsArray() {
  const json reason = {{"reason", {{"type", "string"}, {"description", "In a few words."}}}};
  return json::array(
      {Tool("goal_achieved", "The call's goal is reached (the callee agreed).", reason),
       Tool("goal_not_achieved", "The goal clearly cannot be reached on this call.", reason),
       Tool("opt_out",
            "The callee asked not to be called again: their number goes on the Do-Not-Call "
            "list. Then confirm and say goodbye."),
       Tool("end_call", "Hang up once your goodbye has been said.")});
}

std::string RequestBody(const ChatModelSettings& settings, const CompletionRequest& request) {
  json messages = json::array();
  if (!request.system_prompt.empty()) {
    messages.push_back({{"role", "system"}, {"content", request.system_prompt}});
  }
  for (const Message& message :
       HistoryWithinBudget(request.history, settings.history_token_budget)) {
    messages.push_back({{"role", ToString(message.role)}, {"content", message.content}});
  }
  json body = {{"model", settings.model},
               {"messages", std::move(messages)},
               {"temperature", request.temperature},
               {"max_tokens", request.max_tokens},
               {"stream", true},
               {"tools", ToolsArray()},
               {"tool_choice", "auto"}};
  if (settings.report_usage) body["stream_options"] = {{"include_usage", true}};
  return body.dump();
}

// One completion: the stream's handler, reading its events into the sink.
class ChatCompletion final : public Completion, public HttpStreamHandler {
 public:
  ChatCompletion(CompletionSink& sink, std::string origin)
      : sink_(sink), origin_(std::move(origin)) {}
  ~ChatCompletion() override { Cancel(); }

  void Begin(std::shared_ptr<HttpStream> stream) {
    std::lock_guard lock(mutex_);
    stream_ = std::move(stream);
    if (over_) stream_->Cancel();  // it failed before it was ours to hold
  }

  void Cancel() override {
    std::shared_ptr<HttpStream> stream;
    {
      std::lock_guard lock(mutex_);
      over_ = true;
      stream = stream_;
    }
    if (stream) stream->Cancel();  // waits for a callback in progress
  }

  void OnBody(std::string_view piece) override {
    if (over_) return;
    Expected<std::vector<ServerSentEvent>> events = events_.Feed(piece);
    if (!events) return Finish(std::unexpected(events.error()));
    for (const ServerSentEvent& event : *events) {
      Expected<ChatStreamUpdate> update = chunks_.Read(event.data);
      if (!update) return Finish(std::unexpected(update.error()));
      if (!update->text.empty()) sink_.OnText(update->text);
      for (ToolCall& call : update->tool_calls) sink_.OnToolCall(std::move(call));
      if (update->usage) usage_ = update->usage;
      finished_ = finished_ || update->finished;
      if (update->done) return Finish({});
    }
  }

  void OnEnd(Expected<void> result) override {
    if (over_) return;
    if (result && !finished_) {
      result = std::unexpected(
          Error::Unavailable("the reply from " + origin_ + " ended before it was finished"));
    }
    Finish(std::move(result));
  }

 private:
  // The stream's callbacks come one at a time: over_ needs no lock there.
  void Finish(Expected<void> result) {
    bool cancel = false;
    {
      std::lock_guard lock(mutex_);
      if (over_) return;
      over_ = true;
      cancel = stream_ != nullptr;
    }
    if (usage_) sink_.OnUsage(*usage_);
    sink_.OnDone(std::move(result));
    if (cancel) stream_->Cancel();
  }

  CompletionSink& sink_;
  const std::string origin_;
  ServerSentEventReader events_;
  ChatStreamReader chunks_;
  std::optional<TokenUsage> usage_;
  bool finished_ = false;

  std::mutex mutex_;
  std::shared_ptr<HttpStream> stream_;
  std::atomic<bool> over_ = false;
};

}  // namespace

std::string ChatModelToolsJson() { return ToolsArray().dump(); }

OpenAiChatModel::OpenAiChatModel(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                                 ChatModelSettings settings)
    : io_(io), tls_(tls), settings_(std::move(settings)) {}

std::unique_ptr<Completion> OpenAiChatModel::Complete(CompletionRequest request,
                                                      CompletionSink& sink) {
  HttpClientRequest http{
      .method = "POST",
      .url = settings_.base_url + "/chat/completions",
      .headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}},
      .body = RequestBody(settings_, request)};
  if (!settings_.api_key.empty()) {
    http.headers.emplace_back("Authorization", "Bearer " + settings_.api_key);
  }
  auto completion = std::make_unique<ChatCompletion>(sink, settings_.base_url);
  completion->Begin(HttpStream::Start(io_, tls_, std::move(http), settings_.http, *completion));
  return completion;
}

}  // namespace talky
