// What Deepgram's streaming recognizer (`/v1/listen`) says over its WebSocket, one text message at
// a time: `Results` (a piece of transcript: interim, or final for the audio since the previous
// final piece; `speech_final` where its endpointing heard the end of speech; `from_finalize` in
// answer to our Finalize), `UtteranceEnd`, `SpeechStarted`, `Metadata` (the request's id, also the
// answer to CloseStream) and an `Error` frame; from Flux (`/v2/listen`), `TurnInfo` (its `event`:
// StartOfTurn, Update, EndOfTurn, ...; its transcript so far). Other types are passed over
// (`kOther`). Pure.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct DeepgramMessage {
  enum class Type { kResults, kUtteranceEnd, kSpeechStarted, kMetadata, kError, kTurnInfo, kOther };
  Type type = Type::kOther;
  // kResults: the first alternative; kTurnInfo: the turn's transcript.
  std::string event;  // kTurnInfo
  std::string transcript;
  double confidence = 0.0;
  bool is_final = false;
  bool speech_final = false;
  bool from_finalize = false;
  // kMetadata: the request's id; kError: what went wrong.
  std::string request_id;
  std::string error;

  bool operator==(const DeepgramMessage&) const = default;
};

// InvalidArgument for a message that is not a JSON object with a string `type`, or a Results whose
// fields have the wrong kinds.
Expected<DeepgramMessage> ReadDeepgramMessage(std::string_view text);

}  // namespace talky
