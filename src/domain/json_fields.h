// Reads typed fields out of a JSON object and collects every problem, each naming its field, so a
// parser can report all bad fields at once. Used by the domain parsers of outside input.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/error.h"
#include "domain/instant.h"

namespace talky {

class JsonFields {
 public:
  // `object` must outlive the reader. A non-object records an error on `prefix` (or "body").
  explicit JsonFields(const nlohmann::json& object, std::string prefix = "");

  // A required field: records "missing" or "must be <type>" and returns nullopt on a problem.
  std::optional<std::string> RequiredString(const std::string& key);
  std::optional<std::string> RequiredNonEmptyString(const std::string& key);
  std::optional<long long> RequiredInt(const std::string& key);
  std::optional<Instant> RequiredInstant(const std::string& key);

  // An optional field: absent or null gives nullopt without an error; a wrong type records one.
  std::optional<std::string> OptionalString(const std::string& key);
  std::optional<long long> OptionalInt(const std::string& key);
  std::optional<bool> OptionalBool(const std::string& key);
  std::optional<Instant> OptionalInstant(const std::string& key);
  // The raw value of an optional field (absent or null gives nullptr), marking the key as read.
  const nlohmann::json* OptionalValue(const std::string& key);

  // Records an error for every key that no accessor asked for.
  void RejectUnknownKeys();

  void AddError(const std::string& key, std::string message);
  std::string FieldName(const std::string& key) const;
  std::vector<FieldError>& errors() { return errors_; }

 private:
  const nlohmann::json* Find(const std::string& key, bool required);
  template <typename T>
  std::optional<T> Read(const std::string& key, bool required);
  std::optional<Instant> ReadInstant(const std::string& key, bool required);

  const nlohmann::json& object_;
  std::string prefix_;
  std::set<std::string> seen_;
  std::vector<FieldError> errors_;
};

// Parses text as JSON; a syntax error becomes an InvalidArgument naming `what`.
Expected<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what);

}  // namespace talky
