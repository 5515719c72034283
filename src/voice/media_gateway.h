// One call's media connection as the voice pipeline sees it (spec: media_gateway): the Vonage
// media WebSocket is the first implementation (src/http/media/), SIP/RTP the next. The gateway
// carries the caller's audio in and the agent's audio out, paced at real time: it pulls the
// agent's frames from its MediaListener when the media clock says the next one is due.
//
// Threads: each call's connection runs its listener on one executor (Post); every MediaListener
// method is called there, and the listener calls the gateway from there only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"
#include "voice/audio.h"

namespace talky {

class MediaGateway {
 public:
  virtual ~MediaGateway() = default;
  virtual int sample_rate() const = 0;
  // How far ahead of the media clock audio may be sent: what the far side may still hold queued.
  virtual std::chrono::milliseconds max_lead() const = 0;
  // Runs task on the call's executor (from any thread); dropped once the connection is closed.
  virtual void Post(std::function<void()> task) = 0;
  // The agent's first audio of a turn is waiting: send what the media clock allows now rather than
  // at its next tick (up to 20 ms sooner). Called on the call's executor; may call NextFrame.
  virtual void AudioReady() = 0;
  // Drops the agent's audio already sent and queued at the far side (barge-in).
  virtual void ClearPlayback() = 0;
  // Asks to hear MediaListener::OnPlayed(marker) once the audio sent so far has played.
  virtual void NotifyWhenPlayed(int marker) = 0;
  // Ends the call's media: the connection closes (for Vonage that ends the call).
  virtual void Hangup(std::string reason) = 0;
  // When the call was answered, if the far side said so on connecting (the simulated provider
  // does, so that a call's timeline matches its record under a faster clock; Vonage does not).
  virtual std::optional<Instant> answered_at() const { return std::nullopt; }
};

// What a connection delivers to the call's pipeline.
class MediaListener {
 public:
  virtual ~MediaListener() = default;
  // One 20 ms frame of the caller's audio at the gateway's sample rate.
  virtual void OnAudio(std::span<const std::int16_t> frame) = 0;
  virtual void OnDtmf(char digit, std::chrono::milliseconds duration) = 0;
  virtual void OnPlayed(int marker) = 0;
  // The far side dropped its queued audio, as ClearPlayback asked.
  virtual void OnPlaybackCleared() = 0;
  // The agent's next 20 ms frame when one is due; false when the agent is silent.
  virtual bool NextFrame(Samples& frame) = 0;
  // The connection is gone (the caller hung up, the peer failed, or after Hangup).
  virtual void OnClosed(std::string reason) = 0;
};

// Where a new connection finds its call: the session manager implements it.
class MediaCallAcceptor {
 public:
  virtual ~MediaCallAcceptor() = default;
  // The listener for call's media, started; NotFound for an unknown or finished call, Conflict when
  // the call already has a connection, Unavailable when the call cannot be looked up now.
  virtual Expected<std::shared_ptr<MediaListener>> Accept(
      const CallId& call, std::shared_ptr<MediaGateway> gateway) = 0;
};

}  // namespace talky
