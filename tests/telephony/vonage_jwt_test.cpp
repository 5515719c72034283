#include "telephony/vonage/vonage_jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

namespace talky {
namespace {

using namespace std::chrono;
using nlohmann::json;

const Instant kIssuedAt = sys_days{2026y / 11 / 21} + 15h;
const long long kIssuedAtSeconds = duration_cast<seconds>(kIssuedAt.time_since_epoch()).count();

// Test-side base64url, independent of the code under test.
std::string FromBase64Url(std::string text) {
  for (char& c : text) c = c == '-' ? '+' : c == '_' ? '/' : c;
  const size_t padding = (4 - text.size() % 4) % 4;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string ToBase64Url(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::string MakeHs256Token(const json& header, const json& payload, const std::string& secret) {
  const std::string input = ToBase64Url(header.dump()) + "." + ToBase64Url(payload.dump());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest, &length);
  return input + "." + ToBase64Url(std::string(reinterpret_cast<char*>(digest), length));
}

TEST(VonageJwt, Sha256HexMatchesKnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(VonageJwt, ApiTokenIsSignedRs256WithTheApplicationsClaims) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  ASSERT_TRUE(key);
  std::unique_ptr<BIO, decltype(&BIO_free)> pem(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  char* pem_data = nullptr;
  const long pem_size = BIO_get_mem_data(pem.get(), &pem_data);

  Expected<std::string> token =
      SignVonageApiJwt({.application_id = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
                        .jti = "jti-1",
                        .issued_at = kIssuedAt},
                       std::string_view(pem_data, static_cast<size_t>(pem_size)));
  ASSERT_TRUE(token) << token.error().message;

  const size_t dot1 = token->find('.'), dot2 = token->rfind('.');
  ASSERT_NE(dot1, dot2);
  EXPECT_EQ(json::parse(FromBase64Url(token->substr(0, dot1))),
            json::parse(R"({"alg":"RS256","typ":"JWT"})"));
  EXPECT_EQ(json::parse(FromBase64Url(token->substr(dot1 + 1, dot2 - dot1 - 1))),
            (json{{"application_id", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"},
                  {"iat", kIssuedAtSeconds},
                  {"nbf", kIssuedAtSeconds},
                  {"exp", kIssuedAtSeconds + 900},
                  {"jti", "jti-1"}}));

  // The signature verifies with the public key, through OpenSSL's own verify path.
  const std::string signing_input = token->substr(0, dot2);
  const std::string signature = FromBase64Url(token->substr(dot2 + 1));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  ASSERT_EQ(EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
  EXPECT_EQ(
      EVP_DigestVerify(
          context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()),
      1);
}

TEST(VonageJwt, ApiTokenNeedsAnRsaPrivateKey) {
  for (const char* pem :
       {"", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}) {
    Expected<std::string> token = SignVonageApiJwt({.application_id = "app", .jti = "j"}, pem);
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(token.error().fields.size(), 1u);
    EXPECT_EQ(token.error().fields[0].field, "private_key");
  }
}

const std::string kSecret = "signature-secret-of-the-account";
const std::string kBody = R"({"status":"answered","uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab"})";
const json kHs256 = {{"alg", "HS256"}, {"typ", "JWT"}};

json ValidClaims() {
  return {{"iat", kIssuedAtSeconds}, {"jti", "j-1"},
          {"iss", "Vonage"},         {"payload_hash", Sha256Hex(kBody)},
          {"api_key", "abcd1234"},   {"application_id", "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"}};
}

TEST(VonageJwt, WebhookSignatureAcceptsAGenuineRequest) {
  const std::string token = MakeHs256Token(kHs256, ValidClaims(), kSecret);
  Expected<json> claims =
      VerifyVonageWebhookSignature("Bearer " + token, kBody, kSecret, kIssuedAt);
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ((*claims)["api_key"], "abcd1234");
}

// jwt.io's published HS256 example (secret "your-256-bit-secret"): the signature checks out, and
// the token is still refused because it carries no payload_hash.
TEST(VonageJwt, WebhookSignatureChecksTheHmacBeforeThePayloadHash) {
  const std::string jwt_io =
      "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l"
      "IiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  Expected<json> right_secret =
      VerifyVonageWebhookSignature(jwt_io, "", "your-256-bit-secret", kIssuedAt);
  ASSERT_FALSE(right_secret);
  EXPECT_EQ(right_secret.error().message, "the JWT has no payload_hash claim");
  Expected<json> wrong_secret =
      VerifyVonageWebhookSignature(jwt_io, "", "another-secret", kIssuedAt);
  ASSERT_FALSE(wrong_secret);
  EXPECT_EQ(wrong_secret.error().message, "the JWT signature does not match the secret");
}

struct RejectCase {
  const char* name;
  std::string authorization;
  std::string body;
  const char* message;
};

TEST(VonageJwt, WebhookSignatureRefusesEveryForgery) {
  json expired = ValidClaims();
  expired["exp"] = kIssuedAtSeconds - 1;
  json no_hash = ValidClaims();
  no_hash.erase("payload_hash");
  json no_iat = ValidClaims();
  no_iat.erase("iat");
  json old = ValidClaims();
  old["iat"] = kIssuedAtSeconds - 301;
  json ahead = ValidClaims();
  ahead["iat"] = kIssuedAtSeconds + 301;
  const std::string valid = MakeHs256Token(kHs256, ValidClaims(), kSecret);
  std::string tampered = valid;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  const RejectCase cases[] = {
      {"no header", "", kBody, "the request carries no Bearer token"},
      {"basic auth", "Basic dXNlcjpwYXNz", kBody, "the request carries no Bearer token"},
      {"not a jwt", "Bearer abc", kBody, "the Bearer token is not a JWT"},
      {"four parts", "Bearer a.b.c.d", kBody, "the Bearer token is not a JWT"},
      {"not base64", "Bearer !!.??.**", kBody, "the JWT is not base64url-encoded"},
      {"body changed", "Bearer " + valid, kBody + " ",
       "the body does not match the JWT's payload_hash"},
      {"other secret", "Bearer " + MakeHs256Token(kHs256, ValidClaims(), "guess"), kBody,
       "the JWT signature does not match the secret"},
      {"signature tampered", "Bearer " + tampered, kBody,
       "the JWT signature does not match the secret"},
      {"alg none", "Bearer " + MakeHs256Token({{"alg", "none"}}, ValidClaims(), kSecret), kBody,
       "the JWT is not signed HS256"},
      {"alg rs256", "Bearer " + MakeHs256Token({{"alg", "RS256"}}, ValidClaims(), kSecret), kBody,
       "the JWT is not signed HS256"},
      {"expired", "Bearer " + MakeHs256Token(kHs256, expired, kSecret), kBody,
       "the JWT has expired"},
      {"no payload hash", "Bearer " + MakeHs256Token(kHs256, no_hash, kSecret), kBody,
       "the JWT has no payload_hash claim"},
      {"no iat", "Bearer " + MakeHs256Token(kHs256, no_iat, kSecret), kBody,
       "the JWT has no iat claim"},
      {"issued too long ago", "Bearer " + MakeHs256Token(kHs256, old, kSecret), kBody,
       "the JWT's iat is more than 300 s from now (a late replay, or a clock far off)"},
      {"issued in the future", "Bearer " + MakeHs256Token(kHs256, ahead, kSecret), kBody,
       "the JWT's iat is more than 300 s from now (a late replay, or a clock far off)"},
  };
  for (const RejectCase& c : cases) {
    Expected<json> claims =
        VerifyVonageWebhookSignature(c.authorization, c.body, kSecret, kIssuedAt);
    ASSERT_FALSE(claims) << c.name;
    EXPECT_EQ(claims.error().code, ErrorCode::kUnauthenticated) << c.name;
    EXPECT_EQ(claims.error().message, c.message) << c.name;
  }
}

}  // namespace
}  // namespace talky
