// ISO-8601 instants: never crashes, and a parsed instant formats and parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/instant.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::Instant> instant = talky::ParseIso8601(text);
  if (!instant) return 0;
  talky::Expected<talky::Instant> again = talky::ParseIso8601(talky::FormatIso8601(*instant));
  if (!again || *again != *instant) std::abort();
  return 0;
}
