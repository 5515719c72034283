#include "store/sql/sql_rows.h"

#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "domain/calling_rules.h"

namespace talky::sql_rows {

const std::string_view kTenantColumns =
    "id, name, api_key_hash, calling_rules, default_region, holidays";
const std::string_view kCampaignColumns =
    "id, tenant_id, name, description, status, system_prompt, voice_id, max_concurrent_calls, "
    "retry_failed, max_retries, created_at, started_at, completed_at, total_leads, "
    "calls_completed, calls_failed, goals_achieved, goal, script_config, calling_config, "
    "marketing";
const std::string_view kLeadColumns =
    "id, tenant_id, campaign_id, phone_number, first_name, last_name, email, custom_fields, "
    "created_at, last_called_at, call_attempts, status, last_call_result, tags, priority, "
    "is_high_value, time_zone, consent_kind, consent_given_at, consent_source";
const std::string_view kJobColumns =
    "id, tenant_id, campaign_id, lead_id, phone_number, priority, status, attempt_number, "
    "scheduled_at, created_at, processed_at, completed_at, last_outcome, last_error, call_id";
const std::string_view kCallColumns =
    "id, tenant_id, campaign_id, lead_id, job_id, provider_call_id, to_number, caller_id, status, "
    "outcome, created_at, answered_at, ended_at, duration_seconds, lease_token";
const std::string_view kCallEventColumns =
    "provider_call_id, status, tenant_id, call_id, outcome, occurred_at, payload";
const std::string_view kTurnColumns =
    "call_id, turn_index, tenant_id, role, text, at, stt_latency_ms, llm_latency_ms, "
    "tts_latency_ms, prompt_tokens, completion_tokens";

namespace {

// Reads a result row left to right; the first value that does not decode is remembered and the
// caller reports it once.
class RowReader {
 public:
  explicit RowReader(const Row& row) : row_(row) {}

  std::optional<std::string> OptionalText() {
    if (index_ >= row_.size()) {
      Fail("too few columns");
      return std::nullopt;
    }
    return row_[index_++];
  }
  std::string Text() {
    std::optional<std::string> text = OptionalText();
    if (!text) Fail("unexpected NULL");
    return text.value_or("");
  }
  std::optional<int64_t> OptionalInt() {
    std::optional<std::string> text = OptionalText();
    if (!text) return std::nullopt;
    int64_t value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size()) Fail("not an integer");
    return value;
  }
  int64_t Int() {
    std::optional<int64_t> value = OptionalInt();
    if (!value) Fail("unexpected NULL");
    return value.value_or(0);
  }
  int Int32() { return static_cast<int>(Int()); }
  std::optional<double> OptionalReal() {
    std::optional<std::string> text = OptionalText();
    if (!text) return std::nullopt;
    try {
      return std::stod(*text);
    } catch (const std::exception&) {
      Fail("not a number");
      return std::nullopt;
    }
  }
  bool Bool() {
    std::string text = Text();
    return text == "1" || text == "t" || text == "true";
  }
  Instant Time() { return FromMicros(Int()); }
  std::optional<Instant> OptionalTime() {
    std::optional<int64_t> micros = OptionalInt();
    if (!micros) return std::nullopt;
    return FromMicros(*micros);
  }
  nlohmann::json Json() {
    std::optional<std::string> text = OptionalText();
    if (!text) return nullptr;
    nlohmann::json value = nlohmann::json::parse(*text, nullptr, false);
    if (value.is_discarded()) Fail("not JSON");
    return value;
  }
  template <typename Enum, typename Parser>
  Enum Enumerated(Parser parse) {
    std::string text = Text();
    std::optional<Enum> value = parse(text);
    if (!value) {
      Fail("unknown value '" + text + "'");
      return Enum{};
    }
    return *value;
  }
  template <typename Enum, typename Parser>
  std::optional<Enum> OptionalEnumerated(Parser parse) {
    std::optional<std::string> text = OptionalText();
    if (!text) return std::nullopt;
    std::optional<Enum> value = parse(*text);
    if (!value) Fail("unknown value '" + *text + "'");
    return value;
  }

  template <typename T>
  Expected<T> Finish(T value, std::string_view what) const {
    if (error_.empty()) return value;
    return std::unexpected(Error::Internal("a stored " + std::string(what) +
                                           " is corrupt: column " + std::to_string(failed_at_) +
                                           ": " + error_));
  }

 private:
  void Fail(std::string message) {
    if (error_.empty()) {
      error_ = std::move(message);
      failed_at_ = index_;
    }
  }

  const Row& row_;
  size_t index_ = 0;
  std::string error_;
  size_t failed_at_ = 0;
};

}  // namespace

std::vector<std::string> ColumnNames(std::string_view columns) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < columns.size()) {
    size_t comma = columns.find(',', start);
    if (comma == std::string_view::npos) comma = columns.size();
    std::string_view name = columns.substr(start, comma - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    names.emplace_back(name);
    start = comma + 1;
  }
  return names;
}

std::string Placeholders(std::string_view columns, int first) {
  size_t count = ColumnNames(columns).size();
  std::string text;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) text += ", ";
    text += "$" + std::to_string(first + static_cast<int>(i));
  }
  return text;
}

SqlValue Micros(Instant instant) { return int64_t{instant.time_since_epoch().count()}; }
SqlValue OptionalMicros(const std::optional<Instant>& instant) {
  if (!instant) return std::monostate{};
  return Micros(*instant);
}
SqlValue OptionalText(const std::optional<std::string>& text) {
  if (!text) return std::monostate{};
  return *text;
}
SqlValue JsonText(const nlohmann::json& json) {
  if (json.is_null()) return std::monostate{};
  return json.dump();
}
Instant FromMicros(int64_t micros) { return Instant(std::chrono::microseconds(micros)); }

namespace {
SqlValue Int(int value) { return int64_t{value}; }
template <typename Enum>
SqlValue EnumText(Enum value) {
  return std::string(ToString(value));
}
template <typename Enum>
SqlValue OptionalEnumText(const std::optional<Enum>& value) {
  if (!value) return std::monostate{};
  return std::string(ToString(*value));
}
}  // namespace

std::string FormatDate(std::chrono::year_month_day date) {
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

std::optional<std::chrono::year_month_day> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  auto number = [&](size_t from, size_t length, auto& out) {
    auto [end, error] = std::from_chars(text.data() + from, text.data() + from + length, out);
    return error == std::errc() && end == text.data() + from + length;
  };
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day)) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(day)};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::vector<SqlValue> TenantRow(const Tenant& tenant) {
  nlohmann::json holidays = nlohmann::json::array();
  for (const std::chrono::year_month_day& date : tenant.holidays)
    holidays.push_back(FormatDate(date));
  return {tenant.id.value,       tenant.name,    tenant.api_key_hash, ToJson(tenant.rules).dump(),
          tenant.default_region, holidays.dump()};
}

Expected<Tenant> ReadTenant(const Row& row) {
  RowReader reader(row);
  Tenant tenant;
  tenant.id.value = reader.Text();
  tenant.name = reader.Text();
  tenant.api_key_hash = reader.Text();
  nlohmann::json rules = reader.Json();
  tenant.default_region = reader.Text();
  nlohmann::json holidays = reader.Json();
  Expected<CallingRules> parsed = CallingRulesFromJson(rules);
  if (!parsed)
    return std::unexpected(Error::Internal("stored calling rules: " + parsed.error().Describe()));
  tenant.rules = *parsed;
  if (holidays.is_array()) {
    for (const nlohmann::json& day : holidays) {
      std::optional<std::chrono::year_month_day> date =
          day.is_string() ? ParseDate(day.get<std::string>()) : std::nullopt;
      if (!date) return std::unexpected(Error::Internal("a stored holiday is corrupt"));
      tenant.holidays.push_back(*date);
    }
  }
  return reader.Finish(std::move(tenant), "tenant");
}

std::vector<SqlValue> CampaignRow(const Campaign& c) {
  return {c.id.value,
          c.tenant_id.value,
          c.name,
          OptionalText(c.description),
          EnumText(c.status),
          c.system_prompt,
          c.voice_id,
          Int(c.max_concurrent_calls),
          c.retry_failed,
          Int(c.max_retries),
          Micros(c.created_at),
          OptionalMicros(c.started_at),
          OptionalMicros(c.completed_at),
          Int(c.total_leads),
          Int(c.calls_completed),
          Int(c.calls_failed),
          Int(c.goals_achieved),
          OptionalText(c.goal),
          JsonText(c.script_config),
          JsonText(c.calling_config),
          c.marketing};
}

Expected<Campaign> ReadCampaign(const Row& row) {
  RowReader reader(row);
  Campaign c;
  c.id.value = reader.Text();
  c.tenant_id.value = reader.Text();
  c.name = reader.Text();
  c.description = reader.OptionalText();
  c.status = reader.Enumerated<CampaignStatus>(ParseCampaignStatus);
  c.system_prompt = reader.Text();
  c.voice_id = reader.Text();
  c.max_concurrent_calls = reader.Int32();
  c.retry_failed = reader.Bool();
  c.max_retries = reader.Int32();
  c.created_at = reader.Time();
  c.started_at = reader.OptionalTime();
  c.completed_at = reader.OptionalTime();
  c.total_leads = reader.Int32();
  c.calls_completed = reader.Int32();
  c.calls_failed = reader.Int32();
  c.goals_achieved = reader.Int32();
  c.goal = reader.OptionalText();
  c.script_config = reader.Json();
  c.calling_config = reader.Json();
  c.marketing = reader.Bool();
  return reader.Finish(std::move(c), "campaign");
}

std::vector<SqlValue> LeadRow(const Lead& lead) {
  return LeadRow(lead, lead.id, lead.tenant_id, lead.campaign_id, lead.phone_number,
                 lead.created_at);
}

std::vector<SqlValue> LeadRow(const Lead& lead, const LeadId& id, const TenantId& tenant,
                              const CampaignId& campaign, const std::string& e164,
                              Instant created_at) {
  return {id.value,
          tenant.value,
          campaign.value,
          e164,
          OptionalText(lead.first_name),
          OptionalText(lead.last_name),
          OptionalText(lead.email),
          lead.custom_fields.dump(),
          Micros(created_at),
          OptionalMicros(lead.last_called_at),
          Int(lead.call_attempts),
          EnumText(lead.status),
          OptionalText(lead.last_call_result),
          nlohmann::json(lead.tags).dump(),
          Int(lead.priority),
          lead.is_high_value,
          OptionalText(lead.time_zone),
          EnumText(lead.consent.kind),
          OptionalMicros(lead.consent.given_at),
          OptionalText(lead.consent.source)};
}

Expected<Lead> ReadLead(const Row& row) {
  RowReader reader(row);
  Lead lead;
  lead.id.value = reader.Text();
  lead.tenant_id.value = reader.Text();
  lead.campaign_id.value = reader.Text();
  lead.phone_number = reader.Text();
  lead.first_name = reader.OptionalText();
  lead.last_name = reader.OptionalText();
  lead.email = reader.OptionalText();
  lead.custom_fields = reader.Json();
  lead.created_at = reader.Time();
  lead.last_called_at = reader.OptionalTime();
  lead.call_attempts = reader.Int32();
  lead.status = reader.Enumerated<LeadStatus>(ParseLeadStatus);
  lead.last_call_result = reader.OptionalText();
  nlohmann::json tags = reader.Json();
  lead.priority = reader.Int32();
  lead.is_high_value = reader.Bool();
  lead.time_zone = reader.OptionalText();
  lead.consent.kind = reader.Enumerated<ConsentKind>(ParseConsentKind);
  lead.consent.given_at = reader.OptionalTime();
  lead.consent.source = reader.OptionalText();
  if (tags.is_array()) {
    for (const nlohmann::json& tag : tags) {
      if (tag.is_string()) lead.tags.push_back(tag.get<std::string>());
    }
  }
  return reader.Finish(std::move(lead), "lead");
}

std::vector<SqlValue> JobRow(const DialerJob& job) {
  return {job.job_id.value,
          job.tenant_id.value,
          job.campaign_id.value,
          job.lead_id.value,
          job.phone_number,
          Int(job.priority),
          EnumText(job.status),
          Int(job.attempt_number),
          Micros(job.scheduled_at),
          Micros(job.created_at),
          OptionalMicros(job.processed_at),
          OptionalMicros(job.completed_at),
          OptionalEnumText(job.last_outcome),
          OptionalText(job.last_error),
          job.call_id ? SqlValue(job.call_id->value) : SqlValue(std::monostate{})};
}

Expected<DialerJob> ReadJob(const Row& row) {
  RowReader reader(row);
  DialerJob job;
  job.job_id.value = reader.Text();
  job.tenant_id.value = reader.Text();
  job.campaign_id.value = reader.Text();
  job.lead_id.value = reader.Text();
  job.phone_number = reader.Text();
  job.priority = reader.Int32();
  job.status = reader.Enumerated<JobStatus>(ParseJobStatus);
  job.attempt_number = reader.Int32();
  job.scheduled_at = reader.Time();
  job.created_at = reader.Time();
  job.processed_at = reader.OptionalTime();
  job.completed_at = reader.OptionalTime();
  job.last_outcome = reader.OptionalEnumerated<CallOutcome>(ParseCallOutcome);
  job.last_error = reader.OptionalText();
  if (std::optional<std::string> call = reader.OptionalText()) job.call_id = CallId{*call};
  return reader.Finish(std::move(job), "dialer job");
}

std::vector<SqlValue> CallRow(const CallRecord& call) {
  return {call.id.value,
          call.tenant_id.value,
          call.campaign_id.value,
          call.lead_id.value,
          call.job_id.value,
          call.provider_call_id,
          call.to_number,
          OptionalText(call.caller_id),
          EnumText(call.status),
          OptionalEnumText(call.outcome),
          Micros(call.created_at),
          OptionalMicros(call.answered_at),
          OptionalMicros(call.ended_at),
          call.duration_seconds ? SqlValue(int64_t{*call.duration_seconds})
                                : SqlValue(std::monostate{}),
          call.lease_token.empty() ? SqlValue(std::monostate{}) : SqlValue(call.lease_token)};
}

Expected<CallRecord> ReadCall(const Row& row) {
  RowReader reader(row);
  CallRecord call;
  call.id.value = reader.Text();
  call.tenant_id.value = reader.Text();
  call.campaign_id.value = reader.Text();
  call.lead_id.value = reader.Text();
  call.job_id.value = reader.Text();
  call.provider_call_id = reader.Text();
  call.to_number = reader.Text();
  call.caller_id = reader.OptionalText();
  call.status = reader.Enumerated<CallStatus>(ParseCallStatus);
  call.outcome = reader.OptionalEnumerated<CallOutcome>(ParseCallOutcome);
  call.created_at = reader.Time();
  call.answered_at = reader.OptionalTime();
  call.ended_at = reader.OptionalTime();
  if (std::optional<int64_t> duration = reader.OptionalInt()) {
    call.duration_seconds = static_cast<int>(*duration);
  }
  call.lease_token = reader.OptionalText().value_or("");
  return reader.Finish(std::move(call), "call");
}

std::vector<SqlValue> CallEventRow(const CallEvent& event, const TenantId& tenant,
                                   const CallId& call) {
  return {event.provider_call_id,
          EnumText(event.status),
          tenant.value,
          call.value,
          OptionalEnumText(event.outcome),
          Micros(event.occurred_at),
          JsonText(event.payload)};
}

Expected<CallEvent> ReadCallEvent(const Row& row) {
  RowReader reader(row);
  CallEvent event;
  event.provider_call_id = reader.Text();
  event.status = reader.Enumerated<CallStatus>(ParseCallStatus);
  reader.Text();  // tenant
  event.call_id.value = reader.Text();
  event.outcome = reader.OptionalEnumerated<CallOutcome>(ParseCallOutcome);
  event.occurred_at = reader.Time();
  event.payload = reader.Json();
  return reader.Finish(std::move(event), "call event");
}

std::vector<SqlValue> TurnRow(const ConversationTurn& turn, const TenantId& tenant) {
  auto real = [](const std::optional<double>& value) {
    return value ? SqlValue(*value) : SqlValue(std::monostate{});
  };
  auto count = [](const std::optional<int>& value) {
    return value ? Int(*value) : SqlValue(std::monostate{});
  };
  return {turn.call_id.value,
          Int(turn.turn_index),
          tenant.value,
          EnumText(turn.role),
          turn.text,
          Micros(turn.at),
          real(turn.stt_latency_ms),
          real(turn.llm_latency_ms),
          real(turn.tts_latency_ms),
          count(turn.prompt_tokens),
          count(turn.completion_tokens)};
}

Expected<ConversationTurn> ReadTurn(const Row& row) {
  RowReader reader(row);
  ConversationTurn turn;
  turn.call_id.value = reader.Text();
  turn.turn_index = reader.Int32();
  reader.Text();  // tenant
  turn.role = reader.Enumerated<MessageRole>(ParseMessageRole);
  turn.text = reader.Text();
  turn.at = reader.Time();
  turn.stt_latency_ms = reader.OptionalReal();
  turn.llm_latency_ms = reader.OptionalReal();
  turn.tts_latency_ms = reader.OptionalReal();
  if (std::optional<int64_t> tokens = reader.OptionalInt()) {
    turn.prompt_tokens = static_cast<int>(*tokens);
  }
  if (std::optional<int64_t> tokens = reader.OptionalInt()) {
    turn.completion_tokens = static_cast<int>(*tokens);
  }
  return reader.Finish(std::move(turn), "conversation turn");
}

}  // namespace talky::sql_rows
