#include "telephony/vonage/vonage_telephony.h"

#include <fmt/format.h>

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "telephony/vonage/vonage_event.h"
#include "telephony/vonage/vonage_jwt.h"

namespace talky {
namespace {

using nlohmann::json;

bool IsUrlWithScheme(std::string_view text, std::initializer_list<std::string_view> schemes) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(text);
  if (!parsed || parsed->host().empty()) return false;
  for (std::string_view scheme : schemes) {
    if (parsed->scheme() == scheme) return true;
  }
  return false;
}

// Vonage wants E.164 digits without the '+' (its AddressE164: 7 to 15 digits).
std::optional<std::string> VonageNumber(std::string_view e164) {
  if (!e164.starts_with('+')) return std::nullopt;
  const std::string_view digits = e164.substr(1);
  if (digits.size() < 7 || digits.size() > 15) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::string(digits);
}

bool IsVonageUuid(std::string_view uuid) {
  if (uuid.empty() || uuid.size() > 64) return false;
  for (char c : uuid) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Vonage answers a refused request with a problem body:
// {"type": ..., "title": ..., "detail": ..., "instance": ..., "invalid_parameters": [{"name",
// "reason"}]}. Its words go into our error so that an operator sees what Vonage objected to.
Error ErrorFromVonage(const HttpClientResponse& response, std::string_view action) {
  const json problem = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  auto text = [&](const char* key) -> std::string {
    if (!problem.is_object()) return "";
    auto found = problem.find(key);
    return found != problem.end() && found->is_string() ? found->get<std::string>() : "";
  };
  std::string message = fmt::format("Vonage refused to {} (HTTP {}", action, response.status);
  if (const std::string title = text("title"); !title.empty()) message += " " + title;
  message += ")";
  if (const std::string detail = text("detail"); !detail.empty()) message += ": " + detail;

  if (response.status == 401 || response.status == 403) {
    return Error{ErrorCode::kPermissionDenied,
                 message + " (check the application id, its private key and the account)",
                 {}};
  }
  if (response.status == 404) return Error::NotFound(message);
  if (response.status == 429 || response.status >= 500 || response.status < 400) {
    return Error::Unavailable(message);
  }
  std::vector<FieldError> fields;
  if (problem.is_object()) {
    auto invalid = problem.find("invalid_parameters");
    if (invalid != problem.end() && invalid->is_array()) {
      for (const json& parameter : *invalid) {
        if (!parameter.is_object()) continue;
        fields.push_back({parameter.value("name", std::string("?")),
                          parameter.value("reason", std::string("is invalid"))});
      }
    }
  }
  return Error::InvalidArgument(std::move(message), std::move(fields));
}

}  // namespace

Expected<void> ValidateVonageOptions(const VonageOptions& options) {
  std::vector<FieldError> errors;
  if (!IsUrlWithScheme(options.api_base_url, {"http", "https"})) {
    errors.push_back({"api_base_url", "must be an absolute http(s) URL"});
  }
  if (options.application_id.empty()) errors.push_back({"application_id", "is required"});
  Expected<std::string> probe = SignVonageApiJwt(
      {.application_id = "probe", .jti = "probe", .issued_at = Instant{}}, options.private_key_pem);
  if (!probe) errors.push_back({"private_key_pem", "must be an RSA private key in PEM format"});
  if (!IsUrlWithScheme(options.event_url, {"http", "https"})) {
    errors.push_back({"event_url", "must be an absolute http(s) URL"});
  }
  const bool websocket = !options.media_websocket_uri.empty();
  const bool answer = !options.answer_url.empty();
  if (websocket == answer) {
    errors.push_back(
        {"media_websocket_uri", "give exactly one of media_websocket_uri and answer_url"});
  } else if (websocket && !IsUrlWithScheme(options.media_websocket_uri, {"ws", "wss"})) {
    errors.push_back({"media_websocket_uri", "must be an absolute ws(s) URL"});
  } else if (answer && !IsUrlWithScheme(options.answer_url, {"http", "https"})) {
    errors.push_back({"answer_url", "must be an absolute http(s) URL"});
  }
  if (options.machine_detection != "continue" && options.machine_detection != "hangup") {
    errors.push_back({"machine_detection", "must be \"continue\" or \"hangup\""});
  }
  if (options.ringing_timer_seconds &&
      (*options.ringing_timer_seconds < 1 || *options.ringing_timer_seconds > 120)) {
    errors.push_back({"ringing_timer_seconds", "must be between 1 and 120"});
  }
  if (options.jwt_lifetime < std::chrono::seconds(30) ||
      options.jwt_lifetime > std::chrono::hours(24)) {
    errors.push_back({"jwt_lifetime", "must be between 30 seconds and 24 hours"});
  }
  if (errors.empty()) return {};
  return std::unexpected(Error::InvalidArgument("invalid Vonage options", std::move(errors)));
}

VonageTelephony::VonageTelephony(VonageOptions options, HttpClient& http, const Clock& clock,
                                 CallEventSink& sink, uint64_t jti_seed)
    : options_(std::move(options)), http_(http), clock_(clock), sink_(sink), jti_random_(jti_seed) {
  if (Expected<void> valid = ValidateVonageOptions(options_); !valid) {
    throw std::invalid_argument(valid.error().Describe());
  }
  while (options_.api_base_url.ends_with('/')) options_.api_base_url.pop_back();
}

Expected<std::string> VonageTelephony::AuthorizationHeader() {
  std::string jti;
  {
    std::lock_guard lock(jti_mutex_);
    // Random for uniqueness across processes, a counter for certainty within this one.
    jti = fmt::format("{:016x}-{:x}", jti_random_(), ++jti_counter_);
  }
  Expected<std::string> token = SignVonageApiJwt({.application_id = options_.application_id,
                                                  .jti = std::move(jti),
                                                  .issued_at = clock_.Now(),
                                                  .lifetime = options_.jwt_lifetime},
                                                 options_.private_key_pem);
  if (!token) return std::unexpected(token.error());
  return "Bearer " + *token;
}

Expected<HttpClientResponse> VonageTelephony::Call(std::string method, std::string path,
                                                   std::string body) {
  Expected<std::string> authorization = AuthorizationHeader();
  if (!authorization) return std::unexpected(authorization.error());
  return http_.Send({.method = std::move(method),
                     .url = options_.api_base_url + path,
                     .headers = {{"Authorization", *authorization},
                                 {"Content-Type", "application/json"},
                                 {"Accept", "application/json"}},
                     .body = std::move(body)});
}

Expected<std::string> VonageTelephony::Originate(const OriginateRequest& request) {
  std::vector<FieldError> errors;
  const std::optional<std::string> to = VonageNumber(request.to);
  if (!to) errors.push_back({"to", "must be an E.164 number (+ and 7 to 15 digits)"});
  const std::optional<std::string> from = VonageNumber(request.from);
  if (!from) errors.push_back({"from", "must be an E.164 number (+ and 7 to 15 digits)"});
  if (request.call_id.empty()) errors.push_back({"call_id", "is required"});
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("cannot place the Vonage call", errors));
  }
  Expected<std::string> event_url = VonageEventUrl(options_.event_url, request.call_id);
  if (!event_url) return std::unexpected(event_url.error());

  json body = {{"to", json::array({{{"type", "phone"}, {"number", *to}}})},
               {"from", {{"type", "phone"}, {"number", *from}}},
               {"event_url", json::array({*event_url})},
               {"event_method", "POST"}};
  if (!options_.media_websocket_uri.empty()) {
    body["ncco"] = VonageMediaNcco(options_.media_websocket_uri, request.call_id);
  } else {
    Expected<std::string> answer_url = VonageEventUrl(options_.answer_url, request.call_id);
    if (!answer_url) return std::unexpected(answer_url.error());
    body["answer_url"] = json::array({*answer_url});
  }
  // Advanced machine detection, asynchronous ("default": the media flows at once, the verdict and
  // the beep come as `machine`/`human` events), with beep detection.
  if (request.machine_detection) {
    body["advanced_machine_detection"] = {
        {"behavior", options_.machine_detection}, {"mode", "default"}, {"beep_timeout", 45}};
  }
  if (options_.ringing_timer_seconds) body["ringing_timer"] = *options_.ringing_timer_seconds;

  Expected<HttpClientResponse> response = Call("POST", "/v1/calls", body.dump());
  if (!response) return std::unexpected(response.error());
  if (response->status < 200 || response->status >= 300) {
    return std::unexpected(ErrorFromVonage(*response, "create the call"));
  }
  // 201 {"uuid": ..., "status": "started", "direction": "outbound", "conversation_uuid": ...}
  const json created = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!created.is_object() || !created.contains("uuid") || !created["uuid"].is_string() ||
      !IsVonageUuid(created["uuid"].get_ref<const std::string&>())) {
    return std::unexpected(
        Error::Unavailable("Vonage accepted the call but its response has no call uuid: " +
                           response->body.substr(0, 200)));
  }
  return created["uuid"].get<std::string>();
}

Expected<void> VonageTelephony::Hangup(std::string_view provider_call_id) {
  if (!IsVonageUuid(provider_call_id)) {
    return std::unexpected(Error::InvalidArgument(
        "cannot hang up: '" + std::string(provider_call_id) + "' is not a Vonage call uuid",
        {{"provider_call_id", "must be a Vonage call uuid"}}));
  }
  Expected<HttpClientResponse> response =
      Call("PUT", "/v1/calls/" + std::string(provider_call_id), json{{"action", "hangup"}}.dump());
  if (!response) return std::unexpected(response.error());
  if (response->status < 200 || response->status >= 300) {
    return std::unexpected(ErrorFromVonage(*response, "hang up the call"));
  }
  return {};
}

Expected<void> VonageTelephony::HandleEventWebhook(const VonageWebhookRequest& request) {
  Expected<VonageEvent> event = ReadVonageEventWebhook(request, options_.signature_secret, clock_);
  if (!event) return std::unexpected(event.error());
  if (event->call_event) sink_.OnCallEvent(*event->call_event);
  return {};
}

}  // namespace talky
