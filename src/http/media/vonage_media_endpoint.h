// The media WebSocket (`/media`) that Vonage connects to when a call is answered, as VOICE.md
// describes Vonage's protocol: the first text message `websocket:connected` names the audio format
// and our call id; then binary messages of exactly 20 ms of 16-bit little-endian PCM flow both
// ways, DTMF and our `clear`/`notify` answers as text. Each connection is one call's
// MediaGateway: the call's pipeline (from the MediaCallAcceptor) hears the caller's frames, and
// the connection pulls the agent's frames at real time, at most max_lead ahead of the media clock
// (how late that clock's ticks fire: talky_media_pacing_lateness_seconds). With
// pace_by_caller_audio the caller's frames are the media clock instead (talky run's simulated
// callees stream faster than real time).
//
// Bad input closes only its own connection, with a close code and a reason, a warning and a count
// in talky_media_closes_total{reason}: a first message that is not websocket:connected, an
// unknown or finished call, a second connection for a call, a binary frame of the wrong size,
// text that is no known event, a peer that stops reading (more than max_queued_writes messages
// waiting: memory stays bounded, other calls are not delayed). Reading is one message at a time,
// so a slow pipeline slows only its own peer (TCP backpressure).
//
// Threads: each connection runs on its socket's strand. The acceptor and the metrics must outlive
// the endpoint, which must outlive the server it is routed on (HttpServer::Stop calls CloseAll).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "http/connection_endpoint.h"
#include "http/metrics.h"
#include "voice/media_gateway.h"

namespace talky {

struct VonageMediaOptions {
  std::chrono::milliseconds first_message_timeout{5'000};
  std::chrono::milliseconds max_lead{100};  // agent audio sent ahead of the media clock
  // The agent's frames follow the caller's (one per caller frame, max_lead ahead) rather than
  // real time: both sides of a simulated call then share one media clock, however fast it runs.
  bool pace_by_caller_audio = false;
  std::size_t max_queued_writes = 100;  // 2 s of audio frames
  std::size_t max_message_bytes = 64 * 1024;
};

class VonageMediaEndpoint final : public ConnectionEndpoint {
 public:
  VonageMediaEndpoint(MediaCallAcceptor& acceptor, Metrics& metrics,
                      VonageMediaOptions options = {});
  ~VonageMediaEndpoint() override;

  void TakeOver(boost::asio::ip::tcp::socket socket,
                boost::beast::http::request<boost::beast::http::string_body> request) override;
  void CloseAll(std::chrono::milliseconds grace) override;

  class Connection;  // vonage_media_endpoint.cpp

 private:
  friend class Connection;
  void Register(const std::shared_ptr<Connection>& connection);
  void Unregister(const Connection* connection);

  MediaCallAcceptor& acceptor_;
  Metrics& metrics_;
  Metrics::Histogram& pacing_lateness_;
  const VonageMediaOptions options_;
  std::mutex mutex_;
  std::condition_variable connections_changed_;
  std::map<const Connection*, std::weak_ptr<Connection>> connections_;
};

}  // namespace talky
