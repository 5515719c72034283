// A text frame on the media WebSocket, as anyone who reaches /media can send it. Never a crash;
// an accepted websocket:connected always names a call and one of the two documented rates, and
// an accepted DTMF digit is a key.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "telephony/vonage/vonage_media_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const talky::Expected<talky::VonageMediaEvent> event = talky::ParseVonageMediaEvent(input);
  if (!event) {
    if (event.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (const auto* connected = std::get_if<talky::VonageMediaConnected>(&*event)) {
    if (connected->call_id.value.empty()) std::abort();
    if (connected->sample_rate != 8000 && connected->sample_rate != 16000) std::abort();
  }
  if (const auto* dtmf = std::get_if<talky::VonageMediaDtmf>(&*event)) {
    if (std::string_view("0123456789*#").find(dtmf->digit) == std::string_view::npos) std::abort();
  }
  return 0;
}
