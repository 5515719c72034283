#include "http/api/api_auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cctype>

namespace talky {
namespace {

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0F];
  }
  return out;
}

std::array<unsigned char, SHA256_DIGEST_LENGTH> Sha256(std::string_view text) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

Error Unauthenticated(std::string message) {
  return Error{.code = ErrorCode::kUnauthenticated, .message = std::move(message), .fields = {}};
}

// The cookie carries the key as hex: an admin key may hold characters a cookie may not.
std::string FromHex(std::string_view hex) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  if (hex.size() % 2 != 0) return {};
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = digit(hex[i]);
    int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return {};
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

// The value of cookie `name` in the Cookie header, or "" when absent.
std::string_view CookieValue(const HttpRequest& request, std::string_view name) {
  std::string_view cookies = request.Header("cookie");
  while (!cookies.empty()) {
    size_t end = cookies.find(';');
    std::string_view pair = cookies.substr(0, end);
    cookies = end == std::string_view::npos ? std::string_view{} : cookies.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
  }
  return {};
}

}  // namespace

Expected<std::string> NewApiKey() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return std::unexpected(Error::Unavailable("the system's random source failed"));
  }
  return "tk_" + Hex(bytes.data(), bytes.size());
}

std::string HashApiKey(std::string_view key) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest = Sha256(key);
  return Hex(digest.data(), digest.size());
}

bool ConstantTimeEquals(std::string_view presented, std::string_view secret) {
  // Comparing digests makes the time independent of both lengths, not only of the contents.
  std::array<unsigned char, SHA256_DIGEST_LENGTH> a = Sha256(presented);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> b = Sha256(secret);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0 && !secret.empty();
}

std::string_view BearerToken(const HttpRequest& request) {
  std::string_view value = request.Header("authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return {};
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

std::string SessionCookie(std::string_view key, bool secure) {
  std::string value = std::string(kSessionCookie) + "=" +
                      Hex(reinterpret_cast<const unsigned char*>(key.data()), key.size()) +
                      "; Path=/v1; HttpOnly; SameSite=Strict";
  value += key.empty() ? "; Max-Age=0" : "; Max-Age=43200";  // a working day
  if (secure) value += "; Secure";
  return value;
}

Expected<std::string> PresentedKey(const HttpRequest& request, std::string_view what) {
  if (std::string_view token = BearerToken(request); !token.empty()) return std::string(token);
  std::string key = FromHex(CookieValue(request, kSessionCookie));
  if (key.empty()) {
    return std::unexpected(Unauthenticated("missing " + std::string(what) +
                                           ": send 'Authorization: Bearer <your " +
                                           std::string(what) + ">'"));
  }
  if (request.method != "GET" && request.method != "HEAD" &&
      request.Header("x-talky-dashboard") != "1") {
    return std::unexpected(Error{.code = ErrorCode::kPermissionDenied,
                                 .message =
                                     "a request signed in by the dashboard's cookie must carry "
                                     "'X-Talky-Dashboard: 1'",
                                 .fields = {}});
  }
  return key;
}

Expected<Tenant> AuthenticateTenant(const HttpRequest& request, Store& store) {
  Expected<std::string> key = PresentedKey(request, "API key");
  if (!key) return std::unexpected(key.error());
  Expected<Tenant> tenant = store.FindTenantByApiKeyHash(HashApiKey(*key));
  if (!tenant) {
    if (tenant.error().code == ErrorCode::kNotFound) {
      return std::unexpected(Unauthenticated("unknown API key"));
    }
    return std::unexpected(tenant.error());
  }
  return tenant;
}

Expected<void> AuthenticateAdmin(const HttpRequest& request, std::string_view admin_key) {
  if (admin_key.empty()) {
    return std::unexpected(
        Unauthenticated("tenant creation is disabled: the server has no admin key configured"));
  }
  Expected<std::string> key = PresentedKey(request, "admin key");
  if (!key) return std::unexpected(key.error());
  if (!ConstantTimeEquals(*key, admin_key)) {
    return std::unexpected(Unauthenticated("wrong admin key"));
  }
  return {};
}

}  // namespace talky
