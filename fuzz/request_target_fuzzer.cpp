// An HTTP request target as any client can send it, to ParseRequestTarget. Never a crash; an
// accepted target has a path that starts with "/" and holds no NUL; re-encoding the decoded path
// and query and parsing again gives the same result (decoding is done exactly once).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/request_target.h"

namespace {

std::string Encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  talky::Expected<talky::RequestTarget> parsed = talky::ParseRequestTarget(input);
  if (!parsed) {
    if (parsed.error().code != talky::ErrorCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (!parsed->path.starts_with('/')) std::abort();
  if (parsed->path.find('\0') != std::string::npos) std::abort();

  std::string again = Encode(parsed->path, /*keep_slash=*/true);
  char separator = '?';
  for (const auto& [key, value] : parsed->query) {
    again += separator;
    again += Encode(key, false) + "=" + Encode(value, false);
    separator = '&';
  }
  talky::Expected<talky::RequestTarget> reparsed = talky::ParseRequestTarget(again);
  if (!reparsed || *reparsed != *parsed) std::abort();
  return 0;
}
