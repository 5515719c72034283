// Vonage's event webhook (the JSON body Vonage POSTs to a call's event_url) read into our terms.
//
// How our call id travels: Vonage's payload knows only its own `uuid`, so the event_url we give
// Vonage for each call carries ours as a query parameter (VonageEventUrl: ...?call_id=<ours>), and
// the webhook handler reads it back from the request target (CallIdFromVonageEventTarget) before
// parsing the body. Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/clock.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "telephony/telephony_provider.h"
#include "voice/answering_machine_detector.h"

namespace talky {

// The fields of one event as Vonage sent them (numbers without '+'), plus what it means for the
// call. `call_event` is nullopt for an event that moves no call: one without a `status` (record,
// input, transfer events) or with a status Vonage may add later.
struct VonageEvent {
  std::string uuid;  // the call's; machine detection's events send it as `call_uuid`
  std::string conversation_uuid;
  std::string status;
  std::string detail;
  std::string sub_state;  // machine detection's: `beep_start` when the voicemail beep was heard
  std::string direction;
  std::string from;
  std::string to;
  std::optional<long long> duration_seconds;  // on `completed`
  Instant timestamp{};                        // Vonage's, or the clock's when the event has none
  std::optional<CallEvent> call_event;

  bool operator==(const VonageEvent&) const = default;
};

// Parses an event body. `call_id` is ours (from the target) and may be empty when unknown: the
// caller must then find the call by `uuid`. An InvalidArgument error names every bad field; a
// progress event (one whose status moves a call) must name its `uuid` (or `call_uuid`).
Expected<VonageEvent> ParseVonageEvent(std::string_view body, const CallId& call_id,
                                       const Clock& clock);

// What machine detection's events say of the call (`human`; `machine`; `machine` with sub_state
// `beep_start`, the voicemail's beep); nullopt for every other event.
std::optional<ProviderMachineDetection> MachineDetectionOf(const VonageEvent& event);

// `event_url` with our call id added as the `call_id` query parameter (percent-encoded).
// InvalidArgument when event_url is not an absolute http(s) URL.
Expected<std::string> VonageEventUrl(std::string_view event_url, const CallId& call_id);

// Our call id from a webhook request's target ("/webhooks/vonage/event?call_id=..."); nullopt
// when it carries none.
std::optional<CallId> CallIdFromVonageEventTarget(std::string_view target);

}  // namespace talky
