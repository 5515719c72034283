// What a Vonage Voice API event (the `status` and `detail` fields of an event webhook) means for a
// call: how far it progressed (CallStatus) and, when the event ends the call or settles its result,
// the outcome. Extends the spec's VONAGE_STATUS_MAP (document 000 §6.1) to every status Vonage
// sends and to the `detail` values that refine a failure. Pure: no I/O; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "domain/call_outcome.h"
#include "domain/call_status.h"

namespace talky {

struct VonageCallEvent {
  CallStatus status;
  std::optional<CallOutcome> outcome;  // nullopt while the call is still in progress

  bool operator==(const VonageCallEvent&) const = default;
};

// nullopt for a status that says nothing about the call's progress (record, input, transfer) or
// that Vonage may add later: such events are kept for audit but move nothing.
std::optional<VonageCallEvent> MapVonageCallEvent(std::string_view status,
                                                  std::string_view detail = {});

}  // namespace talky
