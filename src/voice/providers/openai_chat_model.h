// Any OpenAI-compatible chat completions API as the agent's language model (spec:
// GroqLLMProvider): Groq, OpenAI, and local servers (llama.cpp's server, vLLM, Ollama) alike. The
// reply is streamed (SSE) and handed on as it comes: text pieces, and the call's tools (end_call,
// goal_achieved, goal_not_achieved, opt_out) whose arguments arrive in pieces, given whole. Token
// usage is asked for and reported. An error before or during the stream (unreachable, 401, 429,
// 5xx, a malformed frame, a stall, the server's error event) ends the completion with it.
//
// Many completions share the io_context given (its threads run every stream); the sink is called
// on them (language_model.h's rules).
#pragma once

#include <string>

#include "net/http_stream.h"
#include "voice/language_model.h"

namespace talky {

struct ChatModelSettings {
  std::string base_url;  // ".../v1": requests go to base_url + "/chat/completions"
  std::string api_key;   // sent as a Bearer token; empty for a server that wants none
  std::string model;
  bool report_usage = true;  // ask for it (stream_options.include_usage; Groq sends it anyway)
  // The history sent is cut to this (prompt_manager.h: the greeting and the latest turns).
  int history_token_budget = 3000;
  HttpStreamOptions http;
};

// The tools every call offers a cloud model, as the API's `tools` array.
std::string ChatModelToolsJson();

class OpenAiChatModel final : public LanguageModel {
 public:
  // `io` and `tls` must outlive the model and its completions.
  OpenAiChatModel(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                  ChatModelSettings settings);

  std::unique_ptr<Completion> Complete(CompletionRequest request, CompletionSink& sink) override;

 private:
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  ChatModelSettings settings_;
};

}  // namespace talky
