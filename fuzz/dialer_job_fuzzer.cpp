// Dialer job JSON (from Redis, the store, or a request): never crashes, and whatever parses
// serialises and parses back to the same job.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "domain/dialer_job.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::DialerJob> job = talky::ParseDialerJob(text);
  if (!job) {
    if (job.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  talky::Expected<talky::DialerJob> again = talky::ParseDialerJob(talky::ToJson(*job).dump());
  if (!again || *again != *job) std::abort();
  return 0;
}
