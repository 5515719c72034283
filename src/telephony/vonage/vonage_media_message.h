// The text messages of Vonage's media WebSocket (VOICE.md): Vonage connects to the URI of our
// answer NCCO, says `websocket:connected` first (the audio format and, flattened to the top level,
// the headers our NCCO set, among them our call id), then sends DTMF and the answers to our
// `clear` and `notify` actions as text and the caller's audio as binary frames.
// Plain functions on text; no I/O. Every parse error names what was wrong.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

struct VonageMediaConnected {
  int sample_rate = 16000;                     // from content-type audio/l16;rate=8000|16000
  CallId call_id;                              // the NCCO header call_id
  std::map<std::string, std::string> headers;  // every other flattened header (strings only)
  // The header answered_at (ISO-8601), which only the simulated provider sends: when the call was
  // answered on its clock.
  std::optional<Instant> answered_at;
};

struct VonageMediaDtmf {
  char digit = '0';  // 0-9, *, #
  int duration_ms = 0;
};

struct VonageMediaCleared {};  // queued audio was dropped after our clear

struct VonageMediaNotify {  // the audio queued before our notify has played
  nlohmann::json payload;
};

using VonageMediaEvent =
    std::variant<VonageMediaConnected, VonageMediaDtmf, VonageMediaCleared, VonageMediaNotify>;

// Parses one text frame. InvalidArgument for text that is not a JSON object, an unknown event,
// or a known event with a missing or bad field (an unsupported content type, no call id, a digit
// that is not a key).
Expected<VonageMediaEvent> ParseVonageMediaEvent(std::string_view text);

// Our text frames: drop the audio queued at Vonage (barge-in), and ask to be told once the audio
// queued so far has played.
std::string VonageClearAction();
std::string VonageNotifyAction(const nlohmann::json& payload);

}  // namespace talky
