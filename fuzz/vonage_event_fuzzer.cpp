// A Vonage event webhook as anyone on the internet can send it: the body to ParseVonageEvent and
// the request target to CallIdFromVonageEventTarget. Never a crash; an accepted progress event
// always names Vonage's call and carries its own fields; any call id survives the trip through
// the event_url we give Vonage and back.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "telephony/vonage/vonage_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  static const talky::ManualClock clock(talky::Instant{std::chrono::seconds(1'800'000'000)});

  talky::Expected<talky::VonageEvent> event =
      talky::ParseVonageEvent(input, talky::CallId{"fuzz"}, clock);
  if (event && event->call_event) {
    const talky::CallEvent& call = *event->call_event;
    if (call.provider_call_id.empty() || call.provider_call_id != event->uuid) std::abort();
    if (call.occurred_at != event->timestamp || call.payload.value("status", "") != event->status) {
      std::abort();
    }
    if (call.call_id.value != "fuzz") std::abort();
  }
  if (!event && event.error().code != talky::ErrorCode::kInvalidArgument) std::abort();

  (void)talky::CallIdFromVonageEventTarget(input);
  if (!input.empty()) {
    const talky::CallId id{std::string(input)};
    talky::Expected<std::string> url =
        talky::VonageEventUrl("https://talky.example.com/webhooks/vonage/event?tenant=t1", id);
    if (!url) std::abort();
    const std::string target = url->substr(url->find("/webhooks"));
    if (talky::CallIdFromVonageEventTarget(target) != id) std::abort();
  }
  return 0;
}
