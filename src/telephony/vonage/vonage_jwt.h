// JSON Web Tokens as Vonage uses them, with OpenSSL:
// - API calls are authorised by a JWT we sign RS256 with the application's private key;
// - signed webhooks carry, in `Authorization: Bearer`, a JWT that Vonage signs HS256 with the
//   account's signature secret, whose `payload_hash` claim is the SHA-256 (hex) of the body.
// Pure functions of their inputs (the caller passes "now" and the token id); any thread.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/instant.h"

namespace talky {

struct VonageApiJwtClaims {
  std::string application_id;
  std::string jti;  // unique per token; the caller supplies it (from its seeded RNG or a UUID)
  Instant issued_at{};
  std::chrono::seconds lifetime{900};
};

// A compact JWS (header.payload.signature). Fails when the key is not an RSA private key in PEM.
Expected<std::string> SignVonageApiJwt(const VonageApiJwtClaims& claims,
                                       std::string_view private_key_pem);

// How far a signed webhook's `iat` may be from now, either way: a token older than this is refused
// (a captured request cannot be replayed later), and replay guards remember a token this long.
inline constexpr std::chrono::seconds kVonageWebhookTokenWindow{300};

// Checks a webhook's Authorization header value ("Bearer <jwt>") against the body: the token must
// be HS256, signed with `signature_secret`, unexpired at `now` when it carries `exp`, its
// payload_hash must equal the body's SHA-256, and its `iat` (seconds) must be within `window` of
// `now`. Returns the verified claims, or an kUnauthenticated error saying which check failed.
Expected<nlohmann::json> VerifyVonageWebhookSignature(
    std::string_view authorization, std::string_view body, std::string_view signature_secret,
    Instant now, std::chrono::seconds window = kVonageWebhookTokenWindow);

// The Authorization header value ("Bearer <jwt>") Vonage sends with a signed webhook: HS256 with
// the signature secret, `payload_hash` the body's SHA-256, issued at `now`, with the token id `jti`
// (Vonage's is new for every request). For load tools and tests that play Vonage.
std::string SignVonageWebhook(std::string_view body, std::string_view signature_secret, Instant now,
                              std::string_view jti);

// Lower-case hex SHA-256, as Vonage's payload_hash.
std::string Sha256Hex(std::string_view data);

}  // namespace talky
