// Cartesia's streaming synthesis as the agent's voice (spec: CartesiaTTSProvider): one WebSocket
// per call (`/tts/websocket`, `Cartesia-Version` header), opened at once so the greeting does not
// wait for it. Each synthesis is a context of its own on that socket, its text sent whole
// (`continue: false`: the pipeline hands over one sentence at a time), its audio raw pcm_s16le at
// the request's rate. Cancel sends `cancel` for the context and drops whatever of it still comes:
// no audio of a cancelled context reaches the sink.
//
// A context fails (OnDone with the error) on Cartesia's `error`, on a socket that breaks, or when
// no audio comes for stall_timeout; the next synthesis opens a new socket, unless the last attempt
// failed less than a backoff ago (0.1 s, doubling to 5 s), when it fails at once. The pipeline's
// fallback (text_to_speech_with_fallback.h) then speaks the sentence offline.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "net/websocket_client.h"
#include "voice/text_to_speech.h"

namespace talky {

struct CartesiaSettings {
  std::string url = "wss://api.cartesia.ai/tts/websocket";
  std::string api_key;  // sent as `Authorization: Bearer`
  std::string version = "2025-04-16";
  std::string model = "sonic-2";
  std::string voice;  // Cartesia's voice id; the request's voice is the offline voice's name
  std::string language = "en";
  std::chrono::milliseconds stall_timeout{5'000};
  WebSocketOptions websocket;
};

class CartesiaTextToSpeech final : public TextToSpeech {
 public:
  // `io` and `tls` must outlive this and its syntheses. Connects at once.
  CartesiaTextToSpeech(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                       CartesiaSettings settings);
  ~CartesiaTextToSpeech() override;  // closes the socket; syntheses must be over or cancelled

  std::unique_ptr<Synthesis> Synthesize(SynthesisRequest request, SynthesisSink& sink) override;

  class Speaking;  // the socket and its contexts

 private:
  std::shared_ptr<Speaking> speaking_;
};

}  // namespace talky
