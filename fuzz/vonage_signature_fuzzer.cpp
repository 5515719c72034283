// A Vonage webhook's Authorization header and body, as anyone on the internet can send them: the
// verifier never crashes and never accepts a request that is not signed with the secret.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "telephony/vonage/vonage_jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string_view authorization = input.substr(0, newline);
  const std::string_view body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  talky::Expected<nlohmann::json> claims = talky::VerifyVonageWebhookSignature(
      authorization, body, "fuzz-secret", talky::Instant{std::chrono::seconds(1'800'000'000)});
  // Forging an HMAC-SHA256 by mutation is not possible; an acceptance means a broken check.
  if (claims) std::abort();
  if (claims.error().code != talky::ErrorCode::kUnauthenticated) std::abort();
  return 0;
}
