#include "telephony/simulated/speaking_callee.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace talky {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr long kMachinePicksUpAfter = 25;  // frames: half a second
constexpr long kAgentDoneAfter = 50;       // frames of no agent audio that end its line: 1 s
constexpr long kThinkFrames = 20;          // before answering: 400 ms
constexpr long kInterruptAfter = 75;       // frames of the agent's line before talking over it

}  // namespace

std::shared_ptr<SpeakingCallee> SpeakingCallee::Start(asio::any_io_executor strand,
                                                      SpeakingCalleeOptions options,
                                                      CalleeScript script,
                                                      const SimulatedCalleeVoices& voices,
                                                      OnEnd on_end) {
  auto callee = std::make_shared<SpeakingCallee>(strand, std::move(options), std::move(script),
                                                 voices, std::move(on_end));
  asio::post(strand, [callee] { callee->Connect(); });
  return callee;
}

SpeakingCallee::SpeakingCallee(asio::any_io_executor strand, SpeakingCalleeOptions options,
                               CalleeScript script, const SimulatedCalleeVoices& voices,
                               OnEnd on_end)
    : strand_(strand),
      options_(std::move(options)),
      script_(std::move(script)),
      voices_(voices),
      on_end_(std::move(on_end)),
      tick_(std::chrono::duration_cast<SteadyClock::duration>(
          std::chrono::duration<double, std::milli>(20.0 / options_.media_speed))),
      ws_(strand),
      ticker_(strand) {}

void SpeakingCallee::Hangup() {
  asio::post(strand_, [self = shared_from_this()] { self->Close(); });
}

void SpeakingCallee::Connect() {
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.host, ec);
  if (ec) return End(std::unexpected(Error::InvalidArgument("bad media host " + options_.host)));
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws_).async_connect(
      asio::ip::tcp::endpoint(address, static_cast<unsigned short>(options_.port)),
      [self = shared_from_this()](beast::error_code error) {
        if (self->ended_) return;
        if (error) {
          return self->End(std::unexpected(Error::Unavailable("media socket: " + error.message())));
        }
        beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        self->ws_.async_handshake(
            self->options_.host, "/media", [self](beast::error_code handshake_error) {
              if (self->ended_) return;
              if (handshake_error) {
                return self->End(std::unexpected(
                    Error::Unavailable("media socket handshake: " + handshake_error.message())));
              }
              beast::get_lowest_layer(self->ws_).expires_never();
              self->connected_ = true;
              self->Queue(
                  true,
                  nlohmann::json{{"event", "websocket:connected"},
                                 {"content-type",
                                  "audio/l16;rate=" + std::to_string(self->voices_.sample_rate())},
                                 {"call_id", self->options_.call_id.value},
                                 {"answered_at", FormatIso8601(self->options_.answered_at)}}
                      .dump());
              self->Read();
              self->ticker_.expires_after(self->tick_);
              self->ticker_.async_wait([self](beast::error_code e) {
                if (!e) self->Tick();
              });
            });
      });
}

void SpeakingCallee::Read() {
  ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (self->ended_) return;
    if (ec) {
      const auto code = self->ws_.reason().code;
      const bool refused =
          ec == websocket::error::closed && (code == websocket::close_code::policy_error ||
                                             code == websocket::close_code::try_again_later);
      if (refused && !self->agent_heard_) {
        return self->End(std::unexpected(Error::Unavailable(
            "the media socket refused the call: " +
            std::string(self->ws_.reason().reason.data(), self->ws_.reason().reason.size()))));
      }
      return self->End(self->frames_ * milliseconds(20));
    }
    const std::string data(static_cast<const char*>(self->in_.cdata().data()), self->in_.size());
    self->in_.consume(self->in_.size());
    if (self->ws_.got_text()) {
      self->OnText(data);
    } else {
      self->OnAgentFrame();
    }
    self->Read();
  });
}

void SpeakingCallee::OnText(const std::string& data) {
  const nlohmann::json message = nlohmann::json::parse(data, nullptr, false);
  const std::string action = message.is_object() ? message.value("action", "") : "";
  if (action == "clear") {
    playback_end_ = frames_;
    Queue(true, R"({"event":"websocket:cleared"})");
  } else if (action == "notify") {
    pending_notifies_.emplace_back(
        std::max(playback_end_, frames_),
        nlohmann::json{{"event", "websocket:notify"}, {"payload", message["payload"]}}.dump());
  }
}

void SpeakingCallee::OnAgentFrame() {
  agent_heard_ = true;
  playback_end_ = std::max(playback_end_, frames_) + 1;
  last_agent_frame_ = frames_;
  ++agent_frames_in_turn_;
}

// One 20 ms frame of the callee's media clock.
void SpeakingCallee::Tick() {
  if (ended_) return;
  ++frames_;
  if (frames_ * milliseconds(20) >= options_.max_length) return Close();
  Act();
  const std::size_t samples = SamplesPerFrame(voices_.sample_rate());
  std::string frame(samples * 2, '\0');
  const bool was_speaking = !speech_.empty();
  for (std::size_t i = 0; i < samples && !speech_.empty(); ++i) {
    const auto sample = static_cast<std::uint16_t>(speech_.front());
    speech_.pop_front();
    frame[2 * i] = static_cast<char>(sample & 0xff);
    frame[2 * i + 1] = static_cast<char>(sample >> 8);
  }
  if (was_speaking && speech_.empty()) agent_frames_in_turn_ = 0;  // listening again
  Queue(false, std::move(frame));
  std::erase_if(pending_notifies_, [this](const std::pair<long, std::string>& notify) {
    if (notify.first > frames_) return false;
    Queue(true, notify.second);
    return true;
  });
  // Late ticks are not made up in a burst: the media clock slows instead.
  const auto now = SteadyClock::now();
  auto due = ticker_.expiry() + tick_;  // (the timer's last expiry: this tick's due time)
  if (due < now - tick_) due = now;
  ticker_.expires_at(due);
  ticker_.async_wait([self = shared_from_this()](beast::error_code e) {
    if (!e) self->Tick();
  });
}

// What the callee does on this frame.
void SpeakingCallee::Act() {
  if (script_.answering_machine) {
    if (machine_spoke_ || frames_ < kMachinePicksUpAfter) return;
    machine_spoke_ = true;
    Speak(voices_.MachineGreeting(script_.voice));
    if (script_.beep) Speak(voices_.Beep());
    return;
  }
  if (!speech_.empty() || next_reply_ >= script_.replies.size()) return;
  const CalleeLine& line = script_.replies[next_reply_];
  const bool agent_done =
      agent_frames_in_turn_ > 0 && frames_ - last_agent_frame_ >= kAgentDoneAfter;
  if (reply_due_ < 0 && agent_done) reply_due_ = frames_ + kThinkFrames;
  const bool interrupt = line.over_the_agent && agent_frames_in_turn_ >= kInterruptAfter;
  if (!interrupt && (reply_due_ < 0 || frames_ < reply_due_)) return;
  Speak(voices_.Line(line.text, script_.voice));
  ++next_reply_;
  reply_due_ = -1;
}

void SpeakingCallee::Speak(const Samples& audio) {
  speech_.insert(speech_.end(), audio.begin(), audio.end());
}

void SpeakingCallee::Queue(bool text, std::string data) {
  if (ended_) return;
  outgoing_.emplace_back(text, std::move(data));
  if (!writing_) WriteNext();
}

void SpeakingCallee::WriteNext() {
  if (outgoing_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  in_flight_ = std::move(outgoing_.front());
  outgoing_.pop_front();
  ws_.text(in_flight_.first);
  ws_.async_write(asio::buffer(in_flight_.second),
                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                    if (ec) {
                      self->writing_ = false;
                      self->outgoing_.clear();
                      return;  // the read side sees the connection's end
                    }
                    self->WriteNext();
                  });
}

void SpeakingCallee::Close() {
  if (ended_) return;
  ticker_.cancel();
  if (!connected_) return End(std::unexpected(Error::Unavailable("hung up before connecting")));
  outgoing_.clear();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);  // the read loop ends the call
}

void SpeakingCallee::End(Expected<std::chrono::milliseconds> result) {
  if (ended_) return;
  ended_ = true;
  ticker_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  if (on_end_) {
    OnEnd on_end = std::move(on_end_);
    on_end(std::move(result));
  }
}

}  // namespace talky
