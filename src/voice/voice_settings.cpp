#include "voice/voice_settings.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "domain/json_fields.h"
#include "net/http_endpoint.h"
#include "voice/line_template.h"

namespace talky {
namespace {

constexpr long kMinCallSeconds = 30;
constexpr long kMaxCallSeconds = 7200;

void ReadVoicemail(const nlohmann::json& voicemail, VoicemailSettings& settings,
                   std::vector<FieldError>& errors) {
  JsonFields fields(voicemail, "calling_config.voicemail");
  settings.detect = fields.OptionalBool("detect").value_or(true);
  const std::string action = fields.OptionalString("action").value_or("hang_up");
  std::optional<std::string> message = fields.OptionalString("message");
  fields.RejectUnknownKeys();
  if (action != "hang_up" && action != "leave_message") {
    fields.AddError("action", "must be hang_up or leave_message");
  } else if (action == "leave_message") {
    if (!message || message->find_first_not_of(" ") == std::string::npos) {
      fields.AddError("message", "is required to leave a message: the words to say after the beep");
    } else {
      for (std::string& problem : LineTemplateProblems(*message)) {
        fields.AddError("message", std::move(problem));
      }
      settings.message = message;
    }
  }
  errors.insert(errors.end(), fields.errors().begin(), fields.errors().end());
}

bool IsSecretName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::ranges::all_of(
      name, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

void ReadLanguageModel(const nlohmann::json& model, LanguageModelSettings& settings,
                       std::vector<FieldError>& errors) {
  JsonFields fields(model, "calling_config.language_model");
  const std::string provider = fields.OptionalString("provider").value_or("offline");
  std::optional<std::string> base_url = fields.OptionalString("base_url");
  std::optional<std::string> name = fields.OptionalString("model");
  std::optional<std::string> key_name = fields.OptionalString("api_key_name");
  fields.RejectUnknownKeys();
  if (provider == "openai") {
    settings.cloud = true;
    if (!base_url || !ParseHttpEndpoint(*base_url)) {
      fields.AddError("base_url", "must be the API's absolute http(s) URL, as .../v1");
    } else {
      settings.base_url = *base_url;
      while (settings.base_url.ends_with('/')) settings.base_url.pop_back();
    }
    if (!name || name->empty()) {
      fields.AddError("model", "is required: the model's name at that API");
    } else {
      settings.model = *name;
    }
    if (key_name && !IsSecretName(*key_name)) {
      fields.AddError("api_key_name",
                      "must name a secret (letters, digits, _), as GROQ_API_KEY; never the key");
    } else {
      settings.api_key_name = key_name.value_or("");
    }
  } else if (provider != "offline") {
    fields.AddError("provider", "must be offline or openai");
  }
  errors.insert(errors.end(), fields.errors().begin(), fields.errors().end());
}

// A name that goes into a provider's URL or request as it is (a model, a language, a voice id).
bool IsPlainName(std::string_view name) {
  return !name.empty() && name.size() <= 100 && std::ranges::all_of(name, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// The fields every cloud provider of a call shares: where (a ws(s) URL), what (plain names) and
// the name of its key's secret.
class CloudProviderFields {
 public:
  explicit CloudProviderFields(JsonFields& fields) : fields_(fields) {}

  void Url(std::string& url) {
    if (std::optional<std::string> given = fields_.OptionalString("url")) {
      if (!ParseWebSocketEndpoint(*given)) {
        fields_.AddError("url", "must be an absolute ws(s) URL");
      } else {
        url = *given;
      }
    }
  }
  void Name(const std::string& key, std::string& value) {
    if (std::optional<std::string> given = fields_.OptionalString(key)) {
      if (!IsPlainName(*given)) {
        fields_.AddError(key, "must be a name of letters, digits, '-', '_' or '.'");
      } else {
        value = *given;
      }
    }
  }
  void KeyName(std::string& name) {
    if (std::optional<std::string> given = fields_.OptionalString("api_key_name")) {
      if (!IsSecretName(*given)) {
        fields_.AddError("api_key_name",
                         "must name a secret (letters, digits, _), as DEEPGRAM_API_KEY; never the "
                         "key");
      } else {
        name = *given;
      }
    }
  }

 private:
  JsonFields& fields_;
};

void ReadSpeechToText(const nlohmann::json& stt, SpeechToTextSettings& settings,
                      std::vector<FieldError>& errors) {
  JsonFields fields(stt, "calling_config.speech_to_text");
  const std::string provider = fields.OptionalString("provider").value_or("offline");
  CloudProviderFields cloud(fields);
  cloud.Url(settings.url);
  cloud.Name("model", settings.model);
  cloud.Name("language", settings.language);
  cloud.KeyName(settings.api_key_name);
  fields.RejectUnknownKeys();
  if (provider == "deepgram") {
    settings.cloud = true;
  } else if (provider != "offline") {
    fields.AddError("provider", "must be offline or deepgram");
  }
  errors.insert(errors.end(), fields.errors().begin(), fields.errors().end());
}

void ReadTextToSpeech(const nlohmann::json& tts, TextToSpeechSettings& settings,
                      std::vector<FieldError>& errors) {
  JsonFields fields(tts, "calling_config.text_to_speech");
  const std::string provider = fields.OptionalString("provider").value_or("offline");
  CloudProviderFields cloud(fields);
  cloud.Url(settings.url);
  cloud.Name("model", settings.model);
  cloud.Name("voice", settings.voice);
  cloud.Name("language", settings.language);
  cloud.Name("version", settings.version);
  cloud.KeyName(settings.api_key_name);
  fields.RejectUnknownKeys();
  if (provider == "cartesia") {
    settings.cloud = true;
    if (settings.voice.empty() && !fields.OptionalValue("voice")) {
      fields.AddError("voice", "is required: the id of a Cartesia voice");
    }
  } else if (provider != "offline") {
    fields.AddError("provider", "must be offline or cartesia");
  }
  errors.insert(errors.end(), fields.errors().begin(), fields.errors().end());
}

}  // namespace

Expected<VoiceSettings> VoiceSettingsFromCallingConfig(const nlohmann::json& calling_config) {
  VoiceSettings settings;
  if (!calling_config.is_object()) return settings;
  std::vector<FieldError> errors;
  if (auto turns = calling_config.find("turn_taking"); turns != calling_config.end()) {
    Expected<TurnTaking> read = TurnTakingFromJson(*turns, "calling_config.turn_taking");
    if (read) {
      settings.turn_taking = *read;
    } else {
      errors = std::move(read.error().fields);
    }
  }
  if (auto key = calling_config.find("opt_out_key"); key != calling_config.end()) {
    constexpr std::string_view kKeys = "0123456789*#";
    if (key->is_null()) {
      settings.opt_out_key = std::nullopt;
    } else if (key->is_string() && key->get_ref<const std::string&>().size() == 1 &&
               kKeys.find(key->get_ref<const std::string&>()[0]) != std::string_view::npos) {
      settings.opt_out_key = key->get_ref<const std::string&>()[0];
    } else {
      errors.push_back({"calling_config.opt_out_key", "must be one key of 0-9, * or #, or null"});
    }
  }
  if (auto seconds = calling_config.find("max_call_seconds"); seconds != calling_config.end()) {
    if (seconds->is_number_integer() && *seconds >= kMinCallSeconds &&
        *seconds <= kMaxCallSeconds) {
      settings.max_call_length = std::chrono::seconds(seconds->get<long>());
    } else {
      errors.push_back({"calling_config.max_call_seconds",
                        "must be a whole number of seconds, " + std::to_string(kMinCallSeconds) +
                            "-" + std::to_string(kMaxCallSeconds)});
    }
  }
  if (auto voicemail = calling_config.find("voicemail"); voicemail != calling_config.end()) {
    ReadVoicemail(*voicemail, settings.voicemail, errors);
  }
  if (auto record = calling_config.find("record_calls"); record != calling_config.end()) {
    if (record->is_boolean()) {
      settings.record_calls = record->get<bool>();
    } else {
      errors.push_back({"calling_config.record_calls", "must be true or false"});
    }
  }
  if (auto model = calling_config.find("language_model"); model != calling_config.end()) {
    ReadLanguageModel(*model, settings.language_model, errors);
  }
  if (auto stt = calling_config.find("speech_to_text"); stt != calling_config.end()) {
    ReadSpeechToText(*stt, settings.speech_to_text, errors);
  }
  if (auto tts = calling_config.find("text_to_speech"); tts != calling_config.end()) {
    ReadTextToSpeech(*tts, settings.text_to_speech, errors);
  }
  if (!errors.empty()) {
    return std::unexpected(Error::InvalidArgument("invalid voice settings", std::move(errors)));
  }
  return settings;
}

}  // namespace talky
