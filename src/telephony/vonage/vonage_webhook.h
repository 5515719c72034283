// What both ends of Vonage's webhooks share, wherever they run: reading an event webhook request
// (signature check when a secret is configured, then parsing) and the NCCO that connects an
// answered call's audio to our media WebSocket. VonageTelephony sends that NCCO inline with each
// call; `talky serve` answers it at /webhooks/vonage/answer for calls placed with an answer_url.
// Pure functions of their inputs; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/clock.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "telephony/vonage/vonage_event.h"

namespace talky {

// An event webhook request as the HTTP server received it.
struct VonageWebhookRequest {
  std::string_view target;         // path and query: carries our call id
  std::string_view authorization;  // the Authorization header, empty when absent
  std::string_view body;
};

// Verifies the request's signature when `signature_secret` is not empty (kUnauthenticated saying
// which check failed), then parses the body with our call id from the target (kInvalidArgument
// naming every bad field).
Expected<VonageEvent> ReadVonageEventWebhook(const VonageWebhookRequest& request,
                                             std::string_view signature_secret, const Clock& clock);

// [{"action": "connect", "endpoint": [{"type": "websocket", "uri": ..., "content-type":
// "audio/l16;rate=16000", "headers": {"call_id": ...}}]}]. Vonage sends `headers` as the first
// (text) WebSocket message: that is how the media server learns which of our calls the audio is.
nlohmann::json VonageMediaNcco(std::string_view media_websocket_uri, const CallId& call_id);

}  // namespace talky
