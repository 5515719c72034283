// What both ends of Vonage's webhooks share, wherever they run: reading an event webhook request
// (signature check when a secret is configured, then parsing) and the NCCO that connects an
// answered call's audio to our media WebSocket. VonageTelephony sends that NCCO inline with each
// call; `talky serve` answers it at /webhooks/vonage/answer for calls placed with an answer_url.
// Pure functions of their inputs but for the replay guard; any thread.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>

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

// The ids (jti) of the signed webhook tokens seen within their iat window, to tell a replay from
// a first delivery. An entry is kept until its token's iat + kVonageWebhookTokenWindow, after
// which the iat check refuses the token anyway; at most `max_entries` are kept (beyond that the
// soonest to expire are forgotten first, and a replay of those would pass: a bound on memory that
// a flood of genuine tokens cannot turn into a refusal of new ones). Thread-safe.
class VonageReplayGuard {
 public:
  explicit VonageReplayGuard(std::size_t max_entries = 100'000);

  // True the first time `jti` is seen, false for a replay. Expired entries are dropped first.
  bool FirstUse(const std::string& jti, Instant iat, Instant now);
  std::size_t size() const;

 private:
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Instant> expiry_by_jti_;  // guarded by mutex_
  std::multimap<Instant, std::string> jti_by_expiry_;       // guarded by mutex_
};

// Verifies the request's signature when `signature_secret` is not empty (kUnauthenticated saying
// which check failed, including an iat outside kVonageWebhookTokenWindow and, with a
// `replay_guard`, a token without a jti), then parses the body with our call id from the target
// (kInvalidArgument naming every bad field). With a `replay_guard`, a signed token seen before is
// kConflict: a replay, to be answered without applying it.
Expected<VonageEvent> ReadVonageEventWebhook(const VonageWebhookRequest& request,
                                             std::string_view signature_secret, const Clock& clock,
                                             VonageReplayGuard* replay_guard = nullptr);

// [{"action": "connect", "endpoint": [{"type": "websocket", "uri": ..., "content-type":
// "audio/l16;rate=16000", "headers": {"call_id": ...}}]}]. Vonage sends `headers` as the first
// (text) WebSocket message: that is how the media server learns which of our calls the audio is.
nlohmann::json VonageMediaNcco(std::string_view media_websocket_uri, const CallId& call_id);

}  // namespace talky
