// Vonage's side of the media WebSocket, for tests: connects to /media as Vonage does, says
// websocket:connected with a call id and a rate, streams the callee's audio at real time (silence
// unless told to say something) and records what it hears: the agent's frames with their arrival
// times, our control messages, and how the connection closed. It answers as Vonage documents:
// `clear` drops what it had queued to play and is answered with websocket:cleared; `notify` is
// echoed once the audio received before it has played (at real time).
// Threads: one I/O thread of its own; every method may be called from the test's thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "domain/error.h"
#include "voice/audio.h"

namespace talky::testing {

class SimulatedCallee {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  struct Options {
    int port = 0;
    std::string call_id;
    int sample_rate = kWidebandRate;
    // The first message as sent; empty: the proper websocket:connected for call_id and rate.
    std::string first_message;
    bool stream_audio = true;  // send a frame every 20 ms once connected
  };

  // The WebSocket handshake is done and the first message sent.
  static Expected<std::unique_ptr<SimulatedCallee>> Connect(Options options);
  ~SimulatedCallee();

  // Speaks `speech` (at the call's rate) from the next frame on, after what is still queued.
  void Say(const Samples& speech);
  // When the last Say's first frame went out.
  std::optional<TimePoint> SpeechStartedAt();
  bool Speaking();
  void SendText(std::string text);
  void SendBinary(std::string bytes);

  struct Heard {
    Samples audio;                    // every agent frame, in order
    std::vector<TimePoint> arrivals;  // one per frame
    std::vector<std::size_t> sizes;   // bytes per frame
    std::vector<TimePoint> clears;    // when each {"action":"clear"} arrived
    std::vector<std::string> texts;   // every text message from us
    std::optional<int> close_code;    // once closed
    std::string close_reason;
  };
  Heard Snapshot();
  // Waits until `done(heard)` holds or the timeout passes; the final snapshot's verdict.
  bool WaitFor(const std::function<bool(const Heard&)>& done, std::chrono::milliseconds timeout);

 private:
  explicit SimulatedCallee(Options options);
  void Read();
  void Tick();
  void Queue(bool text, std::string data);
  void WriteNext();

  Options options_;
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::steady_timer frame_timer_;
  boost::beast::flat_buffer in_;
  TimePoint next_frame_{};
  TimePoint playback_end_{};  // when the agent audio received so far will have played
  std::deque<std::pair<bool, std::string>> outgoing_;
  std::pair<bool, std::string> in_flight_;
  bool writing_ = false;
  std::deque<std::int16_t> speech_;  // touched on the I/O thread and under mutex_
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable changed_;
  Heard heard_;
  std::optional<TimePoint> speech_started_;
  bool speech_start_pending_ = false;
};

}  // namespace talky::testing
