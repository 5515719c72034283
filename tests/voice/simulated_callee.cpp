#include "simulated_callee.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace talky::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using std::chrono::steady_clock;

SimulatedCallee::SimulatedCallee(Options options)
    : options_(std::move(options)), ws_(io_), frame_timer_(io_) {}

Expected<std::unique_ptr<SimulatedCallee>> SimulatedCallee::Connect(Options options) {
  std::unique_ptr<SimulatedCallee> callee(new SimulatedCallee(std::move(options)));
  beast::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                                   static_cast<unsigned short>(callee->options_.port));
  beast::get_lowest_layer(callee->ws_).socket().connect(endpoint, ec);
  if (!ec) callee->ws_.handshake("127.0.0.1", "/media", ec);
  if (ec) return std::unexpected(Error::Unavailable("media WebSocket: " + ec.message()));
  std::string first = callee->options_.first_message;
  if (first.empty()) {
    first = nlohmann::json{{"event", "websocket:connected"},
                           {"content-type",
                            "audio/l16;rate=" + std::to_string(callee->options_.sample_rate)},
                           {"call_id", callee->options_.call_id}}
                .dump();
  }
  callee->ws_.text(true);
  callee->ws_.write(asio::buffer(first), ec);
  if (ec) return std::unexpected(Error::Unavailable("media WebSocket: " + ec.message()));
  callee->Read();
  if (callee->options_.stream_audio) {
    callee->next_frame_ = steady_clock::now();
    callee->Tick();
  }
  callee->thread_ = std::thread([raw = callee.get()] { raw->io_.run(); });
  return callee;
}

SimulatedCallee::~SimulatedCallee() {
  asio::post(io_, [this] {
    frame_timer_.cancel();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  });
  thread_.join();
}

void SimulatedCallee::Say(const Samples& speech) {
  asio::post(io_, [this, speech] {
    std::lock_guard lock(mutex_);
    speech_start_pending_ = true;
    speech_.insert(speech_.end(), speech.begin(), speech.end());
  });
}

std::optional<SimulatedCallee::TimePoint> SimulatedCallee::SpeechStartedAt() {
  std::lock_guard lock(mutex_);
  return speech_started_;
}

bool SimulatedCallee::Speaking() {
  std::lock_guard lock(mutex_);
  return !speech_.empty() || speech_start_pending_;
}

void SimulatedCallee::SendText(std::string text) {
  asio::post(io_, [this, text = std::move(text)]() mutable { Queue(true, std::move(text)); });
}

void SimulatedCallee::SendBinary(std::string bytes) {
  asio::post(io_, [this, bytes = std::move(bytes)]() mutable { Queue(false, std::move(bytes)); });
}

SimulatedCallee::Heard SimulatedCallee::Snapshot() {
  std::lock_guard lock(mutex_);
  return heard_;
}

bool SimulatedCallee::WaitFor(const std::function<bool(const Heard&)>& done,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return done(heard_); });
}

void SimulatedCallee::Read() {
  ws_.async_read(in_, [this](beast::error_code ec, std::size_t) {
    const auto now = steady_clock::now();
    if (ec) {
      std::lock_guard lock(mutex_);
      heard_.close_code = ec == websocket::error::closed ? static_cast<int>(ws_.reason().code) : -1;
      heard_.close_reason = std::string(ws_.reason().reason.data(), ws_.reason().reason.size());
      if (ec != websocket::error::closed) heard_.close_reason = ec.message();
      changed_.notify_all();
      frame_timer_.cancel();
      return;
    }
    const std::string data(static_cast<const char*>(in_.cdata().data()), in_.size());
    in_.consume(in_.size());
    if (ws_.got_text()) {
      const nlohmann::json message = nlohmann::json::parse(data, nullptr, false);
      const std::string action = message.is_object() ? message.value("action", "") : "";
      if (action == "clear") {
        playback_end_ = now;
        Queue(true, R"({"event":"websocket:cleared"})");
      } else if (action == "notify") {
        auto timer = std::make_shared<asio::steady_timer>(io_, std::max(now, playback_end_));
        const std::string echo =
            nlohmann::json{{"event", "websocket:notify"}, {"payload", message["payload"]}}.dump();
        timer->async_wait([this, timer, echo](beast::error_code e) {
          if (!e) Queue(true, echo);
        });
      }
      std::lock_guard lock(mutex_);
      heard_.texts.push_back(data);
      if (action == "clear") heard_.clears.push_back(now);
    } else {
      playback_end_ = std::max(now, playback_end_) + kFrameDuration;
      std::lock_guard lock(mutex_);
      heard_.sizes.push_back(data.size());
      heard_.arrivals.push_back(now);
      for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
        const auto low = static_cast<unsigned char>(data[i]);
        const auto high = static_cast<unsigned char>(data[i + 1]);
        heard_.audio.push_back(
            static_cast<std::int16_t>(static_cast<std::uint16_t>(low | (high << 8))));
      }
    }
    changed_.notify_all();
    Read();
  });
}

// One frame of the callee's audio every 20 ms of real time: speech when there is some, else
// silence.
void SimulatedCallee::Tick() {
  const std::size_t samples = SamplesPerFrame(options_.sample_rate);
  std::string frame(samples * 2, '\0');
  {
    std::lock_guard lock(mutex_);
    if (speech_start_pending_ && !speech_.empty()) {
      speech_start_pending_ = false;
      speech_started_ = steady_clock::now();
    }
    for (std::size_t i = 0; i < samples && !speech_.empty(); ++i) {
      const auto sample = static_cast<std::uint16_t>(speech_.front());
      speech_.pop_front();
      frame[2 * i] = static_cast<char>(sample & 0xff);
      frame[2 * i + 1] = static_cast<char>(sample >> 8);
    }
  }
  Queue(false, std::move(frame));
  next_frame_ += kFrameDuration;
  frame_timer_.expires_at(next_frame_);
  frame_timer_.async_wait([this](beast::error_code ec) {
    if (!ec) Tick();
  });
}

void SimulatedCallee::Queue(bool text, std::string data) {
  outgoing_.emplace_back(text, std::move(data));
  if (!writing_) WriteNext();
}

void SimulatedCallee::WriteNext() {
  if (outgoing_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  in_flight_ = std::move(outgoing_.front());
  outgoing_.pop_front();
  ws_.text(in_flight_.first);
  ws_.async_write(asio::buffer(in_flight_.second), [this](beast::error_code ec, std::size_t) {
    if (ec) {
      writing_ = false;
      outgoing_.clear();
      return;
    }
    WriteNext();
  });
}

}  // namespace talky::testing
