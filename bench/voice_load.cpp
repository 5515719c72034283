#include "bench/voice_load.h"

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cmath>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numbers>
#include <thread>

#include "bench/cpu_time.h"

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kFrame = 20ms;
constexpr auto kAgentTurnOver = 150ms;  // no agent frame for this long: its turn has ended
constexpr std::size_t kMaxQueuedFrames = 50;

// What every call reports into; guarded by `mutex` except the counters.
struct VoiceLoadState {
  explicit VoiceLoadState(const VoiceLoadOptions& load_options) : options(load_options) {}
  const VoiceLoadOptions& options;
  std::mutex mutex;
  VoiceLoadResult result;
  std::atomic<int> greeted = 0;
  std::atomic<int> remaining = 0;
  std::function<void()> on_all_connected;
  std::function<void()> on_all_done;
};

class BenchCallee : public std::enable_shared_from_this<BenchCallee> {
 public:
  BenchCallee(asio::io_context& io, VoiceLoadState& state, int index)
      : ws_(asio::make_strand(io)),
        timer_(ws_.get_executor()),
        state_(state),
        index_(index),
        frame_bytes_(static_cast<std::size_t>(state.options.sample_rate) / 50 * 2),
        tone_(MakeTone()) {}

  void Start(SteadyClock::duration delay) {
    timer_.expires_after(delay);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->Fail("start: " + ec.message());
      self->Connect();
    });
  }

 private:
  enum class Phase { kListening, kPausing, kSpeaking, kEndpointing, kAwaitingAnswer, kDone };

  std::string MakeTone() const {
    std::string bytes(frame_bytes_, '\0');
    for (std::size_t i = 0; i < frame_bytes_ / 2; ++i) {
      const double phase =
          2 * std::numbers::pi * 300.0 * static_cast<double>(i) / state_.options.sample_rate;
      const auto sample = static_cast<std::uint16_t>(
          static_cast<std::int16_t>(4000 * std::sin(phase) + (i % 2 == 0 ? 1 : -1)));
      bytes[2 * i] = static_cast<char>(sample & 0xff);
      bytes[2 * i + 1] = static_cast<char>(sample >> 8);
    }
    return bytes;
  }

  void Connect() {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(state_.options.port));
    beast::get_lowest_layer(ws_).async_connect(
        endpoint, [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->Fail("connect: " + ec.message());
          beast::error_code ignored;  // as Vonage's side would: frames go out as they are written
          beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true),
                                                                 ignored);
          self->ws_.async_handshake("127.0.0.1", "/media", [self](beast::error_code ec2) {
            if (ec2) return self->Fail("handshake: " + ec2.message());
            self->SendConnected();
          });
        });
  }

  void SendConnected() {
    connected_message_ =
        nlohmann::json{
            {"event", "websocket:connected"},
            {"content-type", "audio/l16;rate=" + std::to_string(state_.options.sample_rate)},
            {"call_id", "bench-" + std::to_string(index_)}}
            .dump();
    ws_.text(true);
    ws_.async_write(asio::buffer(connected_message_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->Fail("websocket:connected: " + ec.message());
                      self->ws_.binary(true);
                      self->Read();
                      self->next_frame_ = SteadyClock::now();
                      self->first_frame_at_ = self->next_frame_;
                      self->Tick();
                    });
  }

  void Read() {
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (self->phase_ != Phase::kDone) self->Fail("read: " + ec.message());
        return;
      }
      if (!self->ws_.got_text()) self->OnAgentFrame();
      self->in_.consume(self->in_.size());
      self->Read();
    });
  }

  void OnAgentFrame() {
    const auto now = SteadyClock::now();
    last_agent_frame_ = now;
    if (!greeted_) {
      greeted_ = true;
      if (++state_.greeted == state_.options.calls && state_.on_all_connected) {
        state_.on_all_connected();
      }
    }
    if (phase_ == Phase::kAwaitingAnswer) {
      const auto added = now - turn_completed_at_ - state_.options.provider_delay;
      latencies_.push_back(std::chrono::duration<double, std::milli>(added).count());
      ++answers_;
      phase_ = Phase::kListening;
      speech_offset_ = 0;
    }
    if (phase_ == Phase::kListening) agent_frames_this_turn_ = true;
  }

  // Every 20 ms of this call's media clock: the next caller frame.
  void Tick() {
    if (phase_ == Phase::kDone) return;
    const auto now = SteadyClock::now();
    const VoiceLoadOptions& options = state_.options;
    bool speech = false;
    switch (phase_) {
      case Phase::kListening:
        if (agent_frames_this_turn_ && now - last_agent_frame_ > kAgentTurnOver) {
          phase_ = Phase::kPausing;
          pause_until_ = now + options.pause;
          agent_frames_this_turn_ = false;
        }
        break;
      case Phase::kPausing:
        if (now < pause_until_) break;
        if (answers_ >= options.turns) return HangUp();
        phase_ = Phase::kSpeaking;
        frames_left_ = static_cast<int>(options.speech / kFrame);
        if (!options.speech_samples.empty()) {
          frames_left_ = static_cast<int>(options.speech_samples.size() * 2 / frame_bytes_);
        }
        [[fallthrough]];
      case Phase::kSpeaking:
        speech = true;
        if (--frames_left_ <= 0) {
          phase_ = Phase::kEndpointing;
          frames_left_ = static_cast<int>(options.endpointing / kFrame);
        }
        break;
      case Phase::kEndpointing:
        if (--frames_left_ <= 0) {
          phase_ = Phase::kAwaitingAnswer;
          turn_completed_at_ = now;
        }
        break;
      case Phase::kAwaitingAnswer:
      case Phase::kDone:
        break;
    }
    Send(speech ? SpeechFrame() : std::string(frame_bytes_, '\0'));
    next_frame_ += kFrame;
    timer_.expires_at(next_frame_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Tick();
    });
  }

  // The next frame of the caller's speech: the given samples, or the tone.
  std::string SpeechFrame() {
    const std::vector<std::int16_t>& samples = state_.options.speech_samples;
    if (samples.empty()) return tone_;
    std::string bytes(frame_bytes_, '\0');
    for (std::size_t i = 0; i < frame_bytes_ / 2 && speech_offset_ < samples.size(); ++i) {
      const auto sample = static_cast<std::uint16_t>(samples[speech_offset_++]);
      bytes[2 * i] = static_cast<char>(sample & 0xff);
      bytes[2 * i + 1] = static_cast<char>(sample >> 8);
    }
    return bytes;
  }

  void Send(std::string frame) {
    if (outgoing_.size() >= kMaxQueuedFrames) return Fail("the server stopped reading");
    outgoing_.push_back(std::move(frame));
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    if (outgoing_.empty() || phase_ == Phase::kDone) {
      writing_ = false;
      return;
    }
    writing_ = true;
    in_flight_ = std::move(outgoing_.front());
    outgoing_.pop_front();
    ws_.async_write(asio::buffer(in_flight_),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) {
                        if (self->phase_ != Phase::kDone) self->Fail("write: " + ec.message());
                        return;
                      }
                      self->WriteNext();
                    });
  }

  void HangUp() {
    Done(true, "");
    timer_.cancel();
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](auto) {});
  }

  void Fail(std::string why) {
    if (phase_ == Phase::kDone) return;
    Done(false, std::move(why));
    timer_.cancel();
    beast::get_lowest_layer(ws_).close();
  }

  void Done(bool finished, std::string why) {
    phase_ = Phase::kDone;
    {
      std::lock_guard lock(state_.mutex);
      VoiceLoadResult& result = state_.result;
      result.engine_latency_ms.insert(result.engine_latency_ms.end(), latencies_.begin(),
                                      latencies_.end());
      if (first_frame_at_ != SteadyClock::time_point{}) {
        result.call_seconds +=
            std::chrono::duration<double>(SteadyClock::now() - first_frame_at_).count();
      }
      if (finished) {
        ++result.calls_finished;
      } else {
        ++result.calls_failed;
        if (result.first_failure.empty()) {
          result.first_failure = "call " + std::to_string(index_) + ": " + why;
        }
      }
    }
    if (--state_.remaining == 0 && state_.on_all_done) state_.on_all_done();
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  VoiceLoadState& state_;
  const int index_;
  const std::size_t frame_bytes_;
  const std::string tone_;
  std::string connected_message_;
  beast::flat_buffer in_;
  std::deque<std::string> outgoing_;
  std::string in_flight_;
  bool writing_ = false;

  Phase phase_ = Phase::kListening;
  bool greeted_ = false;
  bool agent_frames_this_turn_ = false;
  SteadyClock::time_point first_frame_at_{};
  SteadyClock::time_point next_frame_{};
  SteadyClock::time_point last_agent_frame_{};
  SteadyClock::time_point pause_until_{};
  SteadyClock::time_point turn_completed_at_{};
  int frames_left_ = 0;
  int answers_ = 0;
  std::size_t speech_offset_ = 0;
  std::vector<double> latencies_;
};

}  // namespace

Expected<VoiceLoadResult> RunVoiceLoad(const VoiceLoadOptions& options,
                                       std::function<void()> on_all_connected) {
  if (options.calls < 1 || options.threads < 1 || options.turns < 1) {
    return std::unexpected(Error::InvalidArgument("calls, threads and turns must be at least 1"));
  }
  if (options.sample_rate != 8000 && options.sample_rate != 16000) {
    return std::unexpected(Error::InvalidArgument("the sample rate must be 8000 or 16000"));
  }
  asio::io_context io;
  VoiceLoadState state(options);
  state.remaining = options.calls;
  state.on_all_connected = std::move(on_all_connected);
  asio::steady_timer deadline(asio::make_strand(io));
  state.on_all_done = [&] { asio::post(deadline.get_executor(), [&] { deadline.cancel(); }); };
  deadline.expires_after(options.timeout);
  deadline.async_wait([&](beast::error_code ec) {
    if (!ec) io.stop();  // calls still going count as failed below
  });

  const auto started = SteadyClock::now();
  for (int i = 0; i < options.calls; ++i) {
    const auto delay = options.ramp * i / options.calls;
    std::make_shared<BenchCallee>(io, state, i + 1)->Start(delay);
  }
  std::mutex cpu_mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&] {
      io.run();
      const double cpu = ThreadCpuSeconds();
      std::lock_guard lock(cpu_mutex);
      state.result.client_cpu_seconds += cpu;
    });
  }
  for (std::thread& thread : threads) thread.join();
  VoiceLoadResult result = std::move(state.result);
  result.elapsed = SteadyClock::now() - started;
  const int unfinished = options.calls - result.calls_finished - result.calls_failed;
  if (unfinished > 0) {
    result.calls_failed += unfinished;
    if (result.first_failure.empty()) result.first_failure = "the run timed out";
  }
  return result;
}

}  // namespace talky
