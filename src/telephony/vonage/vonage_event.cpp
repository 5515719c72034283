#include "telephony/vonage/vonage_event.h"

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>
#include <charconv>

#include "domain/json_fields.h"
#include "telephony/vonage/vonage_call_event.h"

namespace talky {
namespace {

constexpr std::string_view kCallIdParameter = "call_id";

// Vonage sends `duration` as a string of seconds ("38"); accept a number too.
std::optional<long long> ReadDuration(JsonFields& fields) {
  const nlohmann::json* value = fields.OptionalValue("duration");
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer() && value->get<long long>() >= 0) return value->get<long long>();
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    long long seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error == std::errc() && end == text.data() + text.size() && seconds >= 0) return seconds;
  }
  fields.AddError("duration", "must be a whole number of seconds");
  return std::nullopt;
}

}  // namespace

Expected<VonageEvent> ParseVonageEvent(std::string_view body, const CallId& call_id,
                                       const Clock& clock) {
  Expected<nlohmann::json> json = ParseJsonText(body, "the Vonage event");
  if (!json) return std::unexpected(json.error());
  JsonFields fields(*json);
  VonageEvent event;
  event.status = fields.OptionalString("status").value_or("");
  event.detail = fields.OptionalString("detail").value_or("");
  const std::optional<VonageCallEvent> meaning =
      event.status.empty() ? std::nullopt : MapVonageCallEvent(event.status, event.detail);
  // Machine detection's events (`human`, `machine`) name the call `call_uuid`; the others `uuid`.
  event.uuid = fields.OptionalString("uuid").value_or("");
  if (const std::optional<std::string> call_uuid = fields.OptionalString("call_uuid")) {
    if (event.uuid.empty()) event.uuid = *call_uuid;
  }
  const bool uuid_named_bad =
      std::ranges::any_of(fields.errors(), [](const FieldError& e) { return e.field == "uuid"; });
  if (meaning && event.uuid.empty() && !uuid_named_bad) {
    fields.AddError("uuid", "is required (call_uuid on machine detection's events)");
  }
  event.sub_state = fields.OptionalString("sub_state").value_or("");
  event.conversation_uuid = fields.OptionalString("conversation_uuid").value_or("");
  event.direction = fields.OptionalString("direction").value_or("");
  event.from = fields.OptionalString("from").value_or("");
  event.to = fields.OptionalString("to").value_or("");
  event.duration_seconds = ReadDuration(fields);
  event.timestamp = fields.OptionalInstant("timestamp").value_or(clock.Now());
  if (!fields.errors().empty()) {
    return std::unexpected(
        Error::InvalidArgument("invalid Vonage event", std::move(fields.errors())));
  }
  if (meaning) {
    event.call_event = CallEvent{.call_id = call_id,
                                 .provider_call_id = event.uuid,
                                 .status = meaning->status,
                                 .outcome = meaning->outcome,
                                 .occurred_at = event.timestamp,
                                 .payload = *json};
  }
  return event;
}

std::optional<ProviderMachineDetection> MachineDetectionOf(const VonageEvent& event) {
  if (event.status == "human") return ProviderMachineDetection{.verdict = AnswerKind::kHuman};
  if (event.status != "machine") return std::nullopt;
  return ProviderMachineDetection{.verdict = AnswerKind::kMachine,
                                  .beep = event.sub_state == "beep_start"};
}

Expected<std::string> VonageEventUrl(std::string_view event_url, const CallId& call_id) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_uri(event_url);
  if (!parsed || (parsed->scheme_id() != boost::urls::scheme::http &&
                  parsed->scheme_id() != boost::urls::scheme::https)) {
    return std::unexpected(Error::InvalidArgument(
        "the Vonage event URL '" + std::string(event_url) + "' is not an absolute http(s) URL",
        {{"event_url", "must be an absolute http(s) URL"}}));
  }
  boost::urls::url url(*parsed);
  // Everything but unreserved characters is percent-encoded: a bare '+' would come back as a space
  // from a form-style decoder (ours included).
  url.encoded_params().set(kCallIdParameter,
                           boost::urls::encode(call_id.value, boost::urls::unreserved_chars));
  return std::string(url.buffer());
}

std::optional<CallId> CallIdFromVonageEventTarget(std::string_view target) {
  boost::system::result<boost::urls::url_view> parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return std::nullopt;
  auto params = parsed->params();
  auto found = params.find(kCallIdParameter);
  if (found == params.end() || !(*found).has_value || (*found).value.empty()) return std::nullopt;
  return CallId{(*found).value};
}

}  // namespace talky
