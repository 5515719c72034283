#include "domain/campaign.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<CampaignStatus, 6> kCampaignStatusNames{{
    {CampaignStatus::kDraft, "draft"},
    {CampaignStatus::kScheduled, "scheduled"},
    {CampaignStatus::kRunning, "running"},
    {CampaignStatus::kPaused, "paused"},
    {CampaignStatus::kCompleted, "completed"},
    {CampaignStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view ToString(CampaignStatus status) { return NameOf(kCampaignStatusNames, status); }
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view text) {
  return ValueOf(kCampaignStatusNames, text);
}

bool CanTransition(CampaignStatus from, CampaignStatus to) {
  using enum CampaignStatus;
  switch (from) {
    case kDraft:
      return to == kScheduled || to == kRunning || to == kCancelled;
    case kScheduled:
      return to == kRunning || to == kCancelled;
    case kRunning:
      return to == kPaused || to == kCompleted || to == kCancelled;
    case kPaused:
      return to == kRunning || to == kCancelled;
    case kCompleted:
    case kCancelled:
      return false;
  }
  return false;
}

std::optional<std::string> CampaignConcurrencyProblem(int64_t max_concurrent_calls) {
  if (max_concurrent_calls >= 1 && max_concurrent_calls <= kMaxCampaignConcurrency) {
    return std::nullopt;
  }
  return "must be 1 to " + std::to_string(kMaxCampaignConcurrency);
}

std::optional<std::string> CampaignRetriesProblem(int64_t max_retries) {
  if (max_retries >= 0 && max_retries <= kMaxCampaignRetries) return std::nullopt;
  return "must be 0 to " + std::to_string(kMaxCampaignRetries);
}

std::vector<FieldError> ValidateCampaignLimits(const Campaign& campaign) {
  std::vector<FieldError> errors;
  if (std::optional<std::string> problem =
          CampaignConcurrencyProblem(campaign.max_concurrent_calls)) {
    errors.push_back({"max_concurrent_calls", *problem});
  }
  if (std::optional<std::string> problem = CampaignRetriesProblem(campaign.max_retries)) {
    errors.push_back({"max_retries", *problem});
  }
  return errors;
}

}  // namespace talky
