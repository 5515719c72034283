#include "domain/lead.h"

#include <algorithm>

#include "domain/dialer_job.h"
#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<LeadStatus, 4> kNames{{
    {LeadStatus::kPending, "pending"},
    {LeadStatus::kCalled, "called"},
    {LeadStatus::kCompleted, "completed"},
    {LeadStatus::kDnc, "dnc"},
}};

}  // namespace

std::string_view ToString(LeadStatus status) { return NameOf(kNames, status); }
std::optional<LeadStatus> ParseLeadStatus(std::string_view text) { return ValueOf(kNames, text); }

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

}  // namespace talky
