#include "telephony/vonage/vonage_webhook.h"

#include "telephony/vonage/vonage_jwt.h"

namespace talky {

Expected<VonageEvent> ReadVonageEventWebhook(const VonageWebhookRequest& request,
                                             std::string_view signature_secret,
                                             const Clock& clock) {
  if (!signature_secret.empty()) {
    Expected<nlohmann::json> claims = VerifyVonageWebhookSignature(
        request.authorization, request.body, signature_secret, clock.Now());
    if (!claims) return std::unexpected(claims.error());
  }
  const CallId call_id = CallIdFromVonageEventTarget(request.target).value_or(CallId{});
  return ParseVonageEvent(request.body, call_id, clock);
}

nlohmann::json VonageMediaNcco(std::string_view media_websocket_uri, const CallId& call_id) {
  using nlohmann::json;
  return json::array({{{"action", "connect"},
                       {"endpoint", json::array({{{"type", "websocket"},
                                                  {"uri", media_websocket_uri},
                                                  {"content-type", "audio/l16;rate=16000"},
                                                  {"headers", {{"call_id", call_id.value}}}}})}}});
}

}  // namespace talky
