#include "fake_vonage.h"

#include <date/date.h>
#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <atomic>
#include <regex>
#include <set>
#include <stdexcept>

#include "telephony/vonage/vonage_jwt.h"

namespace talky::testing {
namespace {

using nlohmann::json;
using namespace std::chrono;

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

// The fake's own base64url, independent of the code under test.
std::optional<std::string> FromBase64Url(std::string text) {
  for (char& c : text) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;  // not the URL alphabet
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  const size_t padding = (4 - text.size() % 4) % 4;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

long long Seconds(Instant at) { return duration_cast<seconds>(at.time_since_epoch()).count(); }

std::string VonageTimestamp(Instant at) {
  return date::format("%FT%T", floor<milliseconds>(at)) + "Z";  // 2026-11-21T14:59:58.125Z
}

LoopbackReply Problem(int status, json problem) {
  return LoopbackReply{
      .status = status, .headers = {{"Content-Type", "application/json"}}, .body = problem.dump()};
}

LoopbackReply Unauthorized() {
  return Problem(401, {{"type", "https://developer.nexmo.com/api-errors#unauthorized"},
                       {"title", "Unauthorized"},
                       {"detail", "You did not provide correct credentials."},
                       {"instance", "bf0ca0bf927b3b52e3cb03217e1a1ddf"}});
}

// Checks a create-call body against Vonage's schema (CreateCallRequestNcco /
// CreateCallRequestAnswerUrl in its OpenAPI description); each problem is one invalid_parameter.
json ValidateCreateCall(const json& body) {
  json invalid = json::array();
  auto bad = [&](std::string name, std::string reason) {
    invalid.push_back({{"name", std::move(name)}, {"reason", std::move(reason)}});
  };
  static const std::regex kE164(R"(\d{7,15})");
  auto check_phone = [&](const json& endpoint, const std::string& name) {
    if (!endpoint.is_object()) return bad(name, "must be an object");
    if (endpoint.value("type", "") != "phone") bad(name + ".type", "must be phone");
    const json number = endpoint.value("number", json());
    if (!number.is_string() || !std::regex_match(number.get<std::string>(), kE164)) {
      bad(name + ".number", "must match \\d{7,15}");
    }
    for (const auto& [key, value] : endpoint.items()) {
      if (key != "type" && key != "number" && key != "dtmfAnswer") bad(name + "." + key, "unknown");
    }
  };
  auto check_urls = [&](const char* key) {
    const json& urls = body[key];
    if (!urls.is_array() || urls.size() != 1 || !urls[0].is_string() ||
        !std::regex_match(urls[0].get<std::string>(), std::regex(R"(https?://[^/\s]+(/\S*)?)"))) {
      bad(key, "must be an array holding one URL");
    }
  };
  if (!body.is_object()) {
    bad("body", "must be a JSON object");
    return invalid;
  }
  static const std::set<std::string> kKnown = {"to",
                                               "from",
                                               "ncco",
                                               "answer_url",
                                               "answer_method",
                                               "event_url",
                                               "event_method",
                                               "machine_detection",
                                               "advanced_machine_detection",
                                               "length_timer",
                                               "ringing_timer",
                                               "random_from_number"};
  for (const auto& [key, value] : body.items()) {
    if (!kKnown.contains(key)) bad(key, "is not a parameter of this request");
  }
  if (!body.contains("to") || !body["to"].is_array() || body["to"].empty()) {
    bad("to", "must be a non-empty array of endpoints");
  } else {
    for (size_t i = 0; i < body["to"].size(); ++i)
      check_phone(body["to"][i], fmt::format("to[{}]", i));
  }
  if (!body.contains("from")) {
    bad("from", "is required");
  } else {
    check_phone(body["from"], "from");
  }
  const bool ncco = body.contains("ncco");
  if (ncco == body.contains("answer_url")) bad("ncco", "exactly one of ncco and answer_url");
  if (body.contains("answer_url")) check_urls("answer_url");
  if (ncco) {
    const json& actions = body["ncco"];
    if (!actions.is_array() || actions.empty()) bad("ncco", "must be a non-empty array");
    for (size_t i = 0; actions.is_array() && i < actions.size(); ++i) {
      const json& action = actions[i];
      const std::string name = fmt::format("ncco[{}]", i);
      if (!action.is_object() || !action.contains("action")) {
        bad(name, "must be an action object");
        continue;
      }
      if (action["action"] != "connect") continue;
      const json endpoints = action.value("endpoint", json());
      if (!endpoints.is_array() || endpoints.size() != 1 || !endpoints[0].is_object()) {
        bad(name + ".endpoint", "must be an array of one endpoint");
        continue;
      }
      const json& endpoint = endpoints[0];
      if (endpoint.value("type", "") == "websocket") {
        if (!std::regex_match(endpoint.value("uri", ""), std::regex(R"(wss?://\S+)"))) {
          bad(name + ".endpoint[0].uri", "must be a ws(s) URI");
        }
        const std::string content_type = endpoint.value("content-type", "");
        if (content_type != "audio/l16;rate=8000" && content_type != "audio/l16;rate=16000") {
          bad(name + ".endpoint[0].content-type", "must be audio/l16;rate=8000 or 16000");
        }
        if (endpoint.contains("headers") && !endpoint["headers"].is_object()) {
          bad(name + ".endpoint[0].headers", "must be an object");
        }
      }
    }
  }
  if (!body.contains("event_url")) {
    bad("event_url", "is required (no event_url on the application)");
  } else {
    check_urls("event_url");
  }
  if (body.contains("event_method") && body["event_method"] != "POST" &&
      body["event_method"] != "GET") {
    bad("event_method", "must be POST or GET");
  }
  if (body.contains("machine_detection") && body["machine_detection"] != "continue" &&
      body["machine_detection"] != "hangup") {
    bad("machine_detection", "must be continue or hangup");
  }
  if (body.contains("advanced_machine_detection")) {
    const json& amd = body["advanced_machine_detection"];
    if (!amd.is_object() ||
        (amd.value("behavior", "") != "continue" && amd.value("behavior", "") != "hangup")) {
      bad("advanced_machine_detection.behavior", "must be continue or hangup");
    }
    if (!amd.is_object() ||
        (amd.value("mode", "default") != "default" && amd.value("mode", "default") != "detect" &&
         amd.value("mode", "default") != "detect_beep")) {
      bad("advanced_machine_detection.mode", "must be default, detect or detect_beep");
    }
    if (amd.is_object() && amd.contains("beep_timeout") &&
        (!amd["beep_timeout"].is_number_integer() || amd["beep_timeout"].get<int>() < 45 ||
         amd["beep_timeout"].get<int>() > 120)) {
      bad("advanced_machine_detection.beep_timeout", "must be 45-120 seconds");
    }
  }
  if (body.contains("ringing_timer")) {
    const json& timer = body["ringing_timer"];
    if (!timer.is_number_integer() || timer.get<int>() < 1 || timer.get<int>() > 120) {
      bad("ringing_timer", "must be an integer from 1 to 120");
    }
  }
  return invalid;
}

}  // namespace

RsaKeyPair GenerateRsaKeyPair() {
  PKey key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("OpenSSL could not generate an RSA key");
  auto to_pem = [&](bool is_private) {
    Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
    const int ok = is_private ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0,
                                                         nullptr, nullptr)
                              : PEM_write_bio_PUBKEY(bio.get(), key.get());
    if (ok != 1) throw std::runtime_error("OpenSSL could not write a PEM key");
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  };
  return {.private_pem = to_pem(true), .public_pem = to_pem(false)};
}

struct FakeVonage::Key {
  PKey key{nullptr, &EVP_PKEY_free};
};

FakeVonage::FakeVonage(std::string application_id, const std::string& public_key_pem,
                       const Clock& clock)
    : application_id_(std::move(application_id)), key_(std::make_unique<Key>()), clock_(clock) {
  Bio bio(BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())),
          &BIO_free);
  key_->key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key_->key) throw std::runtime_error("the fake Vonage needs an RSA public key in PEM");
  server_ = std::make_unique<LoopbackHttpServer>(
      [this](const LoopbackRequest& request) { return Handle(request); });
}

FakeVonage::~FakeVonage() { server_->Stop(); }

void FakeVonage::FailNext(int status, json problem) {
  std::lock_guard lock(mutex_);
  scripted_failures_.emplace_back(status, std::move(problem));
}

void FakeVonage::GoSilent() {
  std::lock_guard lock(mutex_);
  silent_ = true;
}

std::vector<FakeVonageCall> FakeVonage::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<json> FakeVonage::jwt_claims() const {
  std::lock_guard lock(mutex_);
  return claims_;
}

std::vector<std::string> FakeVonage::rejections() const {
  std::lock_guard lock(mutex_);
  return rejections_;
}

int FakeVonage::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

// Returns why the token is refused, or nullopt when it verifies (its claims are then recorded).
std::optional<std::string> FakeVonage::CheckJwt(const LoopbackRequest& request) {
  const std::string authorization = request.Header("Authorization").value_or("");
  if (!authorization.starts_with("Bearer ")) return "no Bearer token";
  const std::string token = authorization.substr(7);
  const size_t dot1 = token.find('.');
  const size_t dot2 = token.rfind('.');
  if (dot1 == std::string::npos || dot1 == dot2) return "not a JWS";
  const std::optional<std::string> header = FromBase64Url(token.substr(0, dot1));
  const std::optional<std::string> payload = FromBase64Url(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const std::optional<std::string> signature = FromBase64Url(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return "not base64url";
  const json header_json = json::parse(*header, nullptr, false);
  if (!header_json.is_object() || header_json.value("alg", "") != "RS256")
    return "alg is not RS256";

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  &EVP_MD_CTX_free);
  const std::string signed_part = token.substr(0, dot2);
  if (EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key_->key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(),
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
    return "the RS256 signature does not verify with the application's public key";
  }
  const json claims = json::parse(*payload, nullptr, false);
  if (!claims.is_object()) return "claims are not an object";
  if (claims.value("application_id", "") != application_id_) return "wrong application_id";
  if (!claims.contains("iat") || !claims["iat"].is_number_integer()) return "no iat";
  if (!claims.contains("jti") || !claims["jti"].is_string() || claims["jti"] == "") return "no jti";
  const long long now = Seconds(clock_.Now());
  if (claims["iat"].get<long long>() > now + 60) return "iat is in the future";
  if (claims.contains("exp") && claims["exp"].get<long long>() <= now) return "the token expired";
  std::lock_guard lock(mutex_);
  for (const json& seen : claims_) {
    if (seen["jti"] == claims["jti"]) return "jti reused";
  }
  claims_.push_back(claims);
  return std::nullopt;
}

std::optional<LoopbackReply> FakeVonage::Handle(const LoopbackRequest& request) {
  {
    std::lock_guard lock(mutex_);
    ++requests_;
    if (silent_) return std::nullopt;
  }
  if (std::optional<std::string> why = CheckJwt(request)) {
    std::lock_guard lock(mutex_);
    rejections_.push_back(*why);
    return Unauthorized();
  }
  {
    std::lock_guard lock(mutex_);
    if (!scripted_failures_.empty()) {
      auto [status, problem] = std::move(scripted_failures_.front());
      scripted_failures_.pop_front();
      return Problem(status, std::move(problem));
    }
  }
  if (!request.Header("Content-Type").value_or("").starts_with("application/json")) {
    return Problem(415, {{"title", "Unsupported Media Type"},
                         {"detail", "Content-Type must be application/json"}});
  }
  if (request.method == "POST" && request.target == "/v1/calls") return CreateCall(request);
  constexpr std::string_view kCalls = "/v1/calls/";
  if (request.method == "PUT" && request.target.starts_with(kCalls)) {
    return UpdateCall(request, request.target.substr(kCalls.size()));
  }
  return Problem(404, {{"title", "Not Found"}, {"detail", "no such resource"}});
}

std::optional<LoopbackReply> FakeVonage::CreateCall(const LoopbackRequest& request) {
  const json body = json::parse(request.body, nullptr, false);
  json invalid = ValidateCreateCall(body);
  if (!invalid.empty()) {
    std::lock_guard lock(mutex_);
    rejections_.push_back("invalid body: " + invalid.dump());
    return Problem(400, {{"type", "https://developer.nexmo.com/api-errors#bad-request"},
                         {"title", "Bad Request"},
                         {"detail", "The request failed due to validation errors"},
                         {"invalid_parameters", invalid},
                         {"instance", "6cba8d4b-5b0e-4d1c-9d6e-93c6c1f0a2d1"}});
  }
  std::lock_guard lock(mutex_);
  const int id = next_id_++;
  FakeVonageCall call{.uuid = fmt::format("63f61863-4a51-4f6b-86e1-{:012x}", id),
                      .conversation_uuid = fmt::format("CON-f972836a-550f-45fa-956c-{:012x}", id),
                      .request = body,
                      .hung_up = false};
  calls_.push_back(call);
  return LoopbackReply{.status = 201,
                       .headers = {{"Content-Type", "application/json"}},
                       .body = json{{"uuid", call.uuid},
                                    {"status", "started"},
                                    {"direction", "outbound"},
                                    {"conversation_uuid", call.conversation_uuid}}
                                   .dump()};
}

std::optional<LoopbackReply> FakeVonage::UpdateCall(const LoopbackRequest& request,
                                                    const std::string& uuid) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object() || body.value("action", "") != "hangup") {
    return Problem(400,
                   {{"title", "Bad Request"},
                    {"detail", "The request failed due to validation errors"},
                    {"invalid_parameters", {{{"name", "action"}, {"reason", "unsupported"}}}}});
  }
  std::lock_guard lock(mutex_);
  for (FakeVonageCall& call : calls_) {
    if (call.uuid != uuid) continue;
    call.hung_up = true;
    return LoopbackReply{.status = 204, .headers = {}, .body = ""};
  }
  return Problem(404, {{"type", "https://developer.nexmo.com/api-errors#not-found"},
                       {"title", "Not Found"},
                       {"detail", "Call " + uuid + " doesn't exist."},
                       {"instance", "8e4a1b0d-0b5e-4e5c-a2bb-3b8f1d9e1c44"}});
}

json FakeVonage::EventBody(const FakeVonageCall& call, const std::string& status,
                           const std::string& detail, Instant at) const {
  json event = {{"from", call.request["from"]["number"]},
                {"to", call.request["to"][0]["number"]},
                {"uuid", call.uuid},
                {"conversation_uuid", call.conversation_uuid},
                {"status", status},
                {"direction", "outbound"},
                {"timestamp", VonageTimestamp(at)}};
  if (!detail.empty()) event["detail"] = detail;
  if (status == "completed") {
    event["start_time"] = VonageTimestamp(at - seconds(38));
    event["end_time"] = VonageTimestamp(at);
    event["duration"] = "38";
    event["rate"] = "0.01270000";
    event["price"] = "0.00804333";
    event["network"] = "310260";
  }
  return event;
}

std::string FakeVonage::SignWebhook(const std::string& body, const std::string& signature_secret,
                                    Instant at) {
  // A new jti for every signature, as Vonage does: a repeated one is a replay.
  static std::atomic<uint64_t> signed_count{0};
  return SignVonageWebhook(body, signature_secret, at,
                           "c5ba8f24-1a14-4c10-bfdf-" + std::to_string(++signed_count));
}

}  // namespace talky::testing
