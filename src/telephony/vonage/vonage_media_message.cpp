#include "telephony/vonage/vonage_media_message.h"

#include <algorithm>
#include <cctype>

#include "domain/json_fields.h"

namespace talky {
namespace {

// "audio/l16;rate=16000" with any case and spaces around the parts; 0 when it is not one of the
// two formats Vonage documents.
int SampleRateOf(std::string_view content_type) {
  std::string compact;
  for (char c : content_type) {
    if (c != ' ') compact += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (compact == "audio/l16;rate=16000") return 16000;
  if (compact == "audio/l16;rate=8000") return 8000;
  return 0;
}

Expected<VonageMediaEvent> ParseConnected(const nlohmann::json& json) {
  JsonFields fields(json);
  fields.RequiredString("event");
  VonageMediaConnected connected;
  if (auto content_type = fields.RequiredString("content-type")) {
    connected.sample_rate = SampleRateOf(*content_type);
    if (connected.sample_rate == 0) {
      fields.AddError("content-type", "must be audio/l16;rate=16000 or audio/l16;rate=8000, not '" +
                                          *content_type + "'");
    }
  }
  connected.call_id = CallId{fields.RequiredNonEmptyString("call_id").value_or("")};
  if (auto answered_at = fields.OptionalString("answered_at")) {
    if (Expected<Instant> at = ParseIso8601(*answered_at)) {
      connected.answered_at = *at;
    } else {
      fields.AddError("answered_at", "must be an ISO-8601 instant such as 2026-12-02T15:00:00Z");
    }
  }
  for (const auto& [key, value] : json.items()) {
    if (key == "event" || key == "content-type" || key == "call_id" || key == "answered_at") {
      continue;
    }
    if (value.is_string()) connected.headers[key] = value.get<std::string>();
  }
  return ValueOrFieldErrors<VonageMediaEvent>(std::move(connected), std::move(fields.errors()),
                                              "websocket:connected message");
}

Expected<VonageMediaEvent> ParseDtmf(const nlohmann::json& json) {
  JsonFields fields(json);
  fields.RequiredString("event");
  VonageMediaDtmf dtmf;
  if (auto digit = fields.RequiredString("digit")) {
    static constexpr std::string_view kKeys = "0123456789*#";
    if (digit->size() == 1 && kKeys.find((*digit)[0]) != std::string_view::npos) {
      dtmf.digit = (*digit)[0];
    } else {
      fields.AddError("digit", "must be one of 0-9, * and #, not '" + *digit + "'");
    }
  }
  if (auto duration = fields.OptionalInt("duration")) {
    if (*duration < 0 || *duration > 60'000) {
      fields.AddError("duration", "must be 0..60000 ms");
    } else {
      dtmf.duration_ms = static_cast<int>(*duration);
    }
  }
  return ValueOrFieldErrors<VonageMediaEvent>(dtmf, std::move(fields.errors()),
                                              "websocket:dtmf message");
}

}  // namespace

Expected<VonageMediaEvent> ParseVonageMediaEvent(std::string_view text) {
  Expected<nlohmann::json> json = ParseJsonText(text, "the media WebSocket's text message");
  if (!json) return std::unexpected(json.error());
  if (!json->is_object()) {
    return std::unexpected(
        Error::InvalidArgument("the media WebSocket's text message is not a JSON object"));
  }
  const auto event = json->find("event");
  if (event == json->end() || !event->is_string()) {
    return std::unexpected(Error::InvalidArgument("the media WebSocket's text message has no event",
                                                  {{"event", "missing"}}));
  }
  const std::string& name = event->get_ref<const std::string&>();
  if (name == "websocket:connected") return ParseConnected(*json);
  if (name == "websocket:dtmf") return ParseDtmf(*json);
  if (name == "websocket:cleared") return VonageMediaCleared{};
  if (name == "websocket:notify") {
    const auto payload = json->find("payload");
    return VonageMediaNotify{payload == json->end() ? nlohmann::json() : *payload};
  }
  return std::unexpected(Error::InvalidArgument("unknown media WebSocket event '" + name + "'",
                                                {{"event", "unknown event '" + name + "'"}}));
}

std::string VonageClearAction() { return R"({"action":"clear"})"; }

std::string VonageNotifyAction(const nlohmann::json& payload) {
  return nlohmann::json{{"action", "notify"}, {"payload", payload}}.dump();
}

}  // namespace talky
