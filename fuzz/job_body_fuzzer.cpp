// Job bodies from the Redis queue's jobs hash (MessagePack, or the JSON that earlier versions
// wrote): never crashes, and whatever decodes encodes and decodes back to the same job.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "queue/redis/job_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::DialerJob> job = talky::DecodeJobBody(body);
  if (!job) {
    if (job.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  talky::Expected<talky::DialerJob> again = talky::DecodeJobBody(talky::EncodeJobBody(*job));
  if (!again || *again != *job) std::abort();
  return 0;
}
