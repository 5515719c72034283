#include "domain/json_fields.h"

namespace talky {

JsonFields::JsonFields(const nlohmann::json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
  if (!object_.is_object()) {
    errors_.push_back({prefix_.empty() ? "body" : prefix_, "must be a JSON object"});
  }
}

std::string JsonFields::FieldName(const std::string& key) const {
  return prefix_.empty() ? key : prefix_ + "." + key;
}

void JsonFields::AddError(const std::string& key, std::string message) {
  errors_.push_back({FieldName(key), std::move(message)});
}

const nlohmann::json* JsonFields::Find(const std::string& key, bool required) {
  seen_.insert(key);
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || (!required && it->is_null())) {
    if (required) AddError(key, "is required");
    return nullptr;
  }
  return &*it;
}

namespace {

// The JSON type each accessor accepts, and how a wrong type is reported.
template <typename T>
struct JsonType;
template <>
struct JsonType<std::string> {
  static bool Matches(const nlohmann::json& value) { return value.is_string(); }
  static constexpr const char* kMustBe = "must be a string";
};
template <>
struct JsonType<long long> {
  static bool Matches(const nlohmann::json& value) { return value.is_number_integer(); }
  static constexpr const char* kMustBe = "must be an integer";
};
template <>
struct JsonType<bool> {
  static bool Matches(const nlohmann::json& value) { return value.is_boolean(); }
  static constexpr const char* kMustBe = "must be true or false";
};

}  // namespace

template <typename T>
std::optional<T> JsonFields::Read(const std::string& key, bool required) {
  const nlohmann::json* value = Find(key, required);
  if (value == nullptr) return std::nullopt;
  if (!JsonType<T>::Matches(*value)) {
    AddError(key, JsonType<T>::kMustBe);
    return std::nullopt;
  }
  return value->get<T>();
}

std::optional<Instant> JsonFields::ReadInstant(const std::string& key, bool required) {
  std::optional<std::string> text = Read<std::string>(key, required);
  if (!text) return std::nullopt;
  Expected<Instant> instant = ParseIso8601(*text);
  if (!instant) {
    AddError(key, instant.error().message);
    return std::nullopt;
  }
  return *instant;
}

std::optional<std::string> JsonFields::RequiredString(const std::string& key) {
  return Read<std::string>(key, true);
}

std::optional<std::string> JsonFields::RequiredNonEmptyString(const std::string& key) {
  std::optional<std::string> text = RequiredString(key);
  if (text && text->empty()) {
    AddError(key, "must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<long long> JsonFields::RequiredInt(const std::string& key) {
  return Read<long long>(key, true);
}

std::optional<Instant> JsonFields::RequiredInstant(const std::string& key) {
  return ReadInstant(key, true);
}

std::optional<std::string> JsonFields::OptionalString(const std::string& key) {
  return Read<std::string>(key, false);
}

std::optional<long long> JsonFields::OptionalInt(const std::string& key) {
  return Read<long long>(key, false);
}

std::optional<bool> JsonFields::OptionalBool(const std::string& key) {
  return Read<bool>(key, false);
}

std::optional<Instant> JsonFields::OptionalInstant(const std::string& key) {
  return ReadInstant(key, false);
}

const nlohmann::json* JsonFields::OptionalValue(const std::string& key) { return Find(key, false); }

void JsonFields::RejectUnknownKeys() {
  if (!object_.is_object()) return;
  for (const auto& [key, value] : object_.items()) {
    if (!seen_.contains(key)) AddError(key, "is not a known field");
  }
}

Expected<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return std::unexpected(Error::InvalidArgument(std::string(what) + " is not valid JSON",
                                                  {{"body", "malformed JSON"}}));
  }
  return value;
}

}  // namespace talky
