// What Cartesia's speaking socket (`/tts/websocket`) says, one text message at a time: a `chunk`
// of a context's audio (base64 of raw pcm_s16le), a context's `done`, an `error` (for one context,
// or for the socket when it names none). `timestamps`, `flush_done` and others are passed over
// (`kOther`). Pure.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct CartesiaMessage {
  enum class Type { kChunk, kDone, kError, kOther };
  Type type = Type::kOther;
  std::string context_id;  // empty when the message names none
  std::string audio;       // kChunk: the decoded bytes
  std::string error;       // kError: its title, message and code, as given
  int status_code = 0;

  bool operator==(const CartesiaMessage&) const = default;
};

// InvalidArgument for a message that is not a JSON object with a string `type`, or a chunk whose
// data is not base64.
Expected<CartesiaMessage> ReadCartesiaMessage(std::string_view text);

}  // namespace talky
