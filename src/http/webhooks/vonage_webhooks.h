// Vonage's webhooks at `talky serve`:
// - POST /webhooks/vonage/event: a call event. With a signature secret configured, a request
//   without a valid signature (an HS256 JWT in Authorization whose payload_hash is the body's
//   SHA-256, whose iat is within 5 minutes of the clock's now) gets 401 and changes nothing; a
//   token seen before (its jti, remembered for the iat window) is a replay: 200, nothing applied,
//   counted in `replays`; a body that is not a Vonage event gets 400 naming the
//   field; otherwise the event goes to the sink (a CallEventIntake, which completes the call's
//   attempt on its final event) and Vonage gets 200, also for an unknown call (retrying cannot
//   help; the intake counts it). Machine detection's verdicts (`human`, `machine`, the beep) also
//   go to on_machine_detection, for the call's live voice pipeline.
// - GET and POST /webhooks/vonage/answer?call_id=...: the NCCO that connects the answered call's
//   audio to our media WebSocket, the one VonageTelephony sends inline (VonageMediaNcco). It
//   changes nothing, so it is not signature-checked; the media WebSocket identifies the call.
//
// The handlers are thin: reading and checking is ReadVonageEventWebhook (src/telephony/vonage/).
// The sink and clock must outlive the router. Handlers run on any server thread at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "domain/clock.h"
#include "http/router.h"
#include "telephony/telephony_provider.h"
#include "voice/answering_machine_detector.h"

namespace talky {

struct VonageWebhookOptions {
  std::string signature_secret;     // empty: events are accepted unsigned
  std::string media_websocket_uri;  // ws(s)://.../media, for the answer NCCO
  // Empty: verdicts only reach the sink, as events.
  std::function<void(const CallId&, ProviderMachineDetection)> on_machine_detection;
};

// What the webhooks saw, for metrics; read from any thread.
struct VonageWebhookCounters {
  std::atomic<int64_t> events{0};          // delivered to the sink
  std::atomic<int64_t> events_ignored{0};  // valid, but moving no call (record, input, ...)
  std::atomic<int64_t> unauthorized{0};    // 401
  std::atomic<int64_t> replays{0};         // a signed token seen before: answered, not applied
  std::atomic<int64_t> bad_requests{0};    // 400
  std::atomic<int64_t> answers{0};         // NCCOs served
};

// Registers the three routes. Throws std::invalid_argument when media_websocket_uri is not a
// ws(s) URL (a configuration mistake). Returns the routes' counters.
std::shared_ptr<const VonageWebhookCounters> AddVonageWebhookRoutes(Router& router,
                                                                    VonageWebhookOptions options,
                                                                    CallEventSink& sink,
                                                                    const Clock& clock);

}  // namespace talky
