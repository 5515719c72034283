// Deepgram's streaming recognizer as the calls' ears (spec: the pipeline's STT provider): one
// WebSocket per call to `/v1/listen` (linear16 at the call's rate, interim results, endpointing,
// utterance_end_ms, vad_events), opened when the call's pipeline starts so it is ready by the first
// reply. The caller's audio goes out as binary frames while the pipeline hears speech; between
// turns a KeepAlive every few seconds keeps the socket (Deepgram closes it after 10 s of nothing).
//
// Our turn taking ends each utterance (the pipeline's Finalize): we send Finalize and give the
// final pieces since the last utterance, joined, once Deepgram has flushed them (a result
// `from_finalize`), or at once when its own endpointing already closed the speech (`speech_final`,
// or UtteranceEnd) with nothing heard since, or after finalize_timeout with what came. The text is
// dictation: lower case, words only; `understood` when it is not empty (the conversation decides
// what it means). Expect() is taken as given and unused: Deepgram's hints are fixed per socket.
//
// Flux (a model named flux-*; `/v2/listen`) has its own turn detection, which we switch off
// (eot_threshold=1.0, Deepgram's "bring your own turn detection"): at our Finalize we send
// ForceEndTurn and the utterance is the transcript of the EndOfTurn that answers it.
//
// A socket that breaks is opened again (backoff 0.1 s, 0.4 s, 1.6 s) and the utterance in progress
// sent again from its start; when that fails too, the sink hears OnError. The socket ends with
// CloseStream when the call does.
#pragma once

#include <chrono>
#include <string>

#include "net/websocket_client.h"
#include "voice/speech_to_text.h"

namespace talky {

struct DeepgramSettings {
  std::string url;  // empty: Deepgram's (/v2/listen for Flux, else /v1/listen); the query is ours
  std::string api_key;  // sent as `Authorization: Token`
  std::string model = "nova-3";
  std::string language = "en";
  int endpointing_ms = 300;
  int utterance_end_ms = 1000;
  std::chrono::milliseconds keep_alive_every{4'000};
  std::chrono::milliseconds finalize_timeout{1'500};
  int reconnect_attempts = 3;
  WebSocketOptions websocket;
};

bool IsFluxModel(const std::string& model);

// The listening URL for a call at `sample_rate`: settings.url with the query Deepgram reads.
std::string DeepgramListenUrl(const DeepgramSettings& settings, int sample_rate);

class DeepgramSpeechToText final : public SpeechToText {
 public:
  // `io` and `tls` must outlive this and its recognizers.
  DeepgramSpeechToText(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                       DeepgramSettings settings);

  Expected<std::unique_ptr<SpeechRecognizer>> Open(int sample_rate, RecognitionSink& sink) override;

 private:
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  DeepgramSettings settings_;
};

}  // namespace talky
