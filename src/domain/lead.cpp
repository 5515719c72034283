#include "domain/lead.h"

#include <algorithm>

#include "domain/calling_rules.h"
#include "domain/dialer_job.h"
#include "domain/enum_names.h"
#include "domain/phone_number.h"

namespace talky {
namespace {

constexpr EnumNames<LeadStatus, 4> kLeadStatusNames{{
    {LeadStatus::kPending, "pending"},
    {LeadStatus::kCalled, "called"},
    {LeadStatus::kCompleted, "completed"},
    {LeadStatus::kDnc, "dnc"},
}};

}  // namespace

std::string_view ToString(LeadStatus status) { return NameOf(kLeadStatusNames, status); }
std::optional<LeadStatus> ParseLeadStatus(std::string_view text) {
  return ValueOf(kLeadStatusNames, text);
}

int ComputeLeadPriority(int base_priority, bool is_high_value,
                        const std::vector<std::string>& tags) {
  int priority = base_priority;
  if (is_high_value) priority = std::min(priority + 2, kMaxPriority);
  const bool urgent = std::any_of(tags.begin(), tags.end(), [](const std::string& tag) {
    return tag == "urgent" || tag == "appointment";
  });
  if (urgent) priority = std::min(priority + 1, kMaxPriority);
  return priority;
}

int ComputeLeadPriority(const Lead& lead) {
  return ComputeLeadPriority(lead.priority, lead.is_high_value, lead.tags);
}

Expected<std::string> ValidateLead(const Lead& lead, std::string_view default_region) {
  std::vector<FieldError> errors;
  Expected<PhoneNumber> number = ParsePhoneNumber(lead.phone_number, default_region);
  if (!number) errors.push_back({"phone_number", number.error().message});
  if (lead.priority < kMinPriority || lead.priority > kMaxPriority) {
    errors.push_back({"priority", "must be 1 to 10"});
  }
  if (!lead.custom_fields.is_object()) errors.push_back({"custom_fields", "must be a JSON object"});
  if (lead.call_attempts < 0) errors.push_back({"call_attempts", "must not be negative"});
  if (lead.time_zone && !IsKnownTimeZone(*lead.time_zone)) {
    errors.push_back({"time_zone", "'" + *lead.time_zone + "' is not an IANA time zone"});
  }
  if (lead.consent.kind == ConsentKind::kNone && (lead.consent.given_at || lead.consent.source)) {
    errors.push_back({"consent", "a date or source of consent needs its kind (oral or written)"});
  }
  if (!errors.empty()) return std::unexpected(Error::InvalidArgument("invalid lead", errors));
  return std::move(number->e164);
}

}  // namespace talky
