// What Cartesia's speaking socket (`/tts/websocket`) says, one text message at a time: a `chunk`
// of a context's audio (base64 of raw pcm_s16le), a context's `flush_done` (all audio of the
// transcripts before a flush was sent), a context's `done`, an `error` (for one context, or for
// the socket when it names none). Chunks and flush_done name the flush they belong to
// (`flush_id`: 1 for a context's transcripts before its first flush, then counting up) when
// Cartesia gives one. `timestamps` and others are passed over (`kOther`). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct CartesiaMessage {
  enum class Type { kChunk, kFlushDone, kDone, kError, kOther };
  Type type = Type::kOther;
  std::string context_id;       // empty when the message names none
  std::optional<int> flush_id;  // kChunk, kFlushDone: when given as a count (0 or more)
  std::string audio;            // kChunk: the decoded bytes
  std::string error;            // kError: its title, message and code, as given
  int status_code = 0;

  bool operator==(const CartesiaMessage&) const = default;
};

// InvalidArgument for a message that is not a JSON object with a string `type`, or a chunk whose
// data is not base64.
Expected<CartesiaMessage> ReadCartesiaMessage(std::string_view text);

}  // namespace talky
