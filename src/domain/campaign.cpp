#include "domain/campaign.h"

#include "domain/enum_names.h"

namespace talky {
namespace {

constexpr EnumNames<CampaignStatus, 6> kNames{{
    {CampaignStatus::kDraft, "draft"},
    {CampaignStatus::kScheduled, "scheduled"},
    {CampaignStatus::kRunning, "running"},
    {CampaignStatus::kPaused, "paused"},
    {CampaignStatus::kCompleted, "completed"},
    {CampaignStatus::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view ToString(CampaignStatus status) { return NameOf(kNames, status); }
std::optional<CampaignStatus> ParseCampaignStatus(std::string_view text) {
  return ValueOf(kNames, text);
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

}  // namespace talky
