// Bearer-key authentication for the REST API. A tenant's API key is random (OpenSSL RAND_bytes),
// shown once when the tenant is created, and stored only as its SHA-256 in hex
// (Tenant::api_key_hash), so the store finds a tenant by the hash of the presented key. The admin
// key (configuration) is compared in constant time. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/tenant.h"
#include "http/http_message.h"
#include "store/store.h"

namespace talky {

// A new API key: "tk_" and 64 hex digits (32 random bytes). Unavailable if the system's random
// source fails.
Expected<std::string> NewApiKey();

// SHA-256 of `key`, 64 lower-case hex digits: what the store keeps.
std::string HashApiKey(std::string_view key);

// Equal contents, in time that depends on neither where they differ nor the secret's length.
bool ConstantTimeEquals(std::string_view presented, std::string_view secret);

// The token of "Authorization: Bearer <token>" (scheme case-insensitive), or "" when absent.
std::string_view BearerToken(const HttpRequest& request);

// The tenant whose key the request carries; Unauthenticated when there is none or it is unknown.
Expected<Tenant> AuthenticateTenant(const HttpRequest& request, Store& store);

// Whether the request carries the admin key; Unauthenticated otherwise (also when no admin key is
// configured, which disables the admin endpoints).
Expected<void> AuthenticateAdmin(const HttpRequest& request, std::string_view admin_key);

}  // namespace talky
