// A streamed response body from a language model's server (or anything posing as one), arriving
// in pieces. Never a crash; the events read, or the error, do not depend on where the body was
// cut (the first byte picks the cut).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "net/server_sent_events.h"

namespace {

constexpr std::size_t kMaxLine = 256;

talky::Expected<std::vector<talky::ServerSentEvent>> Read(std::string_view body, std::size_t cut) {
  talky::ServerSentEventReader reader(kMaxLine);
  auto first = reader.Feed(body.substr(0, cut));
  if (!first) return first;
  auto second = reader.Feed(body.substr(cut));
  if (!second) return second;
  first->insert(first->end(), second->begin(), second->end());
  return first;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = data[0] % (body.size() + 1);
  const auto whole = Read(body, body.size());
  const auto split = Read(body, cut);
  if (whole.has_value() != split.has_value()) std::abort();
  if (!whole) {
    if (whole.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (*whole != *split) std::abort();
  return 0;
}
