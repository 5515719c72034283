#include "voice/turn_taking.h"

#include <fmt/format.h>

#include "domain/json_fields.h"

namespace talky {
namespace {

// Reads `key` into `target` when present and within [low, high].
template <typename Target>
void ReadBounded(JsonFields& fields, const std::string& key, long long low, long long high,
                 Target& target) {
  const std::optional<long long> value = fields.OptionalInt(key);
  if (!value) return;
  if (*value < low || *value > high) {
    fields.AddError(key, fmt::format("must be between {} and {}", low, high));
    return;
  }
  target = Target(*value);
}

}  // namespace

Expected<TurnTaking> TurnTakingFromJson(const nlohmann::json& json, const std::string& prefix) {
  TurnTaking turns;
  if (json.is_null()) return turns;
  JsonFields fields(json, prefix);
  ReadBounded(fields, "speech_start_ms", 20, 1'000, turns.speech_start);
  ReadBounded(fields, "barge_in_min_ms", 60, 2'000, turns.barge_in_min);
  ReadBounded(fields, "endpointing_min_ms", 200, 5'000, turns.endpointing_min);
  ReadBounded(fields, "endpointing_max_ms", 200, 60'000, turns.endpointing_max);
  ReadBounded(fields, "silence_reprompt_ms", 1'000, 60'000, turns.silence_reprompt);
  ReadBounded(fields, "max_reprompts", 0, 5, turns.max_reprompts);
  ReadBounded(fields, "max_not_understood", 1, 10, turns.max_not_understood);
  if (turns.endpointing_max < turns.endpointing_min) {
    fields.AddError("endpointing_max_ms", "must not be below endpointing_min_ms");
  }
  fields.RejectUnknownKeys();
  if (!fields.errors().empty()) {
    return std::unexpected(
        Error::InvalidArgument("invalid turn-taking settings", std::move(fields.errors())));
  }
  return turns;
}

}  // namespace talky
