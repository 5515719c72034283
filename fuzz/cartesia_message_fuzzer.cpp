// A message from Cartesia's speaking socket (or anything posing as one). Never a crash; a refused
// message is InvalidArgument; only a chunk carries audio, only a chunk or a flush_done names a
// flush (a count, never negative), and an error always has words.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "voice/providers/cartesia_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const talky::Expected<talky::CartesiaMessage> message = talky::ReadCartesiaMessage(input);
  if (!message) {
    if (message.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (message->type != talky::CartesiaMessage::Type::kChunk && !message->audio.empty()) {
    std::abort();
  }
  const bool names_flush = message->type == talky::CartesiaMessage::Type::kChunk ||
                           message->type == talky::CartesiaMessage::Type::kFlushDone;
  if (message->flush_id && (!names_flush || *message->flush_id < 0)) std::abort();
  if (message->type == talky::CartesiaMessage::Type::kError && message->error.empty()) {
    std::abort();
  }
  return 0;
}
