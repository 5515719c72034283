#include "queue/redis/job_encoding.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace talky {
namespace {

// The first element of every body array; the JSON bodies before it count as format 1.
constexpr int kBodyFormat = 2;

// The array's fields after the format number, in order.
enum class BodyField {
  kJobId,
  kCampaignId,
  kLeadId,
  kTenantId,
  kPhoneNumber,
  kPriority,
  kStatus,
  kAttemptNumber,
  kScheduledAt,
  kCreatedAt,
  kProcessedAt,
  kCompletedAt,
  kLastOutcome,
  kLastError,
  kCallId,
  kCount,
};
constexpr std::size_t kBodySize = 1 + static_cast<std::size_t>(BodyField::kCount);

constexpr std::array<std::string_view, static_cast<std::size_t>(BodyField::kCount)> kFieldNames = {
    "job_id",       "campaign_id",  "lead_id",        "tenant_id",    "phone_number",
    "priority",     "status",       "attempt_number", "scheduled_at", "created_at",
    "processed_at", "completed_at", "last_outcome",   "last_error",   "call_id"};

nlohmann::json OptionalMicros(const std::optional<Instant>& instant) {
  return instant ? nlohmann::json(instant->time_since_epoch().count()) : nlohmann::json(nullptr);
}

template <typename T>
nlohmann::json OptionalText(const std::optional<T>& value) {
  return value ? nlohmann::json(ToString(*value)) : nlohmann::json(nullptr);
}

// Reads the array's fields by name, collecting an error for each one that is wrong.
class BodyReader {
 public:
  explicit BodyReader(nlohmann::json& array) : array_(array) {}

  std::string String(BodyField field) {
    nlohmann::json& value = At(field);
    if (!value.is_string()) {
      Fail(field, "must be a string");
      return {};
    }
    return std::move(value.get_ref<std::string&>());
  }
  std::string NonEmptyString(BodyField field) {
    std::string text = String(field);
    if (text.empty() && At(field).is_string()) Fail(field, "must not be empty");
    return text;
  }
  std::optional<std::string> OptionalString(BodyField field) {
    if (At(field).is_null()) return std::nullopt;
    return String(field);
  }
  std::optional<std::int64_t> Integer(BodyField field, std::int64_t min, std::int64_t max) {
    const nlohmann::json& value = At(field);
    const bool fits = value.is_number_integer() &&
                      (!value.is_number_unsigned() ||
                       value.get<std::uint64_t>() <=
                           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!fits || value.get<std::int64_t>() < min || value.get<std::int64_t>() > max) {
      Fail(field, fmt::format("must be an integer between {} and {}", min, max));
      return std::nullopt;
    }
    return value.get<std::int64_t>();
  }
  Instant RequiredInstant(BodyField field) {
    return Instant(std::chrono::microseconds(Integer(field, kMinMicros, kMaxMicros).value_or(0)));
  }
  std::optional<Instant> OptionalInstant(BodyField field) {
    if (At(field).is_null()) return std::nullopt;
    return RequiredInstant(field);
  }
  template <typename T, typename Parse>
  std::optional<T> Enum(BodyField field, const std::optional<std::string>& text, Parse parse) {
    if (!text) return std::nullopt;
    std::optional<T> value = parse(*text);
    if (!value) Fail(field, fmt::format("unknown value '{}'", *text));
    return value;
  }

  std::vector<FieldError>& errors() { return errors_; }

 private:
  static constexpr std::int64_t kMinMicros = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t kMaxMicros = std::numeric_limits<std::int64_t>::max();

  nlohmann::json& At(BodyField field) { return array_[1 + static_cast<std::size_t>(field)]; }
  void Fail(BodyField field, std::string message) {
    errors_.push_back(
        {std::string(kFieldNames[static_cast<std::size_t>(field)]), std::move(message)});
  }

  nlohmann::json& array_;
  std::vector<FieldError> errors_;
};

Expected<DialerJob> DecodeCurrentFormat(std::string_view body) {
  nlohmann::json array = nlohmann::json::from_msgpack(body, /*strict=*/true,
                                                      /*allow_exceptions=*/false);
  if (array.is_discarded() || !array.is_array()) {
    return std::unexpected(Error::InvalidArgument("job body is not a MessagePack array"));
  }
  if (array.size() != kBodySize || array[0] != kBodyFormat) {
    return std::unexpected(Error::InvalidArgument(
        fmt::format("job body is not format {} ({} fields expected, {} found)", kBodyFormat,
                    kBodySize, array.size())));
  }
  BodyReader reader(array);
  DialerJob job;
  job.job_id.value = reader.NonEmptyString(BodyField::kJobId);
  job.campaign_id.value = reader.NonEmptyString(BodyField::kCampaignId);
  job.lead_id.value = reader.String(BodyField::kLeadId);
  job.tenant_id.value = reader.NonEmptyString(BodyField::kTenantId);
  job.phone_number = reader.String(BodyField::kPhoneNumber);
  job.priority = static_cast<int>(
      reader.Integer(BodyField::kPriority, kMinPriority, kMaxPriority).value_or(kDefaultPriority));
  job.status =
      reader.Enum<JobStatus>(BodyField::kStatus, reader.String(BodyField::kStatus), ParseJobStatus)
          .value_or(JobStatus::kPending);
  job.attempt_number =
      static_cast<int>(reader.Integer(BodyField::kAttemptNumber, 1, 1'000'000).value_or(1));
  job.scheduled_at = reader.RequiredInstant(BodyField::kScheduledAt);
  job.created_at = reader.RequiredInstant(BodyField::kCreatedAt);
  job.processed_at = reader.OptionalInstant(BodyField::kProcessedAt);
  job.completed_at = reader.OptionalInstant(BodyField::kCompletedAt);
  job.last_outcome = reader.Enum<CallOutcome>(
      BodyField::kLastOutcome, reader.OptionalString(BodyField::kLastOutcome), ParseCallOutcome);
  job.last_error = reader.OptionalString(BodyField::kLastError);
  if (std::optional<std::string> call_id = reader.OptionalString(BodyField::kCallId)) {
    job.call_id = CallId{std::move(*call_id)};
  }
  return ValueOrFieldErrors(std::move(job), std::move(reader.errors()), "job body");
}

// MessagePack's array markers (fixarray, array 16, array 32); a JSON text never starts with one.
bool IsMessagePackArray(std::string_view body) {
  if (body.empty()) return false;
  const auto first = static_cast<unsigned char>(body.front());
  return (first >= 0x90 && first <= 0x9f) || first == 0xdc || first == 0xdd;
}

}  // namespace

std::string EncodeJobBody(const DialerJob& job) {
  const nlohmann::json array = {
      kBodyFormat,
      job.job_id.value,
      job.campaign_id.value,
      job.lead_id.value,
      job.tenant_id.value,
      job.phone_number,
      job.priority,
      ToString(job.status),
      job.attempt_number,
      job.scheduled_at.time_since_epoch().count(),
      job.created_at.time_since_epoch().count(),
      OptionalMicros(job.processed_at),
      OptionalMicros(job.completed_at),
      OptionalText(job.last_outcome),
      job.last_error ? nlohmann::json(*job.last_error) : nlohmann::json(nullptr),
      job.call_id ? nlohmann::json(job.call_id->value) : nlohmann::json(nullptr)};
  std::string body;
  nlohmann::json::to_msgpack(array, body);
  return body;
}

Expected<DialerJob> DecodeJobBody(std::string_view body) {
  if (IsMessagePackArray(body)) return DecodeCurrentFormat(body);
  return ParseDialerJob(body);
}

}  // namespace talky
