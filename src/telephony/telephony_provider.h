// The telephony provider interface (document 002 "telephony_provider"): start a call, hang it up,
// and report what happens to it. Backends: simulated/ (the embedded default), vonage/.
//
// A provider reports call events to the CallEventSink it was built with, on a thread of its own
// choosing; the sink must not block for long (hand heavy work to another thread). Originate and
// Hangup may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/call_record.h"
#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

struct OriginateRequest {
  CallId call_id;          // ours; every event of the call carries it back
  std::string to;          // E.164
  std::string from;        // the campaign's caller id, E.164
  int attempt_number = 1;  // lets the simulated provider script retries (48N numbers)
  bool machine_detection = false;
};

class CallEventSink {
 public:
  virtual ~CallEventSink() = default;
  virtual void OnCallEvent(const CallEvent& event) = 0;
};

class TelephonyProvider {
 public:
  virtual ~TelephonyProvider() = default;

  // Asks the provider to place the call; returns the provider's id for it. Events follow through
  // the sink. An error means no call was placed (kUnavailable: the provider could not be reached).
  virtual Expected<std::string> Originate(const OriginateRequest& request) = 0;

  // Ends a call in progress; its final event still comes through the sink. kNotFound when the
  // provider knows no such call in progress.
  virtual Expected<void> Hangup(std::string_view provider_call_id) = 0;
};

}  // namespace talky
