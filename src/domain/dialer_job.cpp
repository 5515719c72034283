#include "domain/dialer_job.h"

#include <nlohmann/json.hpp>

#include "domain/json_fields.h"

namespace talky {
namespace {

nlohmann::json OptionalInstantJson(const std::optional<Instant>& instant) {
  return instant ? nlohmann::json(FormatIso8601(*instant)) : nlohmann::json(nullptr);
}

template <typename T, typename Parse>
std::optional<T> ParseEnumField(JsonFields& fields, const std::string& key,
                                const std::optional<std::string>& text, Parse parse) {
  if (!text) return std::nullopt;
  std::optional<T> value = parse(*text);
  if (!value) fields.AddError(key, "unknown value '" + *text + "'");
  return value;
}

}  // namespace

nlohmann::json ToJson(const DialerJob& job) {
  return {
      {"job_id", job.job_id.value},
      {"campaign_id", job.campaign_id.value},
      {"lead_id", job.lead_id.value},
      {"tenant_id", job.tenant_id.value},
      {"phone_number", job.phone_number},
      {"priority", job.priority},
      {"status", ToString(job.status)},
      {"attempt_number", job.attempt_number},
      {"scheduled_at", FormatIso8601(job.scheduled_at)},
      {"created_at", FormatIso8601(job.created_at)},
      {"processed_at", OptionalInstantJson(job.processed_at)},
      {"completed_at", OptionalInstantJson(job.completed_at)},
      {"last_outcome",
       job.last_outcome ? nlohmann::json(ToString(*job.last_outcome)) : nlohmann::json(nullptr)},
      {"last_error", job.last_error ? nlohmann::json(*job.last_error) : nlohmann::json(nullptr)},
      {"call_id", job.call_id ? nlohmann::json(job.call_id->value) : nlohmann::json(nullptr)},
  };
}

Expected<DialerJob> DialerJobFromJson(const nlohmann::json& json) {
  JsonFields fields(json);
  DialerJob job;
  job.job_id.value = fields.RequiredNonEmptyString("job_id").value_or("");
  job.campaign_id.value = fields.RequiredNonEmptyString("campaign_id").value_or("");
  job.lead_id.value = fields.RequiredNonEmptyString("lead_id").value_or("");
  job.tenant_id.value = fields.RequiredNonEmptyString("tenant_id").value_or("");
  job.phone_number = fields.RequiredNonEmptyString("phone_number").value_or("");

  if (std::optional<long long> priority = fields.RequiredInt("priority")) {
    if (*priority < kMinPriority || *priority > kMaxPriority) {
      fields.AddError("priority", "must be between 1 and 10");
    } else {
      job.priority = static_cast<int>(*priority);
    }
  }
  job.status =
      ParseEnumField<JobStatus>(fields, "status", fields.RequiredString("status"), ParseJobStatus)
          .value_or(JobStatus::kPending);
  if (std::optional<long long> attempt = fields.RequiredInt("attempt_number")) {
    if (*attempt < 1 || *attempt > 1'000'000) {
      fields.AddError("attempt_number", "must be at least 1");
    } else {
      job.attempt_number = static_cast<int>(*attempt);
    }
  }
  job.scheduled_at = fields.RequiredInstant("scheduled_at").value_or(Instant{});
  job.created_at = fields.RequiredInstant("created_at").value_or(Instant{});
  job.processed_at = fields.OptionalInstant("processed_at");
  job.completed_at = fields.OptionalInstant("completed_at");
  job.last_outcome = ParseEnumField<CallOutcome>(
      fields, "last_outcome", fields.OptionalString("last_outcome"), ParseCallOutcome);
  job.last_error = fields.OptionalString("last_error");
  if (std::optional<std::string> call_id = fields.OptionalString("call_id")) {
    job.call_id = CallId{*call_id};
  }
  return ValueOrFieldErrors(std::move(job), std::move(fields.errors()), "dialer job");
}

Expected<DialerJob> ParseDialerJob(std::string_view text) {
  Expected<nlohmann::json> json = ParseJsonText(text, "dialer job");
  if (!json) return std::unexpected(json.error());
  return DialerJobFromJson(*json);
}

}  // namespace talky
