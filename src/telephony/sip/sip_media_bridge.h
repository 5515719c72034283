// One SIP call's audio carried to our media WebSocket (MediaSocketClient), so that its
// conversation runs in the voice pipeline exactly as a Vonage call's does (barge-in, latency
// tracking, recording and the rest unchanged):
//  - the caller's RTP audio (8 kHz, RtpMedia's on_frame) is resampled to the pipeline's 16 kHz and
//    sent up as 20 ms binary frames; RFC 4733 digits go up as websocket:dtmf;
//  - the agent's frames are resampled to 8 kHz and queued for RtpMedia's next_frame, which takes
//    20 ms at each RTP tick (comfort silence goes out while the queue is empty);
//  - the socket's actions are answered as Vonage does: `clear` drops the queued audio and says
//    websocket:cleared; `notify` is answered once the audio queued before it has gone out as RTP.
// Audio is bridged from Connect (the answer) to Close (the call's end): what comes before or
// after is dropped. A socket that cannot be reached or refuses the call is tried again, every
// 200 ms for 2 s (the dialer may not have stored the call yet when a quick callee answers); the
// socket closing otherwise (the agent hung up: options.hangup_delay later) or for good is
// reported to on_closed, so that the provider can end the SIP call.
//
// Threads: the RtpMedia callbacks run on the SIP thread, the socket on its strand; the queue
// between them is guarded by a mutex. Connect and Close may be called from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "domain/ids.h"
#include "telephony/media_socket_client.h"
#include "telephony/sip/rtp_media.h"
#include "voice/audio.h"
#include "voice/resampler.h"

namespace talky {

struct SipMediaBridgeOptions {
  MediaSocketAddress media;  // a talky serve's /media
  CallId call_id;            // named in websocket:connected
  // The agent's audio waiting to go out as RTP beyond this is dropped (the server paces its
  // frames at real time, a little ahead, so this is only reached when RTP cannot keep up).
  std::chrono::milliseconds max_queued{2'000};
  // When the agent hangs up (the socket closes normally), on_closed comes this much later, so
  // that its last words leave RTP's queue and play out of the far side's jitter buffer before
  // the BYE.
  std::chrono::milliseconds hangup_delay{300};
};

class SipMediaBridge final : public std::enable_shared_from_this<SipMediaBridge> {
 public:
  using OnClosed = std::function<void(const MediaSocketEnd& end)>;

  // `strand` is where the socket runs; on_closed runs there, once, unless Close came first.
  static std::shared_ptr<SipMediaBridge> Create(boost::asio::any_io_executor strand,
                                                SipMediaBridgeOptions options, OnClosed on_closed);

  // The callbacks for the call's RtpMedia (SipUserAgent::Invite); they hold the bridge.
  RtpMediaCallbacks MediaCallbacks();

  // The call was answered: connect to the media socket and start bridging. Once; not after Close.
  void Connect();
  // The call is over: stop bridging and close the socket (on_closed is not called for it).
  void Close();

  SipMediaBridge(boost::asio::any_io_executor strand, SipMediaBridgeOptions options,
                 OnClosed on_closed);

 private:
  // SIP thread.
  void OnCallerFrame(std::span<const std::int16_t> frame);
  void OnDigit(char digit, std::chrono::milliseconds duration);
  bool NextAgentFrame(std::span<std::int16_t> frame);
  // The socket's strand.
  void OnAgentAudio(std::span<const std::int16_t> frame);
  void OnAction(const nlohmann::json& action);
  void OnSocketClosed(const MediaSocketEnd& end);
  void ReportClosed(const MediaSocketEnd& end);
  void OpenSocket();  // under mutex_
  // Under mutex_: answers the notifies whose audio has gone out.
  void SendDueNotifies();

  boost::asio::any_io_executor strand_;
  const SipMediaBridgeOptions options_;
  OnClosed on_closed_;               // the strand's
  boost::asio::steady_timer timer_;  // the strand's: connect retries, the hang-up delay
  int connect_attempts_ = 0;         // under mutex_

  Resampler up_{kNarrowbandRate, kWidebandRate};    // SIP thread
  Samples up_pending_;                              // SIP thread: less than a 16 kHz frame
  Resampler down_{kWidebandRate, kNarrowbandRate};  // strand

  std::mutex mutex_;                           // guards everything below
  std::shared_ptr<MediaSocketClient> socket_;  // from Connect to Close
  bool closed_ = false;
  std::deque<std::int16_t> playback_;  // the agent's 8 kHz audio waiting for RTP
  std::uint64_t queued_ = 0;           // samples ever queued (dropped ones not counted)
  std::uint64_t played_ = 0;           // samples ever taken by RTP or cleared
  std::vector<std::pair<std::uint64_t, nlohmann::json>> notifies_;  // (queued_ then, payload)
};

}  // namespace talky
