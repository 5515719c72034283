// A message from Deepgram's listening socket (or anything posing as one). Never a crash; a refused
// message is InvalidArgument; a Results message's flags hold only what a final piece may say
// (from_finalize and speech_final belong to final pieces).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "voice/providers/deepgram_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const talky::Expected<talky::DeepgramMessage> message = talky::ReadDeepgramMessage(input);
  if (!message) {
    if (message.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (message->type != talky::DeepgramMessage::Type::kResults &&
      message->type != talky::DeepgramMessage::Type::kTurnInfo && !message->transcript.empty()) {
    std::abort();
  }
  if (message->type == talky::DeepgramMessage::Type::kTurnInfo && message->event.empty()) {
    std::abort();
  }
  if (message->type == talky::DeepgramMessage::Type::kError && message->error.empty()) {
    std::abort();
  }
  return 0;
}
