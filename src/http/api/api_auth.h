// Key authentication for the REST API: "Authorization: Bearer <key>", or the dashboard's session
// cookie (HttpOnly, so page scripts never hold the key; api_session.cpp sets it). A request
// authenticated by the cookie that changes something must carry "X-Talky-Dashboard: 1": another
// site cannot add that header without our consent (CORS), so it cannot act with the cookie. A
// tenant's API key is random (OpenSSL RAND_bytes), shown once when the tenant is created, and
// stored only as its SHA-256 in hex (Tenant::api_key_hash), so the store finds a tenant by the hash
// of the presented key. The admin key (configuration) is compared in constant time. Thread-safe.
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

// The dashboard's cookie: its name, and the Set-Cookie value that holds `key` (empty: one that
// clears it). `secure` when the page came over HTTPS (directly or through a proxy).
inline constexpr std::string_view kSessionCookie = "talky_session";
std::string SessionCookie(std::string_view key, bool secure);

// The key the request presents: its bearer token, else its session cookie's. Unauthenticated
// (naming `what`, "API key" or "admin key") when there is none; PermissionDenied for a cookie on
// a request other than GET or HEAD without the dashboard's header.
Expected<std::string> PresentedKey(const HttpRequest& request, std::string_view what);

// The tenant whose key the request carries; Unauthenticated when there is none or it is unknown.
Expected<Tenant> AuthenticateTenant(const HttpRequest& request, Store& store);

// Whether the request carries the admin key; Unauthenticated otherwise (also when no admin key is
// configured, which disables the admin endpoints).
Expected<void> AuthenticateAdmin(const HttpRequest& request, std::string_view admin_key);

}  // namespace talky
