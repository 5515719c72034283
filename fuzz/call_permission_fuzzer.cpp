// The calling-rules decision on outside input (a tenant's rules JSON, a lead's number, the time):
// never crashes, and a "not now" is exact: at next_allowed_at the same call is allowed.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>

#include "scheduling/call_permission.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  talky::DialerJob job;
  job.phone_number = input.ConsumeRandomLengthString(24);
  job.attempt_number = input.ConsumeIntegralInRange(1, 6);
  talky::Lead lead;
  lead.phone_number = job.phone_number;
  if (input.ConsumeBool()) lead.time_zone = input.ConsumeRandomLengthString(32);
  const talky::Instant now{
      std::chrono::seconds(input.ConsumeIntegralInRange<int64_t>(1'700'000'000, 1'900'000'000))};
  if (input.ConsumeBool()) {
    lead.last_called_at = now - std::chrono::minutes(input.ConsumeIntegralInRange(0, 3000));
  }
  talky::CallHistory history;
  history.on_dnc_list = input.ConsumeBool();
  talky::TenantCallingPolicy policy;
  talky::Expected<talky::CallingRules> rules =
      talky::ParseCallingRules(input.ConsumeRemainingBytesAsString());
  if (!rules) return 0;
  policy.rules = *rules;

  talky::Expected<talky::CallDecision> decision = talky::CanCall(job, lead, policy, history, now);
  if (!decision || decision->verdict != talky::CallVerdict::kNotNow) return 0;
  if (!decision->next_allowed_at || *decision->next_allowed_at <= now) std::abort();
  talky::Expected<talky::CallDecision> later =
      talky::CanCall(job, lead, policy, history, *decision->next_allowed_at);
  if (!later || !later->allowed()) std::abort();
  return 0;
}
