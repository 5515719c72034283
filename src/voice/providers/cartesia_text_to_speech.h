// Cartesia's streaming synthesis as the agent's voice (spec: CartesiaTTSProvider): one WebSocket
// per call (`/tts/websocket`, `Cartesia-Version` header), opened at once so the greeting does not
// wait for it; its audio raw pcm_s16le at the request's rate.
//
// One context carries a whole agent turn, so its sentences keep one prosody: the turn's first
// sentence opens it (context_id from the turn_id), each sentence is sent with `continue: true` and
// then a flush, and is done at that flush's `flush_done`, its audio being the chunks of its
// flush_id; the turn's last sentence is sent with `continue: false` and is done at the context's
// `done`. A turn whose end was not known when its last sentence went is left to Cartesia, which
// expires a context a second after its last audio; for the same reason a sentence that comes more
// than continue_within after the one before it was done opens a new context for the turn. A
// request without a turn_id is a context of its own, its text sent whole (`continue: false`).
//
// Cancelling a sentence in flight (barge-in) sends `cancel` for its context and drops whatever of
// it still comes: no audio of a cancelled context reaches a sink. Destroying the handle of a
// sentence already done cancels nothing.
//
// A context fails on Cartesia's `error` for it, or when no audio comes for stall_timeout: the
// sentence in flight ends with the error, and so do the turn's later sentences (at once) while
// they come within continue_within of each other. A socket that breaks fails every context; the
// next sentence opens a new socket, unless the last attempt failed less than a backoff ago (0.1 s,
// doubling to 5 s), when it fails at once. The pipeline's fallback (text_to_speech_with_fallback.h)
// then speaks the sentence offline.
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
  // Cartesia expires a context 1 s after its last audio; this leaves room for the network.
  std::chrono::milliseconds continue_within{600};
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
