// The far side of a simulated answered call when calls speak (talky run): it connects to our media
// WebSocket as Vonage does (MediaSocketClient: websocket:connected with the call id, the rate, and
// when the call was answered), streams its audio media_speed times faster than real time, and plays
// its CalleeScript. A person waits for the agent to finish each line and answers with the script's
// next reply, or talks over the agent's line; an answering machine plays its greeting (and beep)
// at once, then records in silence. `clear` and `notify` are answered as Vonage does, on the
// callee's media clock (one 20 ms frame per tick; an overloaded machine slows the media clock,
// it never sends bursts). The call ends when our side closes the connection (the agent hung up)
// or, failing that, after max_length of media time; `on_end` then hears the media time the call
// lasted, or the error that kept it from talking: kUnavailable when the socket could not be
// reached or refused the call before the agent spoke (the provider may try a new callee).
//
// Threads: everything runs on the strand given at Start; Hangup may be called from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"
#include "telephony/media_socket_client.h"
#include "telephony/simulated/callee_script.h"
#include "telephony/simulated/simulated_callee_voices.h"

namespace talky {

struct SpeakingCalleeOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  CallId call_id;
  Instant answered_at{};
  double media_speed = 1.0;  // > 0
  std::chrono::seconds max_length{900};
};

class SpeakingCallee final : public std::enable_shared_from_this<SpeakingCallee> {
 public:
  using OnEnd = std::function<void(Expected<std::chrono::milliseconds> media_length)>;

  // `voices` must outlive the call.
  static std::shared_ptr<SpeakingCallee> Start(boost::asio::any_io_executor strand,
                                               SpeakingCalleeOptions options, CalleeScript script,
                                               const SimulatedCalleeVoices& voices, OnEnd on_end);
  // The callee hangs up (the provider was asked to end the call).
  void Hangup();

  SpeakingCallee(boost::asio::any_io_executor strand, SpeakingCalleeOptions options,
                 CalleeScript script, const SimulatedCalleeVoices& voices, OnEnd on_end);

 private:
  void Connect();
  void OnAction(const nlohmann::json& action);
  void OnAgentFrame();
  void OnClosed(const MediaSocketEnd& end);
  void Tick();
  void Act();
  void Speak(const Samples& audio);
  void End(Expected<std::chrono::milliseconds> result);

  boost::asio::any_io_executor strand_;
  SpeakingCalleeOptions options_;
  CalleeScript script_;
  const SimulatedCalleeVoices& voices_;
  OnEnd on_end_;
  const std::chrono::steady_clock::duration tick_;
  std::shared_ptr<MediaSocketClient> socket_;
  boost::asio::steady_timer ticker_;
  bool ended_ = false;

  // The callee's media clock, in frames sent.
  long frames_ = 0;
  bool agent_heard_ = false;
  std::deque<std::int16_t> speech_;  // still to say
  std::size_t next_reply_ = 0;
  bool machine_spoke_ = false;
  long agent_frames_in_turn_ = 0;  // heard since the callee last spoke
  long last_agent_frame_ = -1;     // media frame of the latest agent frame
  long reply_due_ = -1;            // media frame at which the next reply starts
  long playback_end_ = 0;          // media frame by which the agent audio received has played
  std::vector<std::pair<long, nlohmann::json>> pending_notifies_;  // (due frame, message)
};

}  // namespace talky
