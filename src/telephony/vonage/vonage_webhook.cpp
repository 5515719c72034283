#include "telephony/vonage/vonage_webhook.h"

#include "telephony/vonage/vonage_jwt.h"

namespace talky {

VonageReplayGuard::VonageReplayGuard(std::size_t max_entries) : max_entries_(max_entries) {}

bool VonageReplayGuard::FirstUse(const std::string& jti, Instant iat, Instant now) {
  std::lock_guard lock(mutex_);
  while (!jti_by_expiry_.empty() && jti_by_expiry_.begin()->first <= now) {
    expiry_by_jti_.erase(jti_by_expiry_.begin()->second);
    jti_by_expiry_.erase(jti_by_expiry_.begin());
  }
  const Instant expiry = iat + kVonageWebhookTokenWindow;
  if (!expiry_by_jti_.emplace(jti, expiry).second) return false;
  jti_by_expiry_.emplace(expiry, jti);
  while (jti_by_expiry_.size() > max_entries_) {
    expiry_by_jti_.erase(jti_by_expiry_.begin()->second);
    jti_by_expiry_.erase(jti_by_expiry_.begin());
  }
  return true;
}

std::size_t VonageReplayGuard::size() const {
  std::lock_guard lock(mutex_);
  return expiry_by_jti_.size();
}

Expected<VonageEvent> ReadVonageEventWebhook(const VonageWebhookRequest& request,
                                             std::string_view signature_secret, const Clock& clock,
                                             VonageReplayGuard* replay_guard) {
  if (!signature_secret.empty()) {
    const Instant now = clock.Now();
    Expected<nlohmann::json> claims =
        VerifyVonageWebhookSignature(request.authorization, request.body, signature_secret, now);
    if (!claims) return std::unexpected(claims.error());
    if (replay_guard != nullptr) {
      auto jti = claims->find("jti");
      if (jti == claims->end() || !jti->is_string() || jti->get<std::string>().empty()) {
        return std::unexpected(Error{ErrorCode::kUnauthenticated, "the JWT has no jti claim", {}});
      }
      const Instant iat{std::chrono::duration_cast<Instant::duration>(
          std::chrono::duration<double>((*claims)["iat"].get<double>()))};
      if (!replay_guard->FirstUse(jti->get<std::string>(), iat, now)) {
        return std::unexpected(Error::Conflict("the webhook token '" + jti->get<std::string>() +
                                               "' was used before: a replay"));
      }
    }
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
