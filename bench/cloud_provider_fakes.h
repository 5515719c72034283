// Fakes of the cloud voice providers for `talky bench voice --providers cloud-fakes`, answering at
// once over loopback in each API's wire format, so the benchmark measures our real clients
// (Deepgram, OpenAI-compatible, Cartesia) and the pipeline, not a provider: Deepgram hears "yes"
// at every Finalize; the model streams BenchReply as Server-Sent Events with its usage; Cartesia
// speaks each transcript as BenchTone, 100 ms per word, in one chunk, and answers flushes and
// context ends as Cartesia does. All asynchronous on one HttpServer: thousands of sockets, no
// thread each. Benchmark code only.
#pragma once

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "domain/error.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "http/router.h"

namespace talky {

class CloudProviderFakes {
 public:
  CloudProviderFakes();
  ~CloudProviderFakes();  // stops the server
  CloudProviderFakes(const CloudProviderFakes&) = delete;
  CloudProviderFakes& operator=(const CloudProviderFakes&) = delete;

  // Listens on 127.0.0.1 with `threads` threads; the URLs below are valid from then on.
  Expected<void> Start(int threads);

  std::string DeepgramUrl() const;          // ws://127.0.0.1:<port>/v1/listen
  std::string ChatCompletionsBase() const;  // http://127.0.0.1:<port>/v1
  std::string CartesiaUrl() const;          // ws://127.0.0.1:<port>/tts/websocket
  // What they served: {"deepgram_finalizes", "chat_completions", "cartesia_contexts",
  // "cartesia_sentences", "cartesia_flushes"}.
  nlohmann::json Served() const;

 private:
  class Endpoint;
  std::unique_ptr<Endpoint> deepgram_;
  std::unique_ptr<Endpoint> cartesia_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> finalizes_{0};
  std::atomic<int> completions_{0};
  std::atomic<int> contexts_{0};
  std::atomic<int> sentences_{0};  // transcripts Cartesia spoke
  std::atomic<int> flushes_{0};
};

}  // namespace talky
