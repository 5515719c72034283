#include "telephony/vonage/vonage_jwt.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cmath>
#include <memory>
#include <vector>

#include "net/base64.h"

namespace talky {
namespace {

using Bytes = std::vector<unsigned char>;

Error Unauthenticated(std::string message) {
  return Error{ErrorCode::kUnauthenticated, std::move(message), {}};
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

Expected<std::string> SignVonageApiJwt(const VonageApiJwtClaims& claims,
                                       std::string_view private_key_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(private_key_pem.data(), static_cast<int>(private_key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return std::unexpected(Error::InvalidArgument(
        "the Vonage private key is not an RSA private key in PEM format",
        {{"private_key", "must be the application's RSA private key (PEM)"}}));
  }
  const long long iat =
      std::chrono::duration_cast<std::chrono::seconds>(claims.issued_at.time_since_epoch()).count();
  const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  const nlohmann::json payload = {{"application_id", claims.application_id},
                                  {"iat", iat},
                                  {"nbf", iat},
                                  {"exp", iat + claims.lifetime.count()},
                                  {"jti", claims.jti}};
  const std::string signing_input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(payload.dump());

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  size_t signature_length = 0;
  if (EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &signature_length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return std::unexpected(Error::Internal("OpenSSL could not start an RS256 signature"));
  }
  std::string signature(signature_length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()),
                     &signature_length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return std::unexpected(Error::Internal("OpenSSL could not sign the Vonage JWT"));
  }
  signature.resize(signature_length);
  return signing_input + "." + Base64UrlEncode(signature);
}

std::string SignVonageWebhook(std::string_view body, std::string_view signature_secret, Instant now,
                              std::string_view jti) {
  const nlohmann::json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const nlohmann::json claims = {
      {"iat", std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()},
      {"jti", jti},
      {"iss", "Vonage"},
      {"payload_hash", Sha256Hex(body)},
      {"api_key", "a1b2c3d4"},
      {"application_id", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}};
  const std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  return "Bearer " + input + "." + Base64UrlEncode(HmacSha256(signature_secret, input));
}

Expected<nlohmann::json> VerifyVonageWebhookSignature(std::string_view authorization,
                                                      std::string_view body,
                                                      std::string_view signature_secret,
                                                      Instant now, std::chrono::seconds window) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return std::unexpected(Unauthenticated("the request carries no Bearer token"));
  }
  const std::string_view token = authorization.substr(kBearer.size());
  const size_t first_dot = token.find('.');
  const size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
    return std::unexpected(Unauthenticated("the Bearer token is not a JWT"));
  }
  const std::optional<std::string> header_text = Base64UrlDecode(token.substr(0, first_dot));
  const std::optional<std::string> payload_text =
      Base64UrlDecode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  const std::optional<std::string> signature = Base64UrlDecode(token.substr(second_dot + 1));
  if (!header_text || !payload_text || !signature) {
    return std::unexpected(Unauthenticated("the JWT is not base64url-encoded"));
  }
  const nlohmann::json header = nlohmann::json::parse(*header_text, nullptr, false);
  if (!header.is_object() || header.value("alg", nlohmann::json()) != "HS256") {
    return std::unexpected(Unauthenticated("the JWT is not signed HS256"));
  }
  const std::string expected = HmacSha256(signature_secret, token.substr(0, second_dot));
  if (signature->size() != expected.size() ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return std::unexpected(Unauthenticated("the JWT signature does not match the secret"));
  }
  nlohmann::json claims = nlohmann::json::parse(*payload_text, nullptr, false);
  if (!claims.is_object()) {
    return std::unexpected(Unauthenticated("the JWT payload is not a JSON object"));
  }
  if (auto exp = claims.find("exp"); exp != claims.end()) {
    const long long now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (!exp->is_number() || exp->get<double>() < static_cast<double>(now_seconds)) {
      return std::unexpected(Unauthenticated("the JWT has expired"));
    }
  }
  auto hash = claims.find("payload_hash");
  if (hash == claims.end() || !hash->is_string()) {
    return std::unexpected(Unauthenticated("the JWT has no payload_hash claim"));
  }
  if (hash->get<std::string>() != Sha256Hex(body)) {
    return std::unexpected(Unauthenticated("the body does not match the JWT's payload_hash"));
  }
  auto iat = claims.find("iat");
  if (iat == claims.end() || !iat->is_number()) {
    return std::unexpected(Unauthenticated("the JWT has no iat claim"));
  }
  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  if (std::abs(iat->get<double>() - now_seconds) > static_cast<double>(window.count())) {
    return std::unexpected(Unauthenticated("the JWT's iat is more than " +
                                           std::to_string(window.count()) +
                                           " s from now (a late replay, or a clock far off)"));
  }
  return claims;
}

}  // namespace talky
