#include "telephony/simulated/speaking_callee.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

namespace talky {
namespace {

namespace asio = boost::asio;
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
      ticker_(strand) {}

void SpeakingCallee::Hangup() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->socket_) self->socket_->Close();  // its on_closed ends the call
  });
}

void SpeakingCallee::Connect() {
  auto self = shared_from_this();
  socket_ = MediaSocketClient::Start(
      strand_, MediaSocketAddress{.host = options_.host, .port = options_.port},
      nlohmann::json{{"event", "websocket:connected"},
                     {"content-type", "audio/l16;rate=" + std::to_string(voices_.sample_rate())},
                     {"call_id", options_.call_id.value},
                     {"answered_at", FormatIso8601(options_.answered_at)}},
      MediaSocketHandlers{
          .on_open =
              [self] {  // the media clock starts with the connection
                self->ticker_.expires_after(self->tick_);
                self->ticker_.async_wait([self](boost::system::error_code e) {
                  if (!e) self->Tick();
                });
              },
          .on_audio = [self](std::span<const std::int16_t>) { self->OnAgentFrame(); },
          .on_action = [self](const nlohmann::json& action) { self->OnAction(action); },
          .on_closed = [self](const MediaSocketEnd& end) { self->OnClosed(end); }});
}

void SpeakingCallee::OnAction(const nlohmann::json& message) {
  const std::string action = message.value("action", "");
  if (action == "clear") {
    playback_end_ = frames_;
    socket_->SendEvent({{"event", "websocket:cleared"}});
  } else if (action == "notify") {
    pending_notifies_.emplace_back(
        std::max(playback_end_, frames_),
        nlohmann::json{{"event", "websocket:notify"},
                       {"payload", message.value("payload", nlohmann::json())}});
  }
}

// A socket that could not be reached, or refused the call before the agent spoke, is an error
// (the provider may try another callee); any other end is the call's end.
void SpeakingCallee::OnClosed(const MediaSocketEnd& end) {
  if (!end.result && (!end.connected || !agent_heard_)) {
    return End(std::unexpected(end.result.error()));
  }
  End(frames_ * milliseconds(20));
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
  if (frames_ * milliseconds(20) >= options_.max_length) return socket_->Close();
  Act();
  Samples frame(SamplesPerFrame(voices_.sample_rate()), 0);
  const bool was_speaking = !speech_.empty();
  for (std::size_t i = 0; i < frame.size() && !speech_.empty(); ++i) {
    frame[i] = speech_.front();
    speech_.pop_front();
  }
  if (was_speaking && speech_.empty()) agent_frames_in_turn_ = 0;  // listening again
  socket_->SendAudio(frame);
  std::erase_if(pending_notifies_, [this](const std::pair<long, nlohmann::json>& notify) {
    if (notify.first > frames_) return false;
    socket_->SendEvent(notify.second);
    return true;
  });
  // Late ticks are not made up in a burst: the media clock slows instead.
  const auto now = SteadyClock::now();
  auto due = ticker_.expiry() + tick_;  // (the timer's last expiry: this tick's due time)
  if (due < now - tick_) due = now;
  ticker_.expires_at(due);
  ticker_.async_wait([self = shared_from_this()](boost::system::error_code e) {
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

void SpeakingCallee::End(Expected<std::chrono::milliseconds> result) {
  if (ended_) return;
  ended_ = true;
  ticker_.cancel();
  if (socket_) socket_->Close();
  if (on_end_) {
    OnEnd on_end = std::move(on_end_);
    on_end(std::move(result));
  }
}

}  // namespace talky
