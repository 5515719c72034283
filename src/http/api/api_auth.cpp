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

Expected<Tenant> AuthenticateTenant(const HttpRequest& request, Store& store) {
  std::string_view token = BearerToken(request);
  if (token.empty()) {
    return std::unexpected(
        Unauthenticated("missing API key: send 'Authorization: Bearer <your API key>'"));
  }
  Expected<Tenant> tenant = store.FindTenantByApiKeyHash(HashApiKey(token));
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
  std::string_view token = BearerToken(request);
  if (token.empty()) {
    return std::unexpected(
        Unauthenticated("missing admin key: send 'Authorization: Bearer <admin key>'"));
  }
  if (!ConstantTimeEquals(token, admin_key)) {
    return std::unexpected(Unauthenticated("wrong admin key"));
  }
  return {};
}

}  // namespace talky
