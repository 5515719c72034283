// The Vonage Voice API as a TelephonyProvider: Originate is POST /v1/calls, Hangup is
// PUT /v1/calls/{uuid} {"action":"hangup"}, each authorised by a fresh RS256 JWT for the
// application. Call events come back as webhooks to `event_url`, usually at `talky serve` in
// another process (src/http/webhooks/vonage_webhooks.h hands them to a CallEventIntake); a server
// in the provider's own process may instead hand each one to HandleEventWebhook, which verifies
// it (when a signature secret is set), parses it and passes the CallEvent to the sink.
//
// On answer, the call's audio goes to our media WebSocket (an NCCO `connect` action with a
// `websocket` endpoint, 16 kHz linear PCM, whose headers carry our call id), or Vonage fetches the
// NCCO from `answer_url`.
//
// Owns nothing it is given: the HttpClient, Clock and sink must outlive it. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "domain/clock.h"
#include "net/http_client.h"
#include "telephony/telephony_provider.h"
#include "telephony/vonage/vonage_webhook.h"

namespace talky {

struct VonageOptions {
  std::string api_base_url = "https://api.nexmo.com";
  std::string application_id;
  std::string private_key_pem;  // the application's RSA private key
  std::string event_url;        // our event webhook; each call's copy adds ?call_id=<ours>
  // Exactly one of these: where the answered call's audio goes, or where Vonage gets the NCCO.
  std::string media_websocket_uri;  // wss://.../media
  std::string answer_url;
  // What Vonage does on a machine when a request asks for machine detection (advanced machine
  // detection, with the beep): "continue" (report a `machine` event and keep the call) or
  // "hangup".
  std::string machine_detection = "continue";
  std::optional<int> ringing_timer_seconds;  // 1..120; Vonage's default is 60
  std::chrono::seconds jwt_lifetime{900};
  // The account's signature secret: when set, event webhooks must carry a valid signed JWT.
  std::string signature_secret;
};

// Every problem with the options, each naming its field.
Expected<void> ValidateVonageOptions(const VonageOptions& options);

class VonageTelephony final : public TelephonyProvider {
 public:
  // Throws std::invalid_argument when the options are invalid (a configuration mistake).
  // `jti_seed` seeds the token-id generator; give each process a different one.
  VonageTelephony(VonageOptions options, HttpClient& http, const Clock& clock, CallEventSink& sink,
                  uint64_t jti_seed);

  // Returns Vonage's call uuid. Errors: kInvalidArgument (a bad number, or Vonage's 400 naming
  // its invalid_parameters), kPermissionDenied (401/403: credentials or account), kUnavailable
  // (no answer, 429, 5xx).
  Expected<std::string> Originate(const OriginateRequest& request) override;

  // kNotFound when Vonage knows no such call in progress; other errors as Originate.
  Expected<void> Hangup(std::string_view provider_call_id) override;

  // Verifies, parses and delivers one event. kUnauthenticated for a bad signature,
  // kInvalidArgument for a body that is not a Vonage event; nothing reaches the sink then.
  // Events that move no call (record, input) are accepted and dropped.
  Expected<void> HandleEventWebhook(const VonageWebhookRequest& request);

 private:
  Expected<std::string> AuthorizationHeader();
  Expected<HttpClientResponse> Call(std::string method, std::string path, std::string body);

  VonageOptions options_;
  HttpClient& http_;
  const Clock& clock_;
  CallEventSink& sink_;

  std::mutex jti_mutex_;
  std::mt19937_64 jti_random_;
  uint64_t jti_counter_ = 0;
};

}  // namespace talky
